/**
 * How a sharded cache turns values into the strings its nodes store, and back.
 */

/**
 * Encodes values for a {@link CacheNode} and decodes what it returns. `decode` may throw on a
 * corrupt entry: the cache then treats the entry as a miss.
 *
 * @example
 * const dates: CacheCodec<Date> = { encode: (d) => d.toISOString(), decode: (s) => new Date(s) };
 */
export interface CacheCodec<V> {
  encode(value: V): string;
  decode(text: string): V;
}

/** The default codec: `JSON.stringify` and `JSON.parse`. */
export const jsonCodec: CacheCodec<unknown> = {
  encode: (value) => JSON.stringify(value),
  decode: (text) => JSON.parse(text) as unknown,
};
