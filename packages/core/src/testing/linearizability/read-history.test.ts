import { checkLinearizability } from './check-linearizability.js';
import { HistorySyntaxError } from './history-syntax-error.js';
import { HISTORY_FORMATS, detectHistoryFormat, readHistory } from './read-history.js';

/** JSON lines from event objects. */
const jsonl = (...events: object[]): string => events.map((event) => JSON.stringify(event)).join('\n');

/** The error readHistory throws for `text`. */
function failure(text: string, model: 'kv' | 'register' | 'cas-register' = 'kv'): HistorySyntaxError {
  try {
    readHistory(text, { model, format: 'jsonl' });
  } catch (error) {
    if (error instanceof HistorySyntaxError) return error;
    throw error;
  }
  throw new Error('expected readHistory to throw');
}

describe('detectHistoryFormat', () => {
  it.each([
    ['{"process": 0}', 'jsonl'],
    ['\n  { "process": 0}', 'jsonl'],
    ['{:process 0}', 'edn'],
    ['{}', 'edn'],
    ['#jepsen.history.Op{:process 0}', 'edn'],
    ['INFO  jepsen.util - 0\t:invoke\t:read\tnil', 'jepsen-log'],
    ['2017-03-01 12:00:00,000{main} INFO  jepsen.core - Running test\nINFO  jepsen.util - 0\t:invoke\t:read\tnil', 'jepsen-log'],
  ])('%j is %s', (text, format) => {
    expect(detectHistoryFormat(text)).toBe(format);
  });

  it('rejects a blank text, and one that is none of the three, naming its first line', () => {
    expect(() => detectHistoryFormat(' \n\n')).toThrow(new SyntaxError('the history is empty'));
    expect(() => detectHistoryFormat('\nhello\n{:a 1}')).toThrow(/^line 2: cannot tell the history's format: .*\(jsonl, edn, jepsen-log\)$/);
  });
});

describe('readHistory', () => {
  it('pairs invocations with completions in the three formats alike', () => {
    const texts = {
      jsonl: jsonl(
        { process: 0, type: 'invoke', f: 'write', value: 1 },
        { process: 1, type: 'invoke', f: 'read', value: null },
        { process: 0, type: 'ok', f: 'write', value: 1 },
        { process: 1, type: 'ok', f: 'read', value: 1 },
        { process: 1, type: 'invoke', f: 'cas', value: [1, 2] },
        { process: 1, type: 'info', f: 'cas', value: null },
      ),
      edn: [
        '{:process 0, :type :invoke, :f :write, :value 1}',
        '{:process 1, :type :invoke, :f :read, :value nil}',
        '{:process 0, :type :ok, :f :write, :value 1}',
        '{:process 1, :type :ok, :f :read, :value 1}',
        '{:process 1, :type :invoke, :f :cas, :value [1 2]}',
        '{:process 1, :type :info, :f :cas, :value nil}',
      ].join('\n'),
      'jepsen-log': [
        'INFO  jepsen.util - 0\t:invoke\t:write\t1',
        'INFO  jepsen.util - 1\t:invoke\t:read\tnil',
        'INFO  jepsen.core - unrelated line',
        'INFO  jepsen.util - 0\t:ok\t:write\t1',
        'INFO  jepsen.util - 1\t:ok\t:read\t1',
        'INFO  jepsen.util - 1\t:invoke\t:cas\t[1 2]',
        'INFO  jepsen.util - 1\t:info\t:cas\t:timed-out\tindeterminate: read timed out',
      ].join('\n'),
    };
    for (const format of HISTORY_FORMATS) {
      const history = readHistory(texts[format], { model: 'cas-register' });
      expect(history.format).toBe(format);
      expect(history.events).toBe(6);
      expect(history.operations).toEqual([
        { clientId: 0, input: { op: 'write', value: 1 }, output: undefined, call: 0, return: 2 },
        { clientId: 1, input: { op: 'read' }, output: 1, call: 1, return: 3 },
        { clientId: 1, input: { op: 'cas', expected: 1, value: 2 }, call: 4, return: Infinity, unknown: true },
      ]);
      expect(history.model.name).toBe('cas-register');
      expect(history.model.partitionKey).toBeUndefined();
    }
  });

  it('drops failed operations, makes unfinished ones unknown, skips the nemesis, and takes an ok cas as swapped', () => {
    const history = readHistory(
      jsonl(
        { process: 0, type: 'invoke', f: 'cas', key: 'k', value: ['', 'a'] },
        { process: 'nemesis', type: 'info', f: 'start', value: 'partition' },
        { process: 1, type: 'invoke', f: 'cas', key: 'k', value: ['b', 'c'] },
        { process: 0, type: 'ok', f: 'cas', key: 'k', value: ['', 'a'] },
        { process: 1, type: 'fail', f: 'cas', key: 'k' },
        { process: 2, type: 'invoke', f: 'append', key: 'k', value: 'x' },
      ),
      { model: 'kv' },
    );
    expect(history.events).toBe(5);
    expect(history.operations).toEqual([
      { clientId: 0, input: { op: 'cas', key: 'k', expected: '', value: 'a' }, output: true, call: 0, return: 2 },
      { clientId: 2, input: { op: 'append', key: 'k', value: 'x' }, call: 4, return: Infinity, unknown: true },
    ]);
    expect(checkLinearizability(history.model, history.operations).result).toBe('ok');
  });

  it('reads the kv model: read and write as get and put, delete, nil results and numeric keys', () => {
    const { model, operations } = readHistory(
      jsonl(
        { process: 0, type: 'invoke', f: 'write', key: 1, value: 'a' },
        { process: 0, type: 'ok', f: 'write', key: 1 },
        { process: 0, type: 'invoke', f: 'delete', key: 1 },
        { process: 0, type: 'ok', f: 'delete', key: 1 },
        { process: 0, type: 'invoke', f: 'read', key: 1 },
        { process: 0, type: 'ok', f: 'read', key: 1, value: null },
        { process: 0, type: 'invoke', f: 'put', key: '2', value: 'b' },
        { process: 0, type: 'ok', f: 'put', key: '2' },
        { process: 0, type: 'invoke', f: 'get', key: '2' },
        { process: 0, type: 'ok', f: 'get', key: '2', value: 'b' },
      ),
      { model: 'kv' },
    );
    expect(operations.map((o) => [o.input, o.output])).toEqual([
      [{ op: 'put', key: '1', value: 'a' }, undefined],
      [{ op: 'delete', key: '1' }, undefined],
      [{ op: 'get', key: '1' }, ''],
      [{ op: 'put', key: '2', value: 'b' }, undefined],
      [{ op: 'get', key: '2' }, 'b'],
    ]);
    expect(model.name).toBe('kv');
    expect(checkLinearizability(model, operations).result).toBe('ok');
  });

  it('checks a register per key when the events have keys, and says which key failed', () => {
    const history = readHistory(
      jsonl(
        { process: 0, type: 'invoke', f: 'write', key: 'a', value: 1 },
        { process: 0, type: 'ok', f: 'write', key: 'a', value: 1 },
        { process: 1, type: 'invoke', f: 'read', key: 'b' },
        { process: 1, type: 'ok', f: 'read', key: 'b', value: 1 },
      ),
      { model: 'register' },
    );
    expect(history.operations.map((o) => o.input)).toEqual([
      { op: 'write', value: 1, key: 'a' },
      { op: 'read', key: 'b' },
    ]);
    expect(history.model.partitionKey?.({ op: 'read', key: 'b' })).toBe('b');
    const result = checkLinearizability(history.model, history.operations);
    expect(result.result === 'illegal' && result.violation.key).toBe('b');
  });

  it('starts registers at nil and reads scalar values', () => {
    const { model, operations } = readHistory(
      jsonl(
        { process: 0, type: 'invoke', f: 'read' },
        { process: 0, type: 'ok', f: 'read' },
        { process: 0, type: 'invoke', f: 'put', value: true },
        { process: 0, type: 'ok', f: 'put', value: true },
        { process: 0, type: 'invoke', f: 'get' },
        { process: 0, type: 'ok', f: 'get', value: true },
      ),
      { model: 'register' },
    );
    expect(operations.map((o) => o.output)).toEqual([null, undefined, true]);
    expect(checkLinearizability(model, operations).result).toBe('ok');
  });

  it('returns no operations for a text with no events in the format given', () => {
    expect(readHistory('', { model: 'kv', format: 'edn' })).toMatchObject({ format: 'edn', operations: [], events: 0 });
    expect(readHistory('no log lines here', { model: 'kv', format: 'jepsen-log' }).events).toBe(0);
  });

  it.each([
    ['type', { process: 0, type: 'done', f: 'read' }, 'line 1: type must be invoke, ok, fail or info, got "done"'],
    ['missing type', { process: 0, f: 'read' }, 'line 1: type must be invoke, ok, fail or info, got null'],
    ['f', { process: 0, type: 'invoke', f: 3 }, 'line 1: f must name the operation, got 3'],
    ['process', { process: [0], type: 'invoke', f: 'read' }, 'line 1: process must be a number or a string, got [0]'],
    ['missing process', { type: 'invoke', f: 'read' }, 'line 1: process must be a number or a string, got null'],
    ['key', { process: 0, type: 'invoke', f: 'read', key: { a: 1 } }, 'line 1: key must be a string or a number, got {"a":1}'],
    ['kv without a key', { process: 0, type: 'invoke', f: 'get' }, 'line 1: an operation of model kv needs a key'],
    ['kv op', { process: 0, type: 'invoke', f: 'incr', key: 'k' }, 'line 1: model kv has no operation "incr" (it has get, read, put, write, append, cas, delete)'],
    ['inherited names are no ops', { process: 0, type: 'invoke', f: 'toString', key: 'k' }, /^line 1: model kv has no operation "toString"/],
    ['kv value', { process: 0, type: 'invoke', f: 'put', key: 'k', value: 1 }, 'line 1: the value of put must be a string for model kv, got 1'],
    ['kv nil value', { process: 0, type: 'invoke', f: 'append', key: 'k', value: null }, 'line 1: the value of append must be a string for model kv, got null'],
    ['cas pair', { process: 0, type: 'invoke', f: 'cas', key: 'k', value: 'a' }, 'line 1: a cas\'s value must be a pair [expected new], got "a"'],
    ['cas new value', { process: 0, type: 'invoke', f: 'cas', key: 'k', value: ['a', null] }, "line 1: a cas's new value must be a string for model kv, got null"],
  ])('rejects an event with a bad %s', (_, event, message) => {
    expect(() => readHistory(jsonl(event), { model: 'kv' })).toThrow(typeof message === 'string' ? new SyntaxError(message) : message);
  });

  it.each([
    ['register', { process: 0, type: 'invoke', f: 'cas', value: [1, 2] }, 'line 1: model register has no operation "cas" (it has read, get, write, put)'],
    ['register', { process: 0, type: 'invoke', f: 'write', value: [1] }, 'line 1: the value of write must be a string, number, boolean or nil, got [1]'],
    ['cas-register', { process: 0, type: 'invoke', f: 'cas', value: [{}, 1] }, "line 1: a cas's expected value must be a string, number, boolean or nil, got {}"],
    ['cas-register', { process: 0, type: 'invoke', f: 'append', value: 'x' }, /^line 1: model cas-register has no operation "append"/],
  ] as const)('rejects what model %s does not have: %j', (model, event, message) => {
    expect(() => readHistory(jsonl(event), { model })).toThrow(typeof message === 'string' ? new SyntaxError(message) : message);
  });

  it('rejects a read result of the wrong kind on its ok line', () => {
    const text = jsonl({ process: 0, type: 'invoke', f: 'get', key: 'k' }, { process: 0, type: 'ok', f: 'get', key: 'k', value: 3 });
    expect(failure(text)).toMatchObject({ line: 2, message: "line 2: a get's result must be a string or nil for model kv, got 3" });
    const register = jsonl({ process: 0, type: 'invoke', f: 'read' }, { process: 0, type: 'ok', f: 'read', value: 1 }, { process: 0, type: 'invoke', f: 'read' }, { process: 0, type: 'ok', f: 'read', value: [1] });
    expect(failure(register, 'register').message).toBe("line 4: a read's result must be a string, number, boolean or nil, got [1]");
  });

  it('rejects events that do not pair up, naming both lines', () => {
    const twice = `${jsonl({ process: 3, type: 'invoke', f: 'get', key: 'k' })}\n\n${jsonl({ process: 3, type: 'invoke', f: 'get', key: 'k' })}`;
    expect(failure(twice).message).toBe(
      'line 3: process 3 invokes while its operation invoked on line 1 is open',
    );
    expect(failure(jsonl({ process: 'a', type: 'ok', f: 'get', key: 'k' })).message).toBe('line 1: process "a" completes (ok) with no operation open');
    expect(failure(jsonl({ process: 0, type: 'invoke', f: 'get', key: 'k' }, { process: 0, type: 'ok', f: 'put', key: 'k' })).message).toBe(
      'line 2: process 0 completes "put", but the operation it invoked on line 1 is "get"',
    );
  });

  it('rejects a bad model or format option with a TypeError naming it', () => {
    expect(() => readHistory('', { model: 'queue' as 'kv' })).toThrow(new TypeError('readHistory: options.model must be one of kv, register, cas-register, got "queue"'));
    expect(() => readHistory('', { model: 'kv', format: 'csv' as 'edn' })).toThrow(new TypeError('readHistory: options.format must be one of jsonl, edn, jepsen-log, got "csv"'));
    expect(() => readHistory(3 as unknown as string, { model: 'kv' })).toThrow(new TypeError('readHistory: text must be a string, got number'));
    expect(() => readHistory('', undefined as unknown as { model: 'kv' })).toThrow(/options.model must be one of/);
  });

  it('detects the format when none is given, and fails on a blank text', () => {
    expect(readHistory('{:process 0, :type :invoke, :f :get, :key "k"}', { model: 'kv' }).format).toBe('edn');
    expect(() => readHistory('\n', { model: 'kv' })).toThrow(new SyntaxError('the history is empty'));
  });
});
