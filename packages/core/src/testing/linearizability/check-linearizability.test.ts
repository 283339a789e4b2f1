import { casRegisterModel } from './cas-register-model.js';
import type { CasRegisterInput, CasRegisterOutput } from './cas-register-model.js';
import { checkLinearizability } from './check-linearizability.js';
import type { HistoryOperation } from './history-operation.js';
import { kvModel } from './kv-model.js';
import type { KvInput, KvOutput } from './kv-model.js';
import { NO_STATE } from './linearizability-model.js';
import type { LinearizabilityModel } from './linearizability-model.js';
import { describeViolation } from './linearizability-violation.js';
import { registerModel } from './register-model.js';
import type { RegisterInput } from './register-model.js';

type RegisterOp = HistoryOperation<RegisterInput<number>, number | undefined>;
const write = (clientId: string, value: number, call: number, ret: number): RegisterOp => ({ clientId, input: { op: 'write', value }, call, return: ret });
const read = (clientId: string, output: number, call: number, ret: number): RegisterOp => ({ clientId, input: { op: 'read' }, output, call, return: ret });

describe('checkLinearizability on a register', () => {
  const model = registerModel(0);

  it('rejects a stale read after a completed write, and says which read', () => {
    const history = [write('a', 1, 0, 10), read('b', 0, 20, 30)];
    const result = checkLinearizability(model, history);
    expect(result.result).toBe('illegal');
    if (result.result !== 'illegal') return;
    expect(result.violation.key).toBeUndefined();
    expect(result.violation.longestPrefix).toEqual([history[0]]);
    expect(result.violation.state).toBe(1);
    expect(result.violation.blocked).toEqual([history[1]]);
    expect(result.violation.firstToReturn).toBe(history[1]);
  });

  it('accepts a read of the old value while the write is in flight, and of the new one after', () => {
    expect(checkLinearizability(model, [write('a', 1, 0, 10), read('b', 0, 5, 6), read('c', 1, 7, 8)]).result).toBe('ok');
  });

  it('rejects a read of the old value after a read of the new one (no going back)', () => {
    expect(checkLinearizability(model, [write('a', 1, 0, 10), read('b', 1, 1, 2), read('c', 0, 3, 4)]).result).toBe('illegal');
  });

  it('accepts either order of two concurrent writes, but only one order at a time', () => {
    const writes = [write('a', 1, 0, 10), write('b', 2, 0, 10)];
    expect(checkLinearizability(model, [...writes, read('c', 1, 20, 21)]).result).toBe('ok');
    expect(checkLinearizability(model, [...writes, read('c', 2, 20, 21)]).result).toBe('ok');
    expect(checkLinearizability(model, [...writes, read('c', 1, 20, 21), read('c', 2, 22, 23)]).result).toBe('illegal');
    expect(checkLinearizability(model, [...writes, read('c', 3, 20, 21)]).result).toBe('illegal');
  });

  it('treats intervals as closed: an operation returning as another is called overlaps it', () => {
    expect(checkLinearizability(model, [write('a', 1, 0, 10), read('b', 0, 10, 12)]).result).toBe('ok');
    expect(checkLinearizability(model, [write('a', 1, 0, 10), read('b', 0, 11, 12)]).result).toBe('illegal');
  });

  it('returns a linearization that respects real time and the model', () => {
    const history = [read('c', 2, 25, 30), write('a', 1, 0, 10), write('b', 2, 5, 20), read('d', 1, 6, 7)];
    const result = checkLinearizability(model, history);
    expect(result).toEqual({ result: 'ok', partitions: [{ key: undefined, order: [history[1], history[3], history[2], history[0]] }] });
  });

  it('accepts an empty history', () => {
    expect(checkLinearizability(model, [])).toEqual({ result: 'ok', partitions: [] });
  });
});

