import fc from 'fast-check';
import { BoundedLoadRing } from './bounded-load-ring.js';
import type { ConsistentHash } from './consistent-hash.js';
import { HashRing } from './hash-ring.js';
import { JumpHash } from './jump-hash.js';
import { RendezvousHash } from './rendezvous-hash.js';

interface Strategy {
  readonly name: string;
  readonly make: () => ConsistentHash;
  /** Placement depends only on the set of nodes, not on the order of add. */
  readonly orderFree: boolean;
  /** Any node can be removed (JumpHash: only the last). */
  readonly removesAny: boolean;
  readonly weighted: boolean;
  /** Preference lists change only by the node that joined or left. */
  readonly stableLists: boolean;
}

const strategies: readonly Strategy[] = [
  { name: 'HashRing', make: () => new HashRing({ virtualNodes: 24 }), orderFree: true, removesAny: true, weighted: true, stableLists: true },
  {
    name: 'HashRing (clockwise)',
    make: () => new HashRing({ virtualNodes: 24, placement: 'clockwise' }),
    orderFree: true,
    removesAny: true,
    weighted: true,
    stableLists: true,
  },
  // With no load counted, a bounded-load ring places keys exactly as its ring does.
  { name: 'BoundedLoadRing', make: () => new BoundedLoadRing({ virtualNodes: 24 }), orderFree: true, removesAny: true, weighted: true, stableLists: true },
  { name: 'RendezvousHash', make: () => new RendezvousHash(), orderFree: true, removesAny: true, weighted: true, stableLists: true },
  { name: 'JumpHash', make: () => new JumpHash(), orderFree: false, removesAny: false, weighted: false, stableLists: false },
];

const sampleKeys = Array.from({ length: 250 }, (_, i) => `k${i}`);
const nodeName = fc.string({ minLength: 1, maxLength: 6 });
/** Distinct node names, and one more that is not among them. */
const nodesAndNewcomer = fc.uniqueArray(nodeName, { minLength: 2, maxLength: 9 }).map((names) => ({ nodes: names.slice(1), newcomer: names[0] }));
const keysArb = fc.array(fc.string({ maxLength: 12 }), { maxLength: 60 }).map((extra) => [...sampleKeys, ...extra]);

function build(strategy: Strategy, nodes: readonly string[], weights?: readonly number[]): ConsistentHash {
  const placement = strategy.make();
  nodes.forEach((node, i) => placement.add(node, weights?.[i]));
  return placement;
}

const isPrefix = (prefix: readonly string[], list: readonly string[]): boolean => prefix.every((node, i) => list[i] === node);

