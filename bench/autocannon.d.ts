// The part of autocannon 9's API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  export type Request = {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string
    setupRequest?: (request: Request, context: Record<string, unknown>) => Request
    onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string>) => void
  }

  export type Client = { setHeaders(headers: Record<string, string>): void }

  export type Options = Request & {
    url: string
    setupClient?: (client: Client) => void
    connections?: number
    duration?: number
    amount?: number
    overallRate?: number
    timeout?: number
    requests?: Request[]
  }

  export type Histogram = { average: number; mean: number; p50: number; p99: number; max: number; total: number }

  export type Result = {
    requests: Histogram
    latency: Histogram
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    mismatches: number
    '2xx': number
  }

  export type Instance = Promise<Result> & {
    on(event: 'tick', listener: (sample: { counter: number; bytes: number }) => void): void
    on(event: 'response', listener: (client: unknown, status: number, bytes: number, milliseconds: number) => void): void
    stop(): void
  }

  export default function autocannon(options: Options): Instance
}
