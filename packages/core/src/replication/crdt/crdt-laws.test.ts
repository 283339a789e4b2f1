import fc from 'fast-check';
import type { HlcTimestamp } from '../clocks/hlc-timestamp.js';
import { GCounter } from './g-counter.js';
import { LwwMap } from './lww-map.js';
import { LwwRegister } from './lww-register.js';
import { MvRegister } from './mv-register.js';
import { OrSet } from './or-set.js';
import { PNCounter } from './pn-counter.js';

// The CRDT laws (Shapiro et al. 2011, §2.2): a merge is a join of a semilattice — commutative,
// associative, idempotent — and updates only inflate the state. States are not drawn at random
// (a random MV-register could give one dot two values, which no replica can produce): they are
// the states of three replicas after a random run of local updates and merges between them.

interface Crdt<T> {
  merge(other: T): T;
  toJSON(): unknown;
}

const REPLICAS = ['a', 'b', 'c'] as const;
const timestamp = fc.record({ wallMs: fc.nat({ max: 3 }), logical: fc.nat({ max: 2 }) }) as fc.Arbitrary<HlcTimestamp>;

type Step<Op> = { readonly kind: 'update'; readonly at: number; readonly op: Op } | { readonly kind: 'merge'; readonly at: number; readonly from: number };

function runs<T extends Crdt<T>, Op>(empty: T, op: fc.Arbitrary<Op>, apply: (state: T, op: Op, replica: string) => T): fc.Arbitrary<T[]> {
  const step: fc.Arbitrary<Step<Op>> = fc.oneof(
    fc.record({ kind: fc.constant('update' as const), at: fc.nat({ max: 2 }), op }),
    fc.record({ kind: fc.constant('merge' as const), at: fc.nat({ max: 2 }), from: fc.nat({ max: 2 }) }),
  );
  return fc.array(step, { maxLength: 30 }).map((steps) => {
    const states = REPLICAS.map(() => empty);
    for (const s of steps) {
      states[s.at] = s.kind === 'update' ? apply(states[s.at], s.op, REPLICAS[s.at]) : states[s.at].merge(states[s.from]);
    }
    return states;
  });
}

function checkLaws<T extends Crdt<T>>(states: fc.Arbitrary<T[]>, fromJSON: (json: unknown) => T): void {
  const same = (x: T, y: T) => expect(JSON.stringify(x)).toBe(JSON.stringify(y));
  fc.assert(
    fc.property(states, ([a, b, c]) => {
      same(a.merge(b), b.merge(a));
      same(a.merge(b).merge(c), a.merge(b.merge(c)));
      same(a.merge(a), a);
      // Merging is an inflation: merging the result again with either side changes nothing.
      same(a.merge(b).merge(a), a.merge(b));
      // And every state survives its own JSON, validated.
      same(fromJSON(JSON.parse(JSON.stringify(a))), a);
    }),
    { numRuns: 300 },
  );
}

describe('CRDT laws: merge is commutative, associative and idempotent', () => {
  it('GCounter', () => {
    checkLaws(runs(GCounter.empty, fc.integer({ min: 1, max: 3 }), (s, by, r) => s.increment(r, by)), GCounter.fromJSON);
  });

  it('PNCounter', () => {
    const op = fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 3 }));
    checkLaws(runs(PNCounter.empty, op, (s, [up, by], r) => (up ? s.increment(r, by) : s.decrement(r, by))), PNCounter.fromJSON);
  });

  it('LwwRegister (also with tied stamps)', () => {
    const op = fc.tuple(fc.nat({ max: 4 }), timestamp);
    checkLaws(runs(LwwRegister.empty<number>(), op, (s, [value, ts], r) => s.assign(value, ts, r)), (json) => LwwRegister.fromJSON<number>(json));
  });

  it('MvRegister', () => {
    checkLaws(runs(MvRegister.empty<number>(), fc.nat({ max: 9 }), (s, value, r) => s.assign(value, r)), (json) => MvRegister.fromJSON<number>(json));
  });

  it('OrSet', () => {
    const op = fc.tuple(fc.boolean(), fc.constantFrom('x', 'y', 'z', 1, true));
    checkLaws(
      runs(OrSet.empty<string | number | boolean>(), op, (s, [add, e], r) => (add ? s.add(e, r) : s.remove(e))),
      (json) => OrSet.fromJSON<string | number | boolean>(json),
    );
  });

  it('LwwMap', () => {
    const op = fc.tuple(fc.constantFrom('k1', 'k2'), fc.option(fc.nat({ max: 3 }), { nil: undefined }), timestamp);
    checkLaws(
      runs(LwwMap.empty<number>(), op, (s, [key, value, ts], r) => (value === undefined ? s.delete(key, ts, r) : s.set(key, value, ts, r))),
      (json) => LwwMap.fromJSON<number>(json),
    );
  });
});

function checkConvergence<T extends Crdt<T>>(states: fc.Arbitrary<T[]>): void {
  const exchanges = fc.array(fc.tuple(fc.nat({ max: 2 }), fc.nat({ max: 2 })), { maxLength: 10 });
  fc.assert(
    fc.property(states, exchanges, (initial, extra) => {
      const s = [...initial];
      for (const [i, j] of extra) s[i] = s[i].merge(s[j]);
      // Then everyone hears from everyone (gossip until done): all agree.
      const all = s.reduce((x, y) => x.merge(y));
      for (const x of s) expect(JSON.stringify(x.merge(all))).toBe(JSON.stringify(all));
      expect(JSON.stringify([...s].reverse().reduce((x, y) => x.merge(y)))).toBe(JSON.stringify(all));
    }),
    { numRuns: 100 },
  );
}

describe('CRDT convergence: replicas that merged everything agree, whatever the order', () => {
  it('OrSet, MvRegister, PNCounter', () => {
    checkConvergence(runs(OrSet.empty<string>(), fc.tuple(fc.boolean(), fc.constantFrom('x', 'y')), (s, [add, e], r) => (add ? s.add(e, r) : s.remove(e))));
    checkConvergence(runs(MvRegister.empty<number>(), fc.nat({ max: 3 }), (s, v, r) => s.assign(v, r)));
    checkConvergence(runs(PNCounter.empty, fc.boolean(), (s, up, r) => (up ? s.increment(r) : s.decrement(r))));
  });
});
