import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLinearizability } from '../testing/linearizability/check-linearizability.js';
import { describeViolation } from '../testing/linearizability/linearizability-violation.js';
import { readHistory } from '../testing/linearizability/read-history.js';
import { LINCHECK_EXIT, LINCHECK_USAGE, nodeLincheckIo, runLincheck } from './lincheck.js';
import type { LincheckIo } from './lincheck.js';

const fixtures = fileURLToPath(new URL('../../../../../shared/fixtures/linearizability/', import.meta.url));

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs the CLI in this process on the real file system, with `stdin` as standard input. */
async function lincheck(argv: readonly string[], io: Partial<LincheckIo> & { stdin?: string } = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runLincheck(argv, {
    ...nodeLincheckIo(),
    readStdin: async () => io.stdin ?? '',
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    ...io,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A failed run: exit 3, nothing on stdout, one line on stderr and no stack trace. */
function expectUnreadable(run: Run, message: string | RegExp): void {
  expect(run).toMatchObject({ code: LINCHECK_EXIT.unreadable, out: '' });
  expect(run.err).toMatch(typeof message === 'string' ? new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : message);
  expect(run.err).not.toContain('\n');
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lincheck-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a history file in the test's folder and returns its path. */
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const line = (event: object): string => JSON.stringify(event);

describe('bulwark-lincheck (in process)', () => {
  const names = readdirSync(fixtures).filter((name) => /-(ok|bad)\.\w+$/.test(name));

  it.each(names)('gives %s the verdict its name states', async (name) => {
    const model = /^(kv|register|cas-register)-/.exec(name)?.[1] ?? 'unknown-model';
    const run = await lincheck(['--model', model, `${fixtures}${name}`]);
    const ok = name.includes('-ok.');
    expect([run.code, run.out.split('\n')[0], run.err]).toEqual(ok ? [0, 'linearizable', ''] : [1, 'not linearizable', '']);
  });

  it('prints the explanation of a violation after the verdict', async () => {
    const path = `${fixtures}kv-c01-bad.edn`;
    const history = readHistory(readFileSync(path, 'utf8'), { model: 'kv' });
    const result = checkLinearizability(history.model, history.operations);
    if (result.result !== 'illegal') throw new Error('kv-c01-bad.edn should not be linearizable');
    expect((await lincheck(['--model', 'kv', path])).out).toBe(`not linearizable\n${describeViolation(result.violation)}`);
  });

  it('says how many operations and keys it checked, and in which format', async () => {
    expect((await lincheck(['--model', 'kv', `${fixtures}kv-c01-ok.edn`])).out).toBe('linearizable\n58 operations on 10 keys, read as EDN maps');
    const register = file('register.log', 'INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t1\nINFO  jepsen.util - 1\t:invoke\t:read\tnil\n');
    expect(await lincheck(['--model', 'register', register])).toEqual({ code: 0, out: 'linearizable\n2 operations, read as jepsen.util log lines', err: '' });
    const one = file('one.jsonl', `${line({ process: 0, type: 'invoke', f: 'get', key: 'k' })}\n${line({ process: 0, type: 'ok', f: 'get', key: 'k', value: '' })}`);
    expect((await lincheck(['--model', 'kv', one])).out).toBe('linearizable\n1 operations on 1 key, read as JSON lines');
  });

  it('reads standard input for -', async () => {
    const text = readFileSync(`${fixtures}kv-c10-bad.edn`, 'utf8');
    const run = await lincheck(['--model', 'kv', '-'], { stdin: text });
    expect([run.code, run.out.split('\n')[1]]).toEqual([1, 'Not linearizable: key "7" (model "kv", 33 operations).']);
  });

  it('answers unknown, exit 2, when the time limit passes first', async () => {
    // The clock jumps 10 ms at every read: the first check after 1024 steps is past the limit.
    let now = 0;
    const clock = { now: () => (now += 10) };
    // 16 concurrent writes, then a read of a value none wrote: proving that takes some 5 M steps.
    const hard = (key: object): string => {
      const writes = Array.from({ length: 16 }, (_, i) => ({ process: i, f: 'write', ...key, value: i }));
      const read = { process: 99, f: 'read', ...key };
      return [
        ...writes.map((w) => line({ ...w, type: 'invoke' })),
        ...writes.map((w) => line({ ...w, type: 'ok' })),
        line({ ...read, type: 'invoke' }),
        line({ ...read, type: 'ok', value: 99 }),
      ].join('\n');
    };
    const keyed = await lincheck(['--model', 'register', '--time-limit', '5', file('hard.jsonl', hard({ key: 'k' }))], { clock });
    expect(keyed).toEqual({ code: LINCHECK_EXIT.unknown, out: 'unknown\nno answer within the time limit of 5 ms; 0 of 1 keys were found linearizable before it gave up', err: '' });
    const single = await lincheck(['--model', 'register', '--time-limit=5', file('hard-single.jsonl', hard({}))], { clock });
    expect(single).toEqual({ code: LINCHECK_EXIT.unknown, out: 'unknown\nno answer within the time limit of 5 ms', err: '' });
    const bounded = await lincheck(['--model', 'register', '--max-configurations', '2000', file('hard-bounded.jsonl', hard({ key: 'k' }))]);
    expect(bounded).toEqual({
      code: LINCHECK_EXIT.unknown,
      out: 'unknown\nno answer within 2,000 configurations of the search (its memory bound); 0 of 1 keys were found linearizable before it gave up',
      err: '',
    });
  });

  it('reads the format given by --format instead of telling it', async () => {
    const path = `${fixtures}kv-c01-ok.edn`;
    expect((await lincheck(['--model', 'kv', '--format', 'edn', path])).code).toBe(0);
    expectUnreadable(await lincheck(['--model', 'kv', '--format', 'jsonl', path]), new RegExp(`^bulwark-lincheck: ${path} \\(read as JSON lines\\): line 1: not valid JSON: `));
    expectUnreadable(await lincheck(['--model', 'kv', '--format', 'jepsen-log', path]), `bulwark-lincheck: ${path} (read as jepsen.util log lines): no events in it`);
  });

  describe('unreadable input: exit 3, with the file and the line, never a stack trace', () => {
    it('a missing file, a folder, a file that cannot be read', async () => {
      expectUnreadable(await lincheck(['--model', 'kv', join(dir, 'missing.edn')]), `bulwark-lincheck: cannot read ${join(dir, 'missing.edn')}: no such file`);
      expectUnreadable(await lincheck(['--model', 'kv', dir]), `bulwark-lincheck: cannot read ${dir}: it is a directory`);
      const denied = Object.assign(new Error("EACCES: permission denied, open 'h'"), { code: 'EACCES' });
      expectUnreadable(await lincheck(['--model', 'kv', 'h'], { readFile: () => Promise.reject(denied) }), 'bulwark-lincheck: cannot read h: permission denied');
      expectUnreadable(await lincheck(['--model', 'kv', 'h'], { readFile: () => Promise.reject(new Error('EIO: i/o error')) }), 'bulwark-lincheck: cannot read h: EIO: i/o error');
      expectUnreadable(await lincheck(['--model', 'kv', '-'], { readStdin: () => Promise.reject('closed') }), 'bulwark-lincheck: cannot read standard input: closed');
    });

    it('an empty text, or one of no known format', async () => {
      expectUnreadable(await lincheck(['--model', 'kv', file('empty.edn', '\n\n')]), `bulwark-lincheck: ${join(dir, 'empty.edn')}: the history is empty`);
      expectUnreadable(
        await lincheck(['--model', 'kv', '-'], { stdin: '\nprocess 0 invoke get\n' }),
        /^bulwark-lincheck: standard input: line 2: cannot tell the history's format: .* \(jsonl, edn, jepsen-log\)$/,
      );
    });

    it('a line that is not an event of its format', async () => {
      const edn = file('broken.edn', '{:process 0, :type :invoke, :f :get, :key "1", :value nil}\n{:process 0, :type :ok :f :get, :key "1", :value "x}\n');
      expectUnreadable(await lincheck(['--model', 'kv', edn]), `bulwark-lincheck: ${edn} (read as EDN maps): line 2, column 53: expected a closing quote, found the end of the line`);
      const log = file('broken.log', 'INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok\n');
      expectUnreadable(
        await lincheck(['--model', 'register', log]),
        `bulwark-lincheck: ${log} (read as jepsen.util log lines): line 2, column 26: expected the f after "jepsen.util - ", found the end of the line`,
      );
      const json = file('broken.jsonl', `${line({ process: 0, type: 'invoke', f: 'get', key: 'k' })}\n[1]`);
      expectUnreadable(await lincheck(['--model', 'kv', json]), `bulwark-lincheck: ${json} (read as JSON lines): line 2: expected a JSON object, found an array`);
    });

    it('an event that does not fit the history or the model', async () => {
      const unpaired = file('unpaired.jsonl', `${line({ process: 0, type: 'invoke', f: 'get', key: 'k' })}\n${line({ process: 1, type: 'ok', f: 'get', key: 'k' })}`);
      expectUnreadable(await lincheck(['--model', 'kv', unpaired]), `bulwark-lincheck: ${unpaired} (read as JSON lines): line 2: process 1 completes (ok) with no operation open`);
      const cas = 'INFO  jepsen.util - 0\t:invoke\t:cas\t[1 2]';
      expectUnreadable(
        await lincheck(['--model', 'register', '-'], { stdin: cas }),
        'bulwark-lincheck: standard input (read as jepsen.util log lines): line 1: model register has no operation "cas" (it has read, get, write, put)',
      );
    });
  });

  it('prints the help, exit 0', async () => {
    expect(await lincheck(['--help'])).toEqual({ code: 0, out: LINCHECK_USAGE, err: '' });
    expect(LINCHECK_USAGE).toMatch(/Exit status: 0 linearizable, 1 not linearizable, 2 unknown, 3 unreadable input\n\(the message names the line\), 64 bad arguments\.$/);
  });

  it('rejects a bad command line with exit 64, the problem and the usage line', async () => {
    const run = await lincheck(['--model', 'queue', 'h.edn']);
    expect(run).toEqual({
      code: LINCHECK_EXIT.usage,
      out: '',
      err: `bulwark-lincheck: --model must be one of kv, register, cas-register, got "queue"\n${LINCHECK_USAGE.split('\n')[0]}\n(bulwark-lincheck --help says more)`,
    });
  });

  it('reports an unexpected failure as an internal error, exit 70, with its stack', async () => {
    const run = await lincheck(['--help'], {
      out: () => {
        throw new Error('EPIPE');
      },
    });
    expect(run.code).toBe(LINCHECK_EXIT.internal);
    expect(run.err).toMatch(/^bulwark-lincheck: internal error: Error: EPIPE\n\s+at /);
    const thrown = await lincheck(['--model', 'kv', '-'], { stdin: '{}', readStdin: () => Promise.resolve(null as unknown as string) });
    expect(thrown).toMatchObject({ code: LINCHECK_EXIT.internal, err: expect.stringMatching(/^bulwark-lincheck: internal error: TypeError: /) });
  });

  it('writes to the real standard streams with nodeLincheckIo', () => {
    const io = nodeLincheckIo();
    const writes: string[] = [];
    const stdout = process.stdout.write;
    const stderr = process.stderr.write;
    process.stdout.write = ((text: string) => writes.push(`out:${text}`) > 0) as typeof process.stdout.write;
    process.stderr.write = ((text: string) => writes.push(`err:${text}`) > 0) as typeof process.stderr.write;
    try {
      io.out('a');
      io.err('b');
    } finally {
      process.stdout.write = stdout;
      process.stderr.write = stderr;
    }
    expect(writes).toEqual(['out:a\n', 'err:b\n']);
  });
});
