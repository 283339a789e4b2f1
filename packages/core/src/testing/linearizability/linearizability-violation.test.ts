import { checkLinearizability } from './check-linearizability.js';
import type { HistoryOperation } from './history-operation.js';
import { kvModel } from './kv-model.js';
import type { KvInput, KvOutput } from './kv-model.js';
import { buildViolation, describeViolation } from './linearizability-violation.js';
import type { LinearizabilityViolation } from './linearizability-violation.js';
import { registerModel } from './register-model.js';
import type { RegisterInput } from './register-model.js';

type RegisterOp = HistoryOperation<RegisterInput<number>, number | undefined>;

function violationOf<S, I, O>(result: ReturnType<typeof checkLinearizability<S, I, O>>): LinearizabilityViolation<S, I, O> {
  if (result.result !== 'illegal') throw new Error(`expected illegal, got ${result.result}`);
  return result.violation;
}

describe('describeViolation', () => {
  // Writes 1..25 in sequence, then a read of 0.
  const writes: RegisterOp[] = Array.from({ length: 25 }, (_, i) => ({ clientId: 'w', input: { op: 'write', value: i + 1 }, call: 2 * i, return: 2 * i + 1 }));
  const staleRead: RegisterOp = { clientId: 'r', input: { op: 'read' }, output: 0, call: 100, return: 101 };
  const violation = violationOf(checkLinearizability(registerModel(0), [...writes, staleRead]));

  it('shows the last 20 operations of the prefix by default, and says how many it left out', () => {
    const lines = describeViolation(violation).split('\n');
    expect(lines[0]).toBe('Not linearizable: the history (model "register", 26 operations).');
    expect(lines[1]).toBe('The longest linearizable prefix found has 25 of them:');
    expect(lines[2]).toBe('  … 5 earlier operations');
    expect(lines[3]).toBe('  6. client w: write(6) [call 10, return 11]');
    expect(lines[22]).toBe('  25. client w: write(25) [call 48, return 49]');
    expect(lines[23]).toBe("After it, in state 25, one of these had to take effect next (all were called before client r's operation returned at 101), and the model accepts none of them:");
    expect(lines[24]).toBe('  client r: read() → 0 [call 100, return 101]');
    expect(lines).toHaveLength(25);
  });

  it('takes maxPrefixLines', () => {
    expect(describeViolation(violation, { maxPrefixLines: 24 }).split('\n')[2]).toBe('  … 1 earlier operation');
    expect(describeViolation(violation, { maxPrefixLines: 25 }).split('\n')[2]).toBe('  1. client w: write(1) [call 0, return 1]');
    expect(describeViolation(violation, { maxPrefixLines: 0 }).split('\n').slice(1, 4)).toEqual([
      'The longest linearizable prefix found has 25 of them:',
      '  … 25 earlier operations',
      expect.stringMatching(/^After it, in state 25/),
    ]);
  });

  it.each([-1, 1.5, NaN])('rejects maxPrefixLines %p', (maxPrefixLines) => {
    expect(() => describeViolation(violation, { maxPrefixLines })).toThrow(
      new RangeError(`describeViolation: maxPrefixLines must be a non-negative integer, got ${maxPrefixLines}`),
    );
  });

  it('says when nothing can come first, and names the key', () => {
    const history: HistoryOperation<KvInput, KvOutput>[] = [
      { clientId: 1, input: { op: 'get', key: 'k' }, output: 'v', call: 0, return: 5 },
      { clientId: 2, input: { op: 'put', key: 'k', value: 'v' }, call: 6, return: 7 },
    ];
    expect(describeViolation(violationOf(checkLinearizability(kvModel(), history)))).toBe(
      [
        'Not linearizable: key "k" (model "kv", 2 operations).',
        'No operation can take effect first.',
        "From the initial state \"\", one of these had to take effect next (all were called before client 1's operation returned at 5), and the model accepts none of them:",
        '  client 1: get("k") → "v" [call 0, return 5]',
      ].join('\n'),
    );
  });

  it('marks operations whose outcome is unknown, and leaves out reads whose outcome is unknown', () => {
    const history: HistoryOperation<KvInput, KvOutput>[] = [
      { clientId: 1, input: { op: 'get', key: 'k' }, output: 'v', call: 0, return: 5 },
      { clientId: 2, input: { op: 'put', key: 'k', value: 'w' }, call: 1, return: Infinity },
      { clientId: 3, input: { op: 'get', key: 'k' }, output: 'x', call: 2, return: Infinity, unknown: true },
      { clientId: 4, input: { op: 'append', key: 'k', value: 'z' }, call: 3, return: 4, unknown: true },
    ];
    const lines = describeViolation(violationOf(checkLinearizability(kvModel(), history))).split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}\d\. client 2: put\("k", "w"\) \[call 1, outcome unknown\]$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}(\d\. )?client 4: append\("k", "z"\) \[call 3, outcome unknown\]$/));
    expect(lines.filter((line) => line.includes('client 3'))).toEqual([]);
  });

  it("uses the model's describeState, and a number key as a number", () => {
    const model = { ...registerModel(0), name: 'r', partitionKey: () => 7, describeState: (state: number) => `<${state}>` };
    const text = describeViolation(violationOf(checkLinearizability(model, [staleRead, { ...staleRead, output: 1, call: 0, return: 1 }])));
    expect(text).toMatch(/^Not linearizable: key 7 \(model "r", 2 operations\)\./);
    expect(text).toContain('From the initial state <0>,');
  });

  it("calls a model without a name 'model'", () => {
    const { name, ...unnamed } = registerModel(0);
    expect(name).toBe('register');
    expect(describeViolation(violationOf(checkLinearizability(unnamed, [{ ...staleRead, output: 5 }])))).toMatch(/^Not linearizable: the history \(model "model", 1 operations\)\./);
  });
});

describe('buildViolation', () => {
  it('blocks the operations called before the first remaining return, by call time', () => {
    const history: RegisterOp[] = [
      { clientId: 'a', input: { op: 'read' }, output: 5, call: 4, return: 10 },
      { clientId: 'b', input: { op: 'read' }, output: 5, call: 2, return: 20 },
      { clientId: 'c', input: { op: 'read' }, output: 5, call: 11, return: 12 },
      { clientId: 'd', input: { op: 'write', value: 1 }, call: 0, return: 1 },
    ];
    const violation = buildViolation(registerModel(0), undefined, history, [3], 1);
    expect(violation.longestPrefix).toEqual([history[3]]);
    expect(violation.firstToReturn).toBe(history[0]);
    expect(violation.blocked).toEqual([history[1], history[0]]);
  });

  it('refuses a prefix that places every operation', () => {
    expect(() => buildViolation(registerModel(0), undefined, [], [], 0)).toThrow(/internal error/);
  });
});