describe('checkLinearizability with unknown outcomes', () => {
  const model = registerModel(0);
  const crashed: RegisterOp = { clientId: 'a', input: { op: 'write', value: 1 }, call: 0, return: Infinity };

  it('lets a crashed write take effect late, or never', () => {
    expect(checkLinearizability(model, [crashed, read('b', 0, 10, 11)]).result).toBe('ok');
    expect(checkLinearizability(model, [crashed, read('b', 1, 10, 11)]).result).toBe('ok');
    expect(checkLinearizability(model, [crashed, read('b', 0, 10, 11), read('b', 1, 100, 101)]).result).toBe('ok');
    const result = checkLinearizability(model, [crashed, read('b', 0, 10, 11)]);
    expect(result.result === 'ok' && result.partitions[0].order).toEqual([expect.objectContaining({ clientId: 'b' })]);
  });

  it('still forbids going back once its effect was seen', () => {
    expect(checkLinearizability(model, [crashed, read('b', 1, 10, 11), read('b', 0, 12, 13)]).result).toBe('illegal');
  });

  it('does not let it take effect before its call', () => {
    const late: RegisterOp = { ...crashed, call: 50 };
    expect(checkLinearizability(model, [late, read('b', 1, 10, 11)]).result).toBe('illegal');
  });

  it('ignores the return time and output of an operation flagged unknown (a timeout seen at that time)', () => {
    const timedOut: RegisterOp = { clientId: 'a', input: { op: 'write', value: 1 }, output: 99, call: 0, return: 5, unknown: true };
    expect(checkLinearizability(model, [timedOut, read('b', 0, 10, 11), read('b', 1, 20, 21)]).result).toBe('ok');
    const lostRead: RegisterOp = { ...read('c', 7, 0, 1), unknown: true };
    expect(checkLinearizability(model, [lostRead, read('b', 0, 10, 11)]).result).toBe('ok');
  });

  it('leaves out a read whose outcome is unknown: it cannot matter', () => {
    const history = [write('a', 1, 0, 10), { clientId: 'b', input: { op: 'read' as const }, output: 7, call: 2, return: Infinity }, read('c', 1, 20, 30)];
    const result = checkLinearizability(model, history);
    expect(result.result === 'ok' && result.partitions[0].order.map((o) => o.clientId)).toEqual(['a', 'c']);
  });

  it('needs stepUnknown for them', () => {
    const { stepUnknown, ...strict } = model;
    expect(stepUnknown).toBeDefined();
    expect(() => checkLinearizability(strict, [read('b', 0, 0, 1), crashed])).toThrow(
      new TypeError('checkLinearizability: history[1] has an unknown outcome, but model "register" has no stepUnknown'),
    );
  });
});

describe('checkLinearizability on a CAS register', () => {
  type CasOp = HistoryOperation<CasRegisterInput<number>, CasRegisterOutput<number>>;
  const cas = (clientId: string, expected: number, value: number, output: boolean, call: number, ret: number): CasOp => ({
    clientId,
    input: { op: 'cas', expected, value },
    output,
    call,
    return: ret,
  });
  const model = casRegisterModel(0);

  it('lets only one of two concurrent cas from the same value succeed', () => {
    expect(checkLinearizability(model, [cas('a', 0, 1, true, 0, 10), cas('b', 0, 2, false, 0, 10)]).result).toBe('ok');
    expect(checkLinearizability(model, [cas('a', 0, 1, true, 0, 10), cas('b', 0, 2, true, 0, 10)]).result).toBe('illegal');
  });

  it('chains cas that see each other, in the only order that works', () => {
    const history = [cas('b', 1, 2, true, 0, 10), cas('a', 0, 1, true, 0, 10), { clientId: 'c', input: { op: 'read' as const }, output: 2, call: 11, return: 12 }];
    const result = checkLinearizability(model, history);
    expect(result.result === 'ok' && result.partitions[0].order).toEqual([history[1], history[0], history[2]]);
  });

  it('rejects a failed cas that should have succeeded', () => {
    expect(checkLinearizability(model, [cas('a', 0, 1, false, 0, 10)]).result).toBe('illegal');
  });

  it('lets a cas with unknown outcome have swapped or not', () => {
    const unknown: CasOp = { clientId: 'a', input: { op: 'cas', expected: 0, value: 1 }, call: 0, return: Infinity };
    const readAt = (output: number, at: number): CasOp => ({ clientId: 'b', input: { op: 'read' }, output, call: at, return: at + 1 });
    expect(checkLinearizability(model, [unknown, readAt(1, 5)]).result).toBe('ok');
    expect(checkLinearizability(model, [unknown, readAt(0, 5)]).result).toBe('ok');
  });
});

describe('checkLinearizability on a key-value store', () => {
  type KvOp = HistoryOperation<KvInput, KvOutput>;
  const kv = (clientId: number, input: KvInput, output: KvOutput, call: number, ret: number): KvOp => ({ clientId, input, output, call, return: ret });

  it('checks each key on its own and reports the smallest failing key', () => {
    const history = [
      kv(1, { op: 'put', key: 'big', value: 'a' }, undefined, 0, 1),
      kv(2, { op: 'get', key: 'big' }, '', 2, 3), // stale
      kv(1, { op: 'append', key: 'big', value: 'b' }, undefined, 4, 5),
      kv(3, { op: 'put', key: 'small', value: 'x' }, undefined, 0, 1),
      kv(3, { op: 'get', key: 'small' }, 'y', 2, 3), // never written
      kv(4, { op: 'get', key: 'fine' }, '', 0, 1),
    ];
    const result = checkLinearizability(kvModel(), history);
    expect(result.result === 'illegal' && result.violation.key).toBe('small');
    expect(result.result === 'illegal' && result.violation.operations).toEqual([history[3], history[4]]);
  });

  it('lists every partition of a linearizable history in order of first appearance', () => {
    const history = [kv(1, { op: 'put', key: 'b', value: '1' }, undefined, 0, 1), kv(2, { op: 'get', key: 'a' }, '', 0, 1), kv(2, { op: 'get', key: 'b' }, '1', 2, 3)];
    const result = checkLinearizability(kvModel(), history);
    expect(result).toEqual({
      result: 'ok',
      partitions: [
        { key: 'b', order: [history[0], history[2]] },
        { key: 'a', order: [history[1]] },
      ],
    });
  });

  it('reads a missing or deleted key as the empty string, and cas from it', () => {
    const history = [
      kv(1, { op: 'get', key: 'k' }, '', 0, 1),
      kv(1, { op: 'cas', key: 'k', expected: '', value: 'v' }, true, 2, 3),
      kv(1, { op: 'delete', key: 'k' }, undefined, 4, 5),
      kv(1, { op: 'get', key: 'k' }, '', 6, 7),
    ];
    expect(checkLinearizability(kvModel(), history).result).toBe('ok');
  });
});

