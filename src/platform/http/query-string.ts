/**
 * The query string as DRF's views read it (`request.query_params`, a QueryDict, through a serializer or `.get`): a
 * repeated key counts with its last value, so `?user_id=1&user_id=2` looks up user 2 instead of failing validation.
 */
export function parseQueryString(text: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(text))
}
