import fc from 'fast-check';
import { JumpHash, jumpHash } from './jump-hash.js';

/** The paper's code with BigInt for the 64-bit state: the reference for the 32-bit-halves version. */
function referenceJump(key: bigint, buckets: number): number {
  let k = BigInt.asUintN(64, key);
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    k = BigInt.asUintN(64, k * 2862933555777941757n + 1n);
    j = Math.floor((b + 1) * (2 ** 31 / Number((k >> 33n) + 1n)));
  }
  return b;
}

describe('jumpHash', () => {
  it('matches the paper’s algorithm on 64-bit keys', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (key, buckets) => {
        expect(jumpHash(key, buckets)).toBe(referenceJump(key, buckets));
      }),
      { numRuns: 500 },
    );
    for (const key of [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 64n - 1n]) {
      for (const buckets of [1, 2, 10, 1000, 2 ** 31 - 1]) expect(jumpHash(key, buckets)).toBe(referenceJump(key, buckets));
    }
  });

  it('reads a safe-integer key as the same 64-bit value, and a bigint by its low 64 bits', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.integer({ min: 1, max: 5000 }), (key, buckets) => {
        expect(jumpHash(key, buckets)).toBe(jumpHash(BigInt(key), buckets));
      }),
    );
    expect(jumpHash(2n ** 64n + 5n, 100)).toBe(jumpHash(5n, 100));
    expect(jumpHash(-1n, 100)).toBe(jumpHash(2n ** 64n - 1n, 100));
  });

  it('moves a key only into the new bucket when one is added', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.integer({ min: 1, max: 10_000 }), (key, buckets) => {
        const before = jumpHash(key, buckets);
        const after = jumpHash(key, buckets + 1);
        expect(after === before || after === buckets).toBe(true);
      }),
    );
  });

  it('rejects keys and bucket counts out of range, naming them', () => {
    expect(() => jumpHash(1, 0)).toThrow(new RangeError('jumpHash: buckets must be an integer from 1 to 2^31 - 1, got 0'));
    expect(() => jumpHash(1, 2 ** 31)).toThrow(RangeError);
    expect(() => jumpHash(1, '3' as unknown as number)).toThrow(TypeError);
    expect(() => jumpHash(-1, 3)).toThrow(new RangeError('jumpHash: key must be a non-negative safe integer or a bigint, got -1'));
    expect(() => jumpHash(1.5, 3)).toThrow(RangeError);
    expect(() => jumpHash(2 ** 53, 3)).toThrow(RangeError);
    expect(() => jumpHash('k' as unknown as number, 3)).toThrow(TypeError);
  });
});

describe('JumpHash', () => {
  it('maps keys over the nodes in the order they were added', () => {
    const shards = new JumpHash().add('s0').add('s1').add('s2').add('s1');
    expect(shards.nodes()).toEqual(['s0', 's1', 's2']);
    expect(shards.size).toBe(3);
    expect(new JumpHash().get('k')).toBeUndefined();
    expect(new JumpHash().preferenceList('k', 2)).toEqual([]);
    const counts = new Map<string, number>();
    for (let i = 0; i < 30_000; i++) counts.set(shards.get(`key:${i}`) as string, (counts.get(shards.get(`key:${i}`) as string) ?? 0) + 1);
    for (const count of counts.values()) expect(Math.abs(count - 10_000)).toBeLessThan(400);
  });

  it('removes only the node added last', () => {
    const shards = new JumpHash().add('s0').add('s1').add('s2');
    expect(() => shards.remove('s0')).toThrow(
      new RangeError('JumpHash.remove: only the node added last ("s2") can be removed, got "s0"; use HashRing or RendezvousHash when any node may leave'),
    );
    expect(shards.remove('nope')).toBe(false);
    expect(shards.remove('s2')).toBe(true);
    expect(shards.remove('s1')).toBe(true);
    expect(shards.nodes()).toEqual(['s0']);
  });

  it('has no weights', () => {
    expect(() => new JumpHash().add('s0', 2)).toThrow(
      new RangeError('JumpHash.add: weight must be 1 (jump hashing has no weights; use HashRing or RendezvousHash), got 2'),
    );
    expect(() => new JumpHash().add('s0', 0)).toThrow(RangeError);
    expect(new JumpHash().add('s0', 1).size).toBe(1);
  });

  it('fills a preference list in bucket order once re-jumping stops finding new nodes', () => {
    // A constant hash makes every re-jump land on the same few buckets.
    const shards = new JumpHash({ hash: () => 7 });
    for (let i = 0; i < 6; i++) shards.add(`s${i}`);
    const list = shards.preferenceList('anything', 6);
    expect(new Set(list).size).toBe(6);
    expect(list[0]).toBe(shards.get('anything'));
  });

  it('validates its options and arguments', () => {
    expect(() => new JumpHash({ hash: 1 as unknown as () => number })).toThrow(new TypeError('JumpHash: options.hash must be a function, got 1'));
    expect(() => new JumpHash().add('')).toThrow(TypeError);
    expect(() => new JumpHash().add('a').get(3 as unknown as string)).toThrow(new TypeError('JumpHash.get: key must be a string, got 3'));
    expect(() => new JumpHash().preferenceList('k', -2)).toThrow(RangeError);
  });
});
