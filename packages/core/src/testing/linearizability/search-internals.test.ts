import fc from 'fast-check';
import { EntryList, HEAD, NIL } from './entry-list.js';
import { isUnknownOutcome } from './history-operation.js';
import type { HistoryOperation } from './history-operation.js';
import { kvModel } from './kv-model.js';
import type { KvInput, KvOutput } from './kv-model.js';
import { searchPartition } from './search-partition.js';
import { TimeLimit } from './time-limit.js';
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

describe('searchPartition: the read lookahead', () => {
  /** Replays an order through the model: true when every operation is accepted in turn. */
  function accepts(order: readonly HistoryOperation<KvInput, KvOutput>[]): boolean {
    const model = kvModel();
    let states: readonly string[] = [model.init()];
    for (const o of order) {
      states = states.flatMap((s) => (isUnknownOutcome(o) ? (model.stepUnknown?.(s, o.input) ?? []) : model.step(s, o.input, o.output)));
      if (states.length === 0) return false;
    }
    return true;
  }

  // Appends and gets on one key by a correct store (each takes effect inside its interval),
  // some gets then answering a value of their own: linearizable or not.
  const history = fc
    .array(
      fc.record({
        call: fc.integer({ min: 0, max: 30 }),
        length: fc.integer({ min: 0, max: 12 }),
        at: fc.double({ min: 0, max: 1, noNaN: true }),
        get: fc.boolean(),
        unknown: fc.boolean(),
        lie: fc.integer({ min: 0, max: 9 }),
      }),
      { minLength: 1, maxLength: 14 },
    )
    .map((plan) => {
      let value = '';
      const effects = plan.map((p, i) => ({ ...p, i, effect: p.call + p.at * p.length })).sort((a, b) => a.effect - b.effect);
      const outputs = new Map<number, string>();
      for (const p of effects) {
        if (p.get) outputs.set(p.i, p.lie === 0 ? `${value}?` : value);
        else value += String.fromCharCode(97 + p.i);
      }
      return plan.map((p, i): HistoryOperation<KvInput, KvOutput> => {
        const input: KvInput = p.get ? { op: 'get', key: 'k' } : { op: 'append', key: 'k', value: String.fromCharCode(97 + i) };
        if (p.unknown && !p.get) return { clientId: i, input, call: p.call, return: Infinity };
        return { clientId: i, input, output: outputs.get(i), call: p.call, return: p.call + p.length };
      });
    });

  it('finds the same verdicts with the lookahead from the start as without it, and valid orders', () => {
    fc.assert(
      fc.property(history, (operations) => {
        const verdicts = [0, Infinity].map((lookaheadAfterDeadEnds) => {
          const outcome = searchPartition(kvModel(), operations, new TimeLimit({ now: () => 0 }, Infinity), { lookaheadAfterDeadEnds });
          if (outcome.kind === 'ok') expect(accepts(outcome.order.map((i) => operations[i]))).toBe(true);
          return outcome.kind;
        });
        expect(verdicts[0]).toBe(verdicts[1]);
      }),
      { numRuns: 300 },
    );
  });

  it('stops with configuration-limit once the memo is full', () => {
    const puts = Array.from({ length: 10 }, (_, i): HistoryOperation<KvInput, KvOutput> => ({ clientId: i, input: { op: 'put', key: 'k', value: `v${i}` }, call: 0, return: 10 }));
    const impossible: HistoryOperation<KvInput, KvOutput> = { clientId: 'r', input: { op: 'get', key: 'k' }, output: 'never', call: 20, return: 21 };
    const limit = new TimeLimit({ now: () => 0 }, Infinity);
    expect(searchPartition(kvModel(), [...puts, impossible], limit, { maxConfigurations: 50 })).toEqual({ kind: 'configuration-limit' });
    expect(searchPartition(kvModel(), [...puts, impossible], limit).kind).toBe('illegal');
  });
});
