import fc from 'fast-check';
import { EntryList, HEAD, NIL } from './entry-list.js';
import { registerModel } from './register-model.js';
import { StateInterner } from './state-interner.js';
import { StepCache } from './step-cache.js';
import { VisitedSet } from './visited-set.js';

/** The operations of the calls before the first return: those that may come next. */
function candidates(list: EntryList): number[] {
  const out: number[] = [];
  for (let node = list.next[HEAD]; node !== NIL && list.isCall(node); node = list.next[node]) out.push(list.op[node]);
  return out;
}

/** Every node from the head, as 'c<op>' or 'r<op>'. */
function walk(list: EntryList): string[] {
  const out: string[] = [];
  for (let node = list.next[HEAD]; node !== NIL; node = list.next[node]) out.push(`${list.isCall(node) ? 'c' : 'r'}${list.op[node]}`);
  return out;
}

describe('EntryList', () => {
  it('orders entries by time, calls before returns at the same time', () => {
    const list = new EntryList([0, 5, 2], [5, 9, Infinity]);
    expect(walk(list)).toEqual(['c0', 'c2', 'c1', 'r0', 'r1', 'r2']);
    expect(candidates(list)).toEqual([0, 2, 1]);
  });

  it('lifts and unlifts in LIFO order back to the same list', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 10 })), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (intervals, picks) => {
          const list = new EntryList(
            intervals.map(([call]) => call),
            intervals.map(([call, length]) => call + length),
          );
          const initial = walk(list);
          const lifted: number[] = [];
          for (const pick of picks) {
            const calls: number[] = [];
            for (let node = list.next[HEAD]; node !== NIL; node = list.next[node]) if (list.isCall(node)) calls.push(node);
            if (calls.length === 0) break;
            const node = calls[pick % calls.length];
            list.lift(node);
            lifted.push(node);
            expect(walk(list)).not.toContain(`c${list.op[node]}`);
            expect(walk(list)).not.toContain(`r${list.op[node]}`);
          }
          for (let i = lifted.length - 1; i >= 0; i--) list.unlift(lifted[i]);
          expect(walk(list)).toEqual(initial);
        },
      ),
    );
  });
});

describe('VisitedSet', () => {
  it('agrees with a set of strings, through growth, for any bitset width', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }),
        fc.array(fc.tuple(fc.array(fc.nat(), { maxLength: 4 }), fc.nat(), fc.integer({ min: 0, max: 3 })), { maxLength: 300 }),
        (bits, pairs) => {
          const words = (bits + 31) >>> 5;
          const visited = new VisitedSet(words);
          const reference = new Set<string>();
          for (const [members, extra, stateId] of pairs) {
            const current = new Uint32Array(words);
            for (const m of members) current[(m % bits) >>> 5] |= 1 << (m % bits & 31);
            const bit = extra % bits;
            const copy = current.slice();
            copy[bit >>> 5] |= 1 << (bit & 31);
            const key = `${[...copy].join(',')}/${stateId}`;
            // A poor hash (few distinct values) exercises probing and collisions.
            const hash = (copy[0] % 3) + stateId;
            expect(visited.addIfAbsent(hash, current, bit, stateId)).toBe(!reference.has(key));
            reference.add(key);
            expect([...current]).toEqual([...copy].map((w, i) => (i === bit >>> 5 ? current[i] : w)));
          }
          expect(visited.size).toBe(reference.size);
        },
      ),
    );
  });
});

describe('StateInterner', () => {
  it('gives equal primitive states one id, and different ones different ids', () => {
    const interner = new StateInterner(registerModel<unknown>(0));
    expect(interner.byValue).toBe(true);
    expect([interner.id('a'), interner.id(1), interner.id('a'), interner.id(null), interner.id(undefined), interner.id(1)]).toEqual([0, 1, 0, 2, 3, 1]);
    expect(interner.size).toBe(4);
  });

  it('uses key, else equal bucketed by hash', () => {
    const byKey = new StateInterner({ init: () => ({ n: 0 }), step: () => [], key: (s: { n: number }) => s.n });
    expect(byKey.byValue).toBe(false);
    expect([byKey.id({ n: 1 }), byKey.id({ n: 2 }), byKey.id({ n: 1 })]).toEqual([0, 1, 0]);
    let compared = 0;
    const byEqual = new StateInterner({
      init: () => ({ n: 0 }),
      step: () => [],
      equal: (a: { n: number }, b: { n: number }) => (compared++, a.n === b.n),
      hash: (s: { n: number }) => s.n % 2,
    });
    expect([byEqual.id({ n: 1 }), byEqual.id({ n: 2 }), byEqual.id({ n: 3 }), byEqual.id({ n: 1 }), byEqual.id({ n: 2 })]).toEqual([0, 1, 2, 0, 1]);
    expect(compared).toBe(3); // {n:3} and the second {n:1} against {n:1}, the second {n:2} against {n:2}
  });
});

describe('StepCache', () => {
  it('returns what was stored for the same state and operation, until overwritten', () => {
    const cache = new StepCache<string>(10);
    const slot = cache.slot(3, 4);
    expect(cache.answer(slot, 3, 4)).toBeUndefined();
    const answer = ['x'];
    cache.set(slot, 3, 4, answer);
    expect(cache.answer(cache.slot(3, 4), 3, 4)).toBe(answer);
    expect(cache.answer(slot, 3, 5)).toBeUndefined();
    expect(cache.nextId(slot)).toBe(-1);
    cache.setNextId(slot, 9);
    expect(cache.nextId(slot)).toBe(9);
  });

  it('starts at 4 slots per operation (at least 64) and doubles as lookups pile up, to 2^16', () => {
    expect(new StepCache(1).size).toBe(64);
    expect(new StepCache(100).size).toBe(512);
    const cache = new StepCache(1);
    for (let i = 0; i < 64 * 8 + 1; i++) cache.slot(i, 0);
    expect(cache.size).toBe(128);
    const big = new StepCache(1_000_000);
    expect(big.size).toBe(1 << 16);
    for (let i = 0; i < (1 << 16) * 8 + 1; i++) big.slot(i, 0);
    expect(big.size).toBe(1 << 16);
  });
});
