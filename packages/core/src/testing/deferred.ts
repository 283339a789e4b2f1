/** A promise with its `resolve` and `reject` (see {@link deferred}). */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T | PromiseLike<T>) => void;
  readonly reject: (reason: unknown) => void;
}

/**
 * A promise that the test settles when it chooses: the way to stand in for a dependency that
 * answers later (or never), without timers.
 *
 * @example
 * const answer = deferred<string>();
 * const call = breaker.fire(() => answer.promise);
 * answer.resolve('ok');
 */
export function deferred<T>(): Deferred<T> {
  let resolve!: Deferred<T>['resolve'];
  let reject!: Deferred<T>['reject'];
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
