import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Spawns the real command, bin/bulwark-lincheck.mjs, as `npx bulwark-lincheck` runs it. Here, in
// the repository, it runs the TypeScript sources; the launcher's other paths (a build only, nothing)
// are run from copies of it in a temporary package.
const bin = fileURLToPath(new URL('../../bin/bulwark-lincheck.mjs', import.meta.url));
const fixtures = fileURLToPath(new URL('../../../../../shared/fixtures/linearizability/', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** Runs `node <script> ...args` with no NODE_OPTIONS (Jest's are not a user's), `stdin` piped in. */
function run(script: string, args: readonly string[], stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, NODE_OPTIONS: '' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() }));
    child.stdin.end(stdin);
  });
}

const TIMEOUT_MS = 30_000;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lincheck-bin-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bulwark-lincheck (the real command)', () => {
  it(
    'gives fixtures the verdicts their names state, with exit codes 0 and 1',
    async () => {
      const ok = await run(bin, ['--model', 'kv', `${fixtures}kv-c10-ok.edn`]);
      expect(ok).toEqual({ code: 0, out: 'linearizable\n337 operations on 10 keys, read as EDN maps\n', err: '' });
      const bad = await run(bin, ['--model=kv', `${fixtures}kv-c01-bad.edn`]);
      expect([bad.code, bad.err]).toEqual([1, '']);
      expect(bad.out).toMatch(/^not linearizable\nNot linearizable: key "7" \(model "kv", 5 operations\)\.\n[^]*client 0: get\("7"\) → "x 0 0 y" \[call 58, return 59\]\n$/);
    },
    TIMEOUT_MS,
  );

  it(
    'reads standard input for -',
    async () => {
      const piped = await run(bin, ['--model', 'kv', '-'], readFileSync(`${fixtures}kv-c10-bad.edn`, 'utf8'));
      expect([piped.code, piped.out.split('\n')[0]]).toEqual([1, 'not linearizable']);
    },
    TIMEOUT_MS,
  );

  it(
    'answers unknown, exit 2, once --time-limit passes',
    async () => {
      // 20 concurrent writes, then a read of a value none wrote: far more than 50 ms of search.
      const writes = Array.from({ length: 20 }, (_, i) => ({ process: i, f: 'write', value: i }));
      const lines: object[] = [...writes.map((w) => ({ ...w, type: 'invoke' })), ...writes.map((w) => ({ ...w, type: 'ok' }))];
      lines.push({ process: 99, f: 'read', type: 'invoke', value: null }, { process: 99, f: 'read', type: 'ok', value: 99 });
      const path = join(dir, 'hard.jsonl');
      writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n'));
      expect(await run(bin, ['--model', 'register', '--time-limit', '50', path])).toEqual({ code: 2, out: 'unknown\nno answer within the time limit of 50 ms\n', err: '' });
    },
    TIMEOUT_MS,
  );

  it(
    'exits 3 for unreadable input with the file and line, and no stack trace',
    async () => {
      const missing = await run(bin, ['--model', 'kv', join(dir, 'nope.edn')]);
      expect(missing).toEqual({ code: 3, out: '', err: `bulwark-lincheck: cannot read ${join(dir, 'nope.edn')}: no such file\n` });
      const path = join(dir, 'bad.log');
      writeFileSync(path, 'INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:done\t:read\t1\n');
      const bad = await run(bin, ['--model', 'cas-register', path]);
      expect(bad).toEqual({ code: 3, out: '', err: `bulwark-lincheck: ${path} (read as jepsen.util log lines): line 2: type must be invoke, ok, fail or info, got "done"\n` });
    },
    TIMEOUT_MS,
  );

  it(
    'prints its help (exit 0) and rejects a bad command line (exit 64)',
    async () => {
      const help = await run(bin, ['--help']);
      expect([help.code, help.out.split('\n')[0], help.err]).toEqual([0, 'usage: bulwark-lincheck --model kv|register|cas-register [--format jsonl|edn|jepsen-log] [--time-limit MS] [--max-configurations N] FILE', '']);
      const usage = await run(bin, ['--model', 'kv']);
      expect([usage.code, usage.out, usage.err.split('\n')[0]]).toEqual([64, '', 'bulwark-lincheck: no history file given (use - for standard input)']);
    },
    TIMEOUT_MS,
  );
});

describe('the launcher, bin/bulwark-lincheck.mjs', () => {
  /** A package folder with a copy of the launcher and the given files. */
  function pkg(name: string, files: Record<string, string>): string {
    const root = join(dir, name);
    mkdirSync(join(root, 'bin'), { recursive: true });
    copyFileSync(bin, join(root, 'bin', 'bulwark-lincheck.mjs'));
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }');
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return join(root, 'bin', 'bulwark-lincheck.mjs');
  }

  // What the launcher needs of the CLI module: runLincheck(argv, io) and nodeLincheckIo().
  const cli = (from: string) =>
    `export const nodeLincheckIo = () => ({ out: (t) => process.stdout.write(t + '\\n') });\n` +
    `export async function runLincheck(argv, io) { io.out(${JSON.stringify(from)} + ' ' + argv.join(' ')); return 1; }\n`;
  const built = { 'dist/cli/lincheck.js': cli('dist') };
  // TypeScript that imports a sibling as './x.js', as our sources do (the hook maps it to x.ts).
  const sources = {
    'src/cli/lincheck.ts': [
      "import { from } from './from.js';",
      "export const nodeLincheckIo = (): { out(t: string): void } => ({ out: (t: string) => process.stdout.write(t + '\\n') });",
      "export async function runLincheck(argv: readonly string[], io: { out(t: string): void }): Promise<number> {",
      "  io.out(from + ' ' + argv.join(' '));",
      '  return 1;',
      '}',
    ].join('\n'),
    'src/cli/from.ts': "export const from: string = 'src';\n",
  };

  it(
    'runs the build when there are no sources (an installed package), passing the arguments and the exit code',
    async () => {
      expect(await run(pkg('built', built), ['--model', 'kv', 'h'])).toEqual({ code: 1, out: 'dist --model kv h\n', err: '' });
    },
    TIMEOUT_MS,
  );

  it(
    'prefers the TypeScript sources to a build, which may be stale',
    async () => {
      expect(await run(pkg('both', { ...built, ...sources }), ['x'])).toEqual({ code: 1, out: 'src x\n', err: '' });
    },
    TIMEOUT_MS,
  );

  it(
    'exits 70 with a message, no stack, when there is nothing to run or the sources do not load',
    async () => {
      const none = await run(pkg('none', {}), []);
      expect([none.code, none.out]).toEqual([70, '']);
      expect(none.err).toMatch(/^bulwark-lincheck: found neither \S+dist\/cli\/lincheck\.js nor the sources: reinstall @bulwark\/core\n$/);
      // Node strips types only: a parameter property cannot load from the sources.
      const broken = await run(pkg('broken', { 'src/cli/lincheck.ts': 'export class A { constructor(private readonly x: number) {} }\n' }), []);
      expect([broken.code, broken.out]).toEqual([70, '']);
      expect(broken.err).toMatch(/^bulwark-lincheck: cannot load \S+src\/cli\/lincheck\.ts: .*parameter property is not supported in strip-only mode\n$/);
    },
    TIMEOUT_MS,
  );
});
