import fc from 'fast-check';
import { MerkleTree, hash53 } from './merkle-tree.js';

describe('MerkleTree', () => {
  const entries: Array<[string, string]> = Array.from({ length: 100 }, (_, i) => [`key${i}`, `v${i}`]);

  it('gives equal roots for equal content in any order, and different roots when one digest changes', () => {
    const a = MerkleTree.build(entries, { depth: 2 });
    const b = MerkleTree.build([...entries].reverse(), { depth: 2 });
    expect(a.hash(0, 0)).toBe(b.hash(0, 0));
    const changed = MerkleTree.build(entries.map(([k, d]) => [k, k === 'key42' ? 'other' : d]), { depth: 2 });
    expect(changed.hash(0, 0)).not.toBe(a.hash(0, 0));
    // Only the path to key42's leaf differs.
    const leaf = a.leafOf('key42');
    for (let i = 0; i < a.leaves; i++) expect(changed.hash(2, i) !== a.hash(2, i)).toBe(i === leaf);
    expect(changed.hash(1, Math.floor(leaf / 16))).not.toBe(a.hash(1, Math.floor(leaf / 16)));
  });

  it('hashes empty subtrees to 0, has fanout ** depth leaves and lists children', () => {
    const empty = MerkleTree.build([], { depth: 2 });
    expect(empty.hash(0, 0)).toBe(0);
    expect(empty.leaves).toBe(256);
    const one = MerkleTree.build([['x', '1']], { depth: 1, fanout: 4 });
    expect(one.leaves).toBe(4);
    expect(one.children(0)).toEqual([0, 1, 2, 3]);
    expect(one.hash(1, one.leafOf('x'))).not.toBe(0);
    expect(MerkleTree.build([['x', '1']], { depth: 0 }).hash(0, 0)).not.toBe(0);
  });

  it('validates its shape and node addresses', () => {
    expect(() => MerkleTree.build([], { depth: 9 })).toThrow(/depth must be an integer in \[0, 8\], got 9/);
    expect(() => MerkleTree.build([], { depth: 1, fanout: 1 })).toThrow(/fanout must be an integer in \[2, 64\], got 1/);
    expect(() => MerkleTree.build([], { depth: 8, fanout: 16 })).toThrow(/at most 2\^20 leaves/);
    const tree = MerkleTree.build([], { depth: 1 });
    expect(() => tree.hash(2, 0)).toThrow(/no node 0 at level 2/);
    expect(() => tree.hash(1, 16)).toThrow(/no node 16 at level 1/);
  });

  it('hash53 is stable, 53-bit, and spreads keys evenly over leaves', () => {
    expect(hash53('')).toBe(hash53(''));
    expect(hash53('abc')).not.toBe(hash53('abd'));
    fc.assert(fc.property(fc.string(), (s) => Number.isSafeInteger(hash53(s)) && hash53(s) >= 0));
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[hash53(`key-${i}`) % 16]++;
    for (const count of counts) expect(Math.abs(count - 1000)).toBeLessThan(150);
  });
});
