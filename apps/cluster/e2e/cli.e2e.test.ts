// The `npm start` command itself (the built CLI, without the Nx build in front): three members
// of the built app, the banner, a sample write and read, and SIGINT stopping everything.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { findFreePortRange } from '../src/launcher/index.js';
import { eventually, getKey, putKey } from './http-client.js';

const cli = fileURLToPath(new URL('../dist/launcher/cli.js', import.meta.url));

let dir: string;
let child: ChildProcess | undefined;
const memberPids: number[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function exitOf(process: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (process.exitCode !== null || process.signalCode !== null) resolve({ code: process.exitCode, signal: process.signalCode });
    else process.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bulwark-cli-e2e-'));
});

afterAll(async () => {
  // Only if a test failed midway: stop the CLI (it stops its members), then make sure.
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
    await exitOf(child);
    clearTimeout(timer);
  }
  for (const pid of memberPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('the launcher CLI (npm start)', () => {
  it('runs three members until SIGINT, printing their URLs and sample curls, then stops them all and exits 0', async () => {
    const base = await findFreePortRange(3);
    child = spawn(process.execPath, [cli, '--base-port', String(base), '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: string[] = [];
    const err: string[] = [];
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => err.push(line));
    const bannerDone = new Promise<void>((resolve) => {
      createInterface({ input: child?.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        out.push(line);
        if (line === 'Ctrl-C stops every member.') resolve();
      });
    });
    const exited = exitOf(child);
    const early = await Promise.race([bannerDone.then(() => undefined), exited]);
    if (early !== undefined) throw new Error(`the CLI exited early (${JSON.stringify(early)}):\n${[...out, ...err].join('\n')}`);

    const urls = [0, 1, 2].map((i) => `http://127.0.0.1:${base + i}`);
    for (const [i, url] of urls.entries()) {
      const line = out.find((l) => l.startsWith(`  n${i + 1}  ${url}  pid `));
      expect(line).toBeDefined();
      memberPids.push(Number(/pid (\d+)/.exec(line ?? '')?.[1]));
    }
    expect(memberPids.every((pid) => Number.isInteger(pid) && alive(pid))).toBe(true);
    expect(out).toContain(`status page: ${urls[0]}/   (JSON: ${urls[0]}/cluster/status)`);
    const put = out.find((l) => l.startsWith('  curl -X PUT '));
    const get = out.find((l) => l.startsWith('  curl http'));
    // Do what the sample curls say.
    const putUrl = /curl -X PUT (http:\S+)\/kv\/greeting/.exec(put ?? '')?.[1];
    const getUrl = /curl (http:\S+)\/kv\/greeting/.exec(get ?? '')?.[1];
    expect(putUrl).toBeDefined();
    expect(getUrl).not.toBe(putUrl);
    expect((await putKey(putUrl as string, 'greeting', 'hello')).status).toBe(200);
    expect((await getKey(getUrl as string, 'greeting')).body).toMatchObject({ key: 'greeting', value: 'hello' });

    child.kill('SIGINT');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(out.at(-1)).toBe('stopped');
    expect(out).toContain('SIGINT: stopping 3 members');
    await eventually('members gone', 5_000, async () => (memberPids.every((pid) => !alive(pid)) ? true : undefined));
    expect(err.filter((l) => l.startsWith('error'))).toEqual([]);
  });

  it('refuses a bad flag with a clear message and exit code 2', async () => {
    const bad = spawn(process.execPath, [cli, '--nodes', '12'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    bad.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    expect(await exitOf(bad)).toEqual({ code: 2, signal: null });
    expect(stderr).toBe('error: --nodes must be an integer from 1 to 9, got "12" (see --help)\n');
  });
});
