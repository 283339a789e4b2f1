import fc from 'fast-check';
import { casRegisterModel } from './cas-register-model.js';
import type { CasRegisterInput, CasRegisterOutput } from './cas-register-model.js';
import { checkLinearizability } from './check-linearizability.js';
import { isUnknownOutcome } from './history-operation.js';
import type { HistoryOperation } from './history-operation.js';
import { kvModel } from './kv-model.js';
import type { KvInput, KvOutput } from './kv-model.js';
import type { LinearizabilityModel } from './linearizability-model.js';

type Model<S, I, O> = LinearizabilityModel<S, I, O>;

/** The model's next states for an operation whose outcome is unknown. */
function stepUnknown<S, I, O>(model: Model<S, I, O>, state: S, input: I): readonly S[] {
  if (model.stepUnknown === undefined) throw new Error(`${model.name} has no stepUnknown`);
  return model.stepUnknown(state, input);
}

/**
 * The naive reference: tries every order of the operations that respects real time (an operation
 * may come next unless another one left returned before its call), dropping any operation with
 * an unknown outcome, and feeds each order to the model. Exponential: for ≤ 7 operations.
 */
function bruteForce<S, I, O>(model: Model<S, I, O>, history: readonly HistoryOperation<I, O>[]): boolean {
  const unknown = history.map((operation) => isUnknownOutcome(operation));
  const search = (left: ReadonlySet<number>, state: S): boolean => {
    if ([...left].every((i) => unknown[i])) return true;
    for (const i of left) {
      const blocked = [...left].some((j) => !unknown[j] && history[j].return < history[i].call);
      if (blocked) continue;
      const next = unknown[i] ? stepUnknown(model, state, history[i].input) : model.step(state, history[i].input, history[i].output as O);
      const rest = new Set(left);
      rest.delete(i);
      if (next.some((s) => search(rest, s))) return true;
      if (unknown[i] && search(rest, state)) return true; // it never took effect
    }
    return false;
  };
  return search(new Set(history.keys()), model.init());
}

/** The KV store as one map, unpartitioned: checks P-compositionality and the `key` path. */
const wholeKv: Model<Readonly<Record<string, string>>, KvInput, KvOutput> = (() => {
  const perKey = kvModel();
  const lift = (state: Readonly<Record<string, string>>, key: string, values: readonly string[]) => values.map((value) => ({ ...state, [key]: value }));
  return {
    name: 'whole-kv',
    init: () => ({}),
    step: (state, input, output) => lift(state, input.key, perKey.step(state[input.key] ?? '', input, output)),
    stepUnknown: (state, input) => lift(state, input.key, stepUnknown(perKey, state[input.key] ?? '', input)),
    key: (state) => JSON.stringify(Object.entries(state).filter(([, v]) => v !== '').sort(([a], [b]) => (a < b ? -1 : 1))),
  };
})();

/** Real-time interval and outcome of a generated operation. */
const timing = fc.record({
  call: fc.integer({ min: 0, max: 12 }),
  duration: fc.integer({ min: 0, max: 8 }),
  outcome: fc.constantFrom('ok', 'ok', 'ok', 'ok', 'ok', 'crashed', 'timed out'),
  clientId: fc.integer({ min: 0, max: 3 }),
});

function operation<I, O>(input: I, output: O, t: { call: number; duration: number; outcome: string; clientId: number }): HistoryOperation<I, O> {
  const base = { clientId: t.clientId, input, call: t.call };
  if (t.outcome === 'crashed') return { ...base, return: Infinity };
  if (t.outcome === 'timed out') return { ...base, return: t.call + t.duration, unknown: true };
  return { ...base, output, return: t.call + t.duration };
}