describe('checkLinearizability with custom models', () => {
  type CoinInput = { op: 'flip' } | { op: 'look' };
  /** A coin that lands either way: the specification allows a choice. */
  const coin: LinearizabilityModel<string, CoinInput, string | undefined> = {
    name: 'coin',
    init: () => 'heads',
    step: (state, input, output) => (input.op === 'flip' ? ['heads', 'tails'] : output === state ? [state] : NO_STATE),
  };
  const flip = (call: number): HistoryOperation<CoinInput, string | undefined> => ({ clientId: 1, input: { op: 'flip' }, call, return: call + 1 });
  const look = (output: string, call: number): HistoryOperation<CoinInput, string | undefined> => ({ clientId: 2, input: { op: 'look' }, output, call, return: call + 1 });

  it('explores every next state of a nondeterministic step (the first, heads, fails the look)', () => {
    expect(checkLinearizability(coin, [flip(0), look('tails', 2), flip(4), look('heads', 6), look('heads', 8)]).result).toBe('ok');
    expect(checkLinearizability(coin, [flip(0), look('tails', 2), look('heads', 4)]).result).toBe('illegal');
  });

  type Counter = { readonly count: number };
  const counterModel = (compare: Partial<LinearizabilityModel<Counter, 'inc', number>>): LinearizabilityModel<Counter, 'inc', number> => ({
    name: 'counter',
    init: () => ({ count: 0 }),
    step: (state, _input, output) => (output === state.count + 1 ? [{ count: state.count + 1 }] : NO_STATE),
    ...compare,
  });
  const inc = (output: number, call: number, ret: number): HistoryOperation<'inc', number> => ({ clientId: output, input: 'inc', output, call, return: ret });
  const counterHistory = [inc(2, 0, 10), inc(1, 0, 10), inc(3, 0, 10), inc(4, 11, 12)];

  it('compares object states through key, or equal with or without hash', () => {
    for (const compare of [{ key: (s: Counter) => s.count }, { equal: (a: Counter, b: Counter) => a.count === b.count, hash: (s: Counter) => s.count }, { equal: (a: Counter, b: Counter) => a.count === b.count }]) {
      expect(checkLinearizability(counterModel(compare), counterHistory).result).toBe('ok');
      expect(checkLinearizability(counterModel(compare), [...counterHistory, inc(4, 13, 14)]).result).toBe('illegal');
    }
  });

  it('refuses object states it cannot compare', () => {
    expect(() => checkLinearizability(counterModel({}), counterHistory)).toThrow(
      new TypeError('checkLinearizability: model "counter" has object states; give it key(state) or equal(a, b) so that states can be compared'),
    );
  });

  it("refuses a step that does not answer an array (Porcupine's { ok, state })", () => {
    const wrong = { init: () => 0, step: () => ({ ok: true, state: 1 }) } as unknown as LinearizabilityModel<number, 'inc', number>;
    expect(() => checkLinearizability(wrong, [inc(1, 0, 1)])).toThrow(
      new TypeError(`checkLinearizability: model "model"'s step must return an array of next states, got object`),
    );
  });

  it('describes operations and states with JSON when the model does not', () => {
    const result = checkLinearizability(counterModel({ key: (s) => s.count }), [inc(2, 0, 1)]);
    expect(result.result === 'illegal' && describeViolation(result.violation)).toContain('client 2: "inc" → 2 [call 0, return 1]');
    expect(result.result === 'illegal' && describeViolation(result.violation)).toContain('From the initial state {"count":0}');
  });
});

describe('checkLinearizability input validation', () => {
  const model = registerModel(0);

  it.each([
    ['a NaN call', { ...read('a', 0, 0, 1), call: NaN }, 'checkLinearizability: history[0].call must be a finite number, got NaN'],
    ['an infinite call', { ...read('a', 0, 0, 1), call: Infinity }, 'checkLinearizability: history[0].call must be a finite number, got Infinity'],
    ['a return before the call', read('a', 0, 5, 1), 'checkLinearizability: history[0].return must be a number not before its call (5), got 1'],
    ['no return', { ...read('a', 0, 5, 1), return: undefined as unknown as number }, 'checkLinearizability: history[0].return must be a number not before its call (5), got undefined'],
  ])('names the field of %s', (_label, operation, message) => {
    expect(() => checkLinearizability(model, [operation])).toThrow(new TypeError(message));
  });

  it('refuses a history that is not an array', () => {
    expect(() => checkLinearizability(model, {} as never)).toThrow(new TypeError('checkLinearizability: history must be an array of operations'));
  });
});
