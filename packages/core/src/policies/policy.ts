/** What a policy passes to the function it runs. */
export interface ExecuteContext {
  /**
   * Aborted when the caller gives up (its own signal aborts) or a policy abandons the attempt
   * (a timeout fires). Pass it on to `fetch` and friends so abandoned work stops.
   */
  readonly signal: AbortSignal;
  /** 1 for the first attempt, 2 for the first retry, and so on. */
  readonly attempt: number;
}

/** Options for one {@link Policy.execute} call. */
export interface ExecuteOptions {
  /** The caller's signal: aborting it rejects the call at once with the signal's reason. */
  readonly signal?: AbortSignal;
  /** The attempt number to report to `fn` (set by retry policies; default 1). */
  readonly attempt?: number;
}

/**
 * The one shape every Bulwark policy has: run `fn` under the policy. Policies compose with
 * `wrap(a, b, c)`, `a` outermost.
 *
 * @example
 * const result = await breaker.execute(({ signal }) => fetch(url, { signal }));
 */
export interface Policy {
  /** Runs `fn` under the policy; see each policy for what it adds and which errors it raises. */
  execute<T>(fn: (context: ExecuteContext) => PromiseLike<T> | T, options?: ExecuteOptions): Promise<T>;
  /** A short description for logs and `wrap(...).describe()`, e.g. `retry(maxAttempts=3)`. */
  describe(): string;
}