const value = fc.constantFrom('', 'x', 'y', 'xy');
const kvInput: fc.Arbitrary<KvInput> = fc.oneof(
  fc.record({ op: fc.constant('get' as const), key: fc.constantFrom('a', 'b') }),
  fc.record({ op: fc.constant('put' as const), key: fc.constantFrom('a', 'b'), value: fc.constantFrom('x', 'y') }),
  fc.record({ op: fc.constant('append' as const), key: fc.constantFrom('a', 'b'), value: fc.constantFrom('x', 'y') }),
  fc.record({ op: fc.constant('cas' as const), key: fc.constantFrom('a', 'b'), expected: value, value: fc.constantFrom('x', 'y') }),
  fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom('a', 'b') }),
);
const kvOperation = fc
  .tuple(kvInput, value, fc.boolean(), timing)
  .map(([input, read, swapped, t]) => operation<KvInput, KvOutput>(input, input.op === 'get' ? read : input.op === 'cas' ? swapped : undefined, t));

const casInput: fc.Arbitrary<CasRegisterInput<number>> = fc.oneof(
  fc.constant({ op: 'read' as const }),
  fc.record({ op: fc.constant('write' as const), value: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ op: fc.constant('cas' as const), expected: fc.integer({ min: 0, max: 2 }), value: fc.integer({ min: 0, max: 2 }) }),
);
const casOperation = fc
  .tuple(casInput, fc.integer({ min: 0, max: 2 }), fc.boolean(), timing)
  .map(([input, read, swapped, t]) =>
    operation<CasRegisterInput<number>, CasRegisterOutput<number>>(input, input.op === 'read' ? read : input.op === 'cas' ? swapped : undefined, t),
  );

/** Checks an 'ok' answer's linearizations: real-time order, every known operation, accepted by the model. */
function isValidLinearization<S, I, O>(model: Model<S, I, O>, history: readonly HistoryOperation<I, O>[], order: readonly HistoryOperation<I, O>[]): boolean {
  const known = history.filter((o) => !isUnknownOutcome(o));
  if (!known.every((o) => order.includes(o)) || new Set(order).size !== order.length) return false;
  for (let i = 0; i < order.length; i++) {
    for (let j = i + 1; j < order.length; j++) if (!isUnknownOutcome(order[j]) && order[j].return < order[i].call) return false;
  }
  let states = [model.init()];
  for (const o of order) {
    states = states.flatMap((s) => (isUnknownOutcome(o) ? stepUnknown(model, s, o.input) : model.step(s, o.input, o.output as O)));
    if (states.length === 0) return false;
  }
  return true;
}

