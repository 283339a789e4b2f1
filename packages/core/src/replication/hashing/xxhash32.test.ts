import fc from 'fast-check';
import { xxHash32 } from './xxhash32.js';

/**
 * A naive XXH32 straight from the specification, on byte arrays, with BigInt products: slow and
 * written differently from the implementation, so the two agreeing means something.
 */
function referenceXxHash32(bytes: Uint8Array, seed: number): number {
  const P = [0x9e3779b1n, 0x85ebca77n, 0xc2b2ae3dn, 0x27d4eb2fn, 0x165667b1n];
  const M = 0xffffffffn;
  const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (32n - r))) & M;
  const u32 = (i: number): bigint => BigInt(bytes[i] + bytes[i + 1] * 2 ** 8 + bytes[i + 2] * 2 ** 16 + bytes[i + 3] * 2 ** 24);
  const s = BigInt(seed >>> 0);
  let h: bigint;
  let i = 0;
  if (bytes.length >= 16) {
    const v = [(s + P[0] + P[1]) & M, (s + P[1]) & M, s, (s - P[0]) & M];
    for (; i + 16 <= bytes.length; i += 16) {
      for (let lane = 0; lane < 4; lane++) v[lane] = (rotl((v[lane] + u32(i + 4 * lane) * P[1]) & M, 13n) * P[0]) & M;
    }
    h = (rotl(v[0], 1n) + rotl(v[1], 7n) + rotl(v[2], 12n) + rotl(v[3], 18n)) & M;
  } else {
    h = (s + P[4]) & M;
  }
  h = (h + BigInt(bytes.length)) & M;
  for (; i + 4 <= bytes.length; i += 4) h = (rotl((h + u32(i) * P[2]) & M, 17n) * P[3]) & M;
  for (; i < bytes.length; i++) h = (rotl((h + BigInt(bytes[i]) * P[4]) & M, 11n) * P[0]) & M;
  h = ((h ^ (h >> 15n)) * P[1]) & M;
  h = ((h ^ (h >> 13n)) * P[2]) & M;
  return Number(h ^ (h >> 16n));
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('xxHash32', () => {
  it.each([
    ['', 0, 0x02cc5d05],
    ['', 0x9e3779b1, 0x36b78ae7],
    ['a', 0, 0x550d7456],
    ['abc', 0, 0x32d153ff],
    ['Nobody inspects the spammish repetition', 0, 0xe2293b2f],
  ])('hashes %j with seed %d to the published value', (input, seed, expected) => {
    expect(xxHash32(input, seed)).toBe(expected);
    expect(xxHash32(utf8(input), seed)).toBe(expected);
  });

  it('agrees with a naive reference on random bytes, every length and seed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.integer(), (bytes, seed) => {
        expect(xxHash32(bytes, seed)).toBe(referenceXxHash32(bytes, seed));
      }),
      { numRuns: 300 },
    );
  });

  it('hashes a string as its UTF-8 bytes, on the ASCII path and off it', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 70 }), fc.string({ unit: 'binary', maxLength: 40 })), fc.integer(), (s, seed) => {
        expect(xxHash32(s, seed)).toBe(xxHash32(utf8(s), seed));
      }),
      { numRuns: 150 },
    );
  });

  it('falls back to encoding when a non-ASCII character comes late, and for long strings', () => {
    const ascii = 'x'.repeat(37);
    for (const s of [`${ascii}é`, `${'y'.repeat(16)}€${ascii}`, 'é'.repeat(500), `😀${ascii}`]) expect(xxHash32(s)).toBe(referenceXxHash32(utf8(s), 0));
  });

  it('returns unsigned 32-bit integers and treats the seed as 32 bits', () => {
    const h = xxHash32('key', -1);
    expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
    expect(h).toBe(xxHash32('key', 0xffffffff));
    expect(xxHash32('key', 1)).not.toBe(xxHash32('key'));
  });

  it('rejects other inputs with a TypeError', () => {
    expect(() => xxHash32(42 as unknown as string)).toThrow(new TypeError('xxHash32: input must be a string or a Uint8Array, got number'));
  });
});