describe.each(strategies)('$name', (strategy) => {
  it('adding a node moves only keys that now belong to it', () => {
    fc.assert(
      fc.property(nodesAndNewcomer, keysArb, ({ nodes, newcomer }, keys) => {
        const placement = build(strategy, nodes);
        const before = keys.map((key) => placement.get(key));
        placement.add(newcomer);
        const strays = keys.filter((key, i) => placement.get(key) !== before[i] && placement.get(key) !== newcomer);
        expect(strays).toEqual([]);
      }),
      { numRuns: 35 },
    );
  });

  it('removing a node moves only its keys', () => {
    fc.assert(
      fc.property(nodesAndNewcomer, fc.nat(), keysArb, ({ nodes }, pick, keys) => {
        const placement = build(strategy, nodes);
        const leaving = strategy.removesAny ? nodes[pick % nodes.length] : (nodes.at(-1) as string);
        const before = keys.map((key) => placement.get(key));
        expect(placement.remove(leaving)).toBe(true);
        const wrong = keys.filter((key, i) => (before[i] === leaving ? placement.get(key) === leaving : placement.get(key) !== before[i]));
        expect(wrong).toEqual([]);
        expect(placement.remove(leaving)).toBe(false);
      }),
      { numRuns: 35 },
    );
  });

  it('preference lists are distinct, start with the owner, hold min(n, size) nodes, and repeat exactly', () => {
    fc.assert(
      fc.property(nodesAndNewcomer, fc.integer({ min: 0, max: 10 }), keysArb, ({ nodes }, n, keys) => {
        const placement = build(strategy, nodes);
        const twin = build(strategy, nodes);
        const bad = keys.slice(0, 100).filter((key) => {
          const list = placement.preferenceList(key, n);
          const wellFormed =
            list.length === Math.min(n, nodes.length) && new Set(list).size === list.length && list.every((node) => nodes.includes(node));
          return !wellFormed || (n > 0 && list[0] !== placement.get(key)) || twin.preferenceList(key, n).join('\0') !== list.join('\0');
        });
        expect(bad).toEqual([]);
      }),
      { numRuns: 25 },
    );
  });

  if (strategy.orderFree) {
    it('places keys the same whatever the order nodes were added in', () => {
      fc.assert(
        fc.property(
          nodesAndNewcomer.chain(({ nodes }) => fc.tuple(fc.constant(nodes), fc.shuffledSubarray(nodes, { minLength: nodes.length }))),
          ([nodes, shuffled]) => {
            const one = build(strategy, nodes);
            const two = build(strategy, shuffled);
            const differ = sampleKeys.filter(
              (key) => two.get(key) !== one.get(key) || two.preferenceList(key, 3).join('\0') !== one.preferenceList(key, 3).join('\0'),
            );
            expect(differ).toEqual([]);
          },
        ),
        { numRuns: 20 },
      );
    });
  }

  if (strategy.stableLists) {
    it('a join or a leave changes preference lists only by that node', () => {
      fc.assert(
        fc.property(nodesAndNewcomer, fc.integer({ min: 1, max: 5 }), ({ nodes, newcomer }, n) => {
          const placement = build(strategy, nodes);
          const before = sampleKeys.map((key) => placement.preferenceList(key, n));
          placement.add(newcomer);
          // The newcomer is slotted in somewhere and the rest keep their order.
          const reordered = sampleKeys.filter((key, i) => !isPrefix(placement.preferenceList(key, n).filter((node) => node !== newcomer), before[i]));
          expect(reordered).toEqual([]);
          placement.remove(newcomer);
          const changed = sampleKeys.filter((key, i) => placement.preferenceList(key, n).join('\0') !== before[i].join('\0'));
          expect(changed).toEqual([]);
        }),
        { numRuns: 20 },
      );
    });
  }

  if (strategy.weighted) {
    it('raising a weight moves keys only to that node, lowering it only away from it', () => {
      fc.assert(
        fc.property(nodesAndNewcomer, fc.nat(), fc.double({ min: 1.1, max: 4, noNaN: true }), ({ nodes }, pick, factor) => {
          const placement = build(strategy, nodes);
          const node = nodes[pick % nodes.length];
          const before = sampleKeys.map((key) => placement.get(key));
          placement.add(node, factor);
          const strays = sampleKeys.filter((key, i) => placement.get(key) !== before[i] && placement.get(key) !== node);
          expect(strays).toEqual([]);
          placement.add(node, 1);
          expect(sampleKeys.filter((key, i) => placement.get(key) !== before[i])).toEqual([]);
        }),
        { numRuns: 20 },
      );
    });

    it('gives each node a share of keys close to its weight ÷ the total', () => {
      const weights = [1, 2, 3, 4];
      const nodes = ['alpha', 'beta', 'gamma', 'delta'];
      const placement = strategy.name.includes('Ring') ? build({ ...strategy, make: () => new HashRing({ virtualNodes: 256, placement: strategy.name.includes('clockwise') ? 'clockwise' : 'nearest' }) }, nodes, weights) : build(strategy, nodes, weights);
      const keys = Array.from({ length: 30_000 }, (_, i) => `user:${i}`);
      const counts = new Map<string, number>();
      for (const key of keys) counts.set(placement.get(key) as string, (counts.get(placement.get(key) as string) ?? 0) + 1);
      // The ring's shares have ~1/√(virtual nodes) noise; rendezvous only the sampling noise.
      const tolerance = strategy.name === 'RendezvousHash' ? 0.05 : 0.12;
      nodes.forEach((node, i) => {
        const expected = (keys.length * weights[i]) / 10;
        expect(Math.abs((counts.get(node) ?? 0) - expected) / expected).toBeLessThan(tolerance);
      });
    });
  }
});
