/** A value now, or a promise of it later: for paths that usually have their answer at hand (a cached lookup). */
export type MaybePromise<T> = T | Promise<T>

/** `use` applied to the value at once when it is at hand, or when the promise settles; a sync throw stays sync. */
export function whenReady<T, R>(value: MaybePromise<T>, use: (value: T) => R): MaybePromise<R> {
  return value instanceof Promise ? value.then<R>(use) : use(value)
}
