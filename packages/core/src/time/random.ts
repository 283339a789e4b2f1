/**
 * A source of uniformly distributed numbers in `[0, 1)`, shaped like `Math.random` so that
 * `Math.random` itself is a valid `Random`. Policies that jitter take one as their `random`
 * option; tests pass `seededRandom(seed)` from `@bulwark/core/testing` for repeatable runs.
 */
export type Random = () => number;

/** The default random source: `Math.random`. */
export const systemRandom: Random = Math.random;