describe('checkLinearizability against a brute-force reference (≤ 7 operations)', () => {
  it('agrees on KV histories, partitioned or as one map', () => {
    fc.assert(
      fc.property(fc.array(kvOperation, { minLength: 1, maxLength: 7 }), (history) => {
        const expected = bruteForce(wholeKv, history) ? 'ok' : 'illegal';
        const result = checkLinearizability(kvModel(), history);
        expect(result.result).toBe(expected);
        expect(checkLinearizability(wholeKv, history).result).toBe(expected);
        if (result.result === 'ok') {
          for (const { key, order } of result.partitions) {
            expect(isValidLinearization(kvModel(), history.filter((o) => o.input.key === key), order)).toBe(true);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('agrees on CAS-register histories', () => {
    fc.assert(
      fc.property(fc.array(casOperation, { minLength: 1, maxLength: 7 }), (history) => {
        const model = casRegisterModel(0);
        const expected = bruteForce(model, history) ? 'ok' : 'illegal';
        const result = checkLinearizability(model, history);
        expect(result.result).toBe(expected);
        if (result.result === 'ok') expect(isValidLinearization(model, history, result.partitions[0]?.order ?? [])).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});

/** One operation of a sequential run, before intervals are given. */
interface Planned {
  readonly clientId: number;
  readonly input: KvInput;
  /** How long before and after its instant the operation was called and returned. */
  readonly before: number;
  readonly after: number;
  /** 'ok'; 'unknown' (took effect, answer lost); 'lost' (crashed before taking effect). */
  readonly fate: 'ok' | 'unknown' | 'lost';
}

const planned: fc.Arbitrary<Planned> = fc.record({
  clientId: fc.integer({ min: 0, max: 9 }),
  input: fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant('get' as const), key: fc.constantFrom('a', 'b', 'c') }) },
    fc.record({ op: fc.constant('put' as const), key: fc.constantFrom('a', 'b', 'c'), value: fc.string({ minLength: 1, maxLength: 2 }) }),
    fc.record({ op: fc.constant('append' as const), key: fc.constantFrom('a', 'b', 'c'), value: fc.string({ minLength: 1, maxLength: 2 }) }),
    fc.record({ op: fc.constant('cas' as const), key: fc.constantFrom('a', 'b', 'c'), expected: fc.constantFrom('', 'a'), value: fc.string({ maxLength: 2 }) }),
    fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom('a', 'b', 'c') }),
  ),
  before: fc.integer({ min: 0, max: 30 }),
  after: fc.integer({ min: 0, max: 30 }),
  fate: fc.constantFrom('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'unknown', 'lost'),
});

/**
 * Runs the operations one at a time against a real map (operation i takes effect at instant 10·i),
 * then gives each an interval around its instant: the history is linearizable by construction.
 * A 'lost' operation does not take effect and gets an unknown outcome.
 */
function sequentialHistory(plan: readonly Planned[]): HistoryOperation<KvInput, KvOutput>[] {
  const store = new Map<string, string>();
  return plan.map(({ clientId, input, before, after, fate }, i) => {
    const at = 10 * i;
    const current = store.get(input.key) ?? '';
    let output: KvOutput;
    if (fate !== 'lost') {
      if (input.op === 'get') output = current;
      if (input.op === 'put') store.set(input.key, input.value);
      if (input.op === 'append') store.set(input.key, current + input.value);
      if (input.op === 'delete') store.delete(input.key);
      if (input.op === 'cas') {
        output = current === input.expected;
        if (output) store.set(input.key, input.value);
      }
    }
    if (fate === 'ok') return { clientId, input, output, call: at - before, return: at + after };
    return { clientId, input, call: at - before, return: fate === 'lost' ? Infinity : at + after, unknown: true };
  });
}

describe('checkLinearizability on histories of a correct store', () => {
  it('finds a sequential run with overlapping intervals linearizable, with a valid linearization', () => {
    fc.assert(
      fc.property(fc.array(planned, { maxLength: 80 }), (plan) => {
        const history = sequentialHistory(plan);
        const result = checkLinearizability(kvModel(), history);
        expect(result.result).toBe('ok');
        if (result.result !== 'ok') return;
        for (const { key, order } of result.partitions) {
          expect(isValidLinearization(kvModel(), history.filter((o) => o.input.key === key), order)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('finds it illegal once one read returns a value never written, and names that key', () => {
    fc.assert(
      fc.property(fc.array(planned, { minLength: 1, maxLength: 80 }), fc.nat(), (plan, pick) => {
        const history = sequentialHistory(plan);
        const reads = history.flatMap((o, i) => (o.input.op === 'get' && !isUnknownOutcome(o) ? [i] : []));
        fc.pre(reads.length > 0);
        const target = reads[pick % reads.length];
        const mutated = { ...history[target], output: 'never written' };
        history[target] = mutated;
        const result = checkLinearizability(kvModel(), history);
        expect(result.result).toBe('illegal');
        if (result.result !== 'illegal') return;
        expect(result.violation.key).toBe(mutated.input.key);
        expect(result.violation.operations).toContain(mutated);
        expect([...result.violation.longestPrefix, ...result.violation.blocked]).not.toContain(undefined);
        expect(result.violation.longestPrefix).not.toContain(mutated);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts a crashed put whether or not a later read sees it', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 50 }), (visible, crashAt, readAfter) => {
        const put: HistoryOperation<KvInput, KvOutput> = { clientId: 1, input: { op: 'put', key: 'k', value: 'v' }, call: crashAt, return: Infinity };
        const readAt = crashAt + readAfter;
        const history = [put, { clientId: 2, input: { op: 'get', key: 'k' } as KvInput, output: visible ? 'v' : '', call: readAt, return: readAt + 1 }];
        expect(checkLinearizability(kvModel(), history).result).toBe('ok');
        // A read before the put was called cannot see it.
        const early = [put, { ...history[1], call: crashAt - 2, return: crashAt - 1 }];
        expect(checkLinearizability(kvModel(), early).result).toBe(visible ? 'illegal' : 'ok');
      }),
    );
  });
});
