import fc from 'fast-check';
import { DottedVersionVector } from './dotted-version-vector.js';
import { discardSiblings, siblingsClock, syncSiblings } from './dvv-siblings.js';
import type { Versioned } from './dvv-siblings.js';
import { VectorClock } from './vector-clock.js';

interface Stored extends Versioned {
  readonly value: string;
}

const put = (replica: string, counter: number, context: VectorClock, value: string): Stored => ({
  version: DottedVersionVector.event(context, replica, counter),
  value,
});
const values = (siblings: readonly Stored[]) => siblings.map((s) => s.value);

describe('syncSiblings / discardSiblings / siblingsClock', () => {
  const x = put('a', 1, VectorClock.empty, 'x');
  const y = put('b', 1, x.version.toVectorClock(), 'y'); // supersedes x
  const z = put('a', 2, x.version.toVectorClock(), 'z'); // supersedes x, concurrent with y

  it('keeps the maximal versions, each dot once, sorted by dot', () => {
    expect(values(syncSiblings([x], [y]))).toEqual(['y']);
    expect(values(syncSiblings([y, x], [z]))).toEqual(['z', 'y']); // a:2 sorts before b:1
    expect(values(syncSiblings([x, y], [x, y]))).toEqual(['y']);
    expect(syncSiblings([], [])).toEqual([]);
  });

  it('discards what a context covers, and joins the clocks of siblings', () => {
    expect(values(discardSiblings([y, z], y.version.toVectorClock()))).toEqual(['z']);
    expect(siblingsClock([y, z]).toJSON()).toEqual([['a', 2], ['b', 1]]);
    expect(siblingsClock([])).toBe(VectorClock.empty);
  });

  it('sync is commutative, associative and idempotent over replicas that write and exchange at random', () => {
    // Three replicas each write (superseding what they hold) or pull another's siblings.
    const step = fc.tuple(fc.nat({ max: 2 }), fc.boolean(), fc.nat({ max: 2 }));
    fc.assert(
      fc.property(fc.array(step, { maxLength: 25 }), (steps) => {
        const ids = ['a', 'b', 'c'];
        const held: Stored[][] = [[], [], []];
        const counters = [0, 0, 0];
        steps.forEach(([at, write, from], i) => {
          if (write) {
            const version = put(ids[at], ++counters[at], siblingsClock(held[at]), `v${i}`);
            held[at] = syncSiblings(discardSiblings(held[at], version.version.context), [version]);
          } else {
            held[at] = syncSiblings(held[at], held[from]);
          }
        });
        const [a, b, c] = held;
        const key = (s: readonly Stored[]) => JSON.stringify(s.map((v) => [v.version, v.value]));
        expect(key(syncSiblings(a, b))).toBe(key(syncSiblings(b, a)));
        expect(key(syncSiblings(syncSiblings(a, b), c))).toBe(key(syncSiblings(a, syncSiblings(b, c))));
        expect(key(syncSiblings(a, a))).toBe(key(a));
        // No kept sibling is superseded by another.
        const all = syncSiblings(syncSiblings(a, b), c);
        for (const s of all) for (const t of all) expect(s.version.compare(t.version)).not.toBe('before');
      }),
    );
  });
});
