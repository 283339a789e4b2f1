import { parseLincheckArgs } from './lincheck-args.js';

describe('parseLincheckArgs', () => {
  it('reads the model, the file and the options, with their value next or after =', () => {
    expect(parseLincheckArgs(['--model', 'kv', 'h.edn'])).toEqual({
      kind: 'check',
      model: 'kv',
      file: 'h.edn',
      format: undefined,
      timeLimitMs: undefined,
      maxConfigurations: undefined,
    });
    expect(parseLincheckArgs(['h.log', '--format=jepsen-log', '--time-limit', '250', '--model=cas-register', '--max-configurations', '1000'])).toEqual({
      kind: 'check',
      model: 'cas-register',
      file: 'h.log',
      format: 'jepsen-log',
      timeLimitMs: 250,
      maxConfigurations: 1000,
    });
    expect(parseLincheckArgs(['--model', 'register', '--time-limit=0.5', '--format', 'jsonl', '-'])).toMatchObject({ model: 'register', file: '-', timeLimitMs: 0.5, format: 'jsonl' });
  });

  it('takes what follows -- as the file, even if it starts with a dash', () => {
    expect(parseLincheckArgs(['--model', 'kv', '--', '--odd-name'])).toMatchObject({ kind: 'check', file: '--odd-name' });
    expect(parseLincheckArgs(['--model', 'kv', '--', '--help'])).toMatchObject({ kind: 'check', file: '--help' });
  });

  it('answers help for --help or -h anywhere before --', () => {
    expect(parseLincheckArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseLincheckArgs(['--model', 'nope', 'a', 'b', '-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    [[], '--model is required (kv, register, cas-register)'],
    [['h.edn'], '--model is required (kv, register, cas-register)'],
    [['--model', 'queue', 'h'], '--model must be one of kv, register, cas-register, got "queue"'],
    [['--model'], '--model needs a value'],
    [['--model=', 'h'], '--model needs a value'],
    [['--model', 'kv', '--model', 'kv', 'h'], '--model is given twice'],
    [['--model', 'kv', '--format', 'csv', 'h'], '--format must be one of jsonl, edn, jepsen-log, got "csv"'],
    [['--model', 'kv', '--time-limit', '0', 'h'], '--time-limit must be a positive number of milliseconds, got "0"'],
    [['--model', 'kv', '--time-limit', '-5', 'h'], '--time-limit must be a positive number of milliseconds, got "-5"'],
    [['--model', 'kv', '--time-limit', '1e3', 'h'], '--time-limit must be a positive number of milliseconds, got "1e3"'],
    [['--model', 'kv', '--time-limit', 'soon', 'h'], '--time-limit must be a positive number of milliseconds, got "soon"'],
    [['--model', 'kv', '--max-configurations', '0', 'h'], '--max-configurations must be a positive integer, got "0"'],
    [['--model', 'kv', '--max-configurations=1.5', 'h'], '--max-configurations must be a positive integer, got "1.5"'],
    [['--model', 'kv', '--verbose', 'h'], 'unknown option "--verbose"'],
    [['--model', 'kv', '-x', 'h'], 'unknown option "-x"'],
    [['--model', 'kv'], 'no history file given (use - for standard input)'],
    [['--model', 'kv', 'a', 'b'], 'one history file at a time, got 2: "a" "b"'],
  ])('rejects %j: %s', (argv, message) => {
    expect(parseLincheckArgs(argv)).toEqual({ kind: 'error', message });
  });
});
