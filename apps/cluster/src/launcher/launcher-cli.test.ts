import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePortRange } from './free-ports.js';
import { banner, runLauncherCli } from './launcher-cli.js';
import { launcherUsage } from './launcher-args.js';

const standIn = fileURLToPath(new URL('./test-fixtures/stand-in-member.mjs', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bulwark-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI on the stand-in; `when(text)` resolves once a line containing `text` was printed. */
async function run(args: string[], env: Record<string, string>, extra: { leaderTimeoutMs?: number } = {}) {
  const base = await findFreePortRange(2);
  const out: string[] = [];
  const err: string[] = [];
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  const print = (line: string): void => {
    out.push(line);
    for (const w of waiters.filter((w) => line.includes(w.text))) w.resolve();
  };
  const signals = new EventEmitter();
  const exit = runLauncherCli({
    argv: ['--nodes', '2', '--base-port', String(base), '--data-dir', dir, ...args],
    out: print,
    err: (line) => err.push(line),
    signals,
    cluster: { entry: standIn, env, token: 'cli-test-token-0123456789' },
    ...extra,
  });
  const when = (text: string): Promise<void> =>
    out.some((line) => line.includes(text)) ? Promise.resolve() : new Promise((resolve) => waiters.push({ text, resolve }));
  return { base, out, err, signals, exit, when };
}

describe('runLauncherCli', () => {
  it('prints the members, the status page and sample curls once there is a leader, and stops them all on SIGINT', async () => {
    const { base, out, err, signals, exit, when } = await run([], { STANDIN_LEADER: 'n2' });
    await when('Ctrl-C stops every member.');
    expect(signals.listenerCount('SIGINT')).toBe(1);
    signals.emit('SIGINT');
    expect(await exit).toBe(0);
    const a = `http://127.0.0.1:${base}`;
    const b = `http://127.0.0.1:${base + 1}`;
    expect(out[0]).toBe(`starting 2 members on 127.0.0.1:${base}-${base + 1}, data under ${dir}/`);
    expect(out).toEqual(
      expect.arrayContaining([
        'Bulwark cluster: 2 members, leader n2',
        expect.stringMatching(new RegExp(`^ {2}n1 {2}${a} {2}pid \\d+$`)),
        expect.stringMatching(new RegExp(`^ {2}n2 {2}${b} {2}pid \\d+ {2}\\(leader\\)$`)),
        `status page: ${a}/   (JSON: ${a}/cluster/status)`,
        `  curl -X PUT ${b}/kv/greeting -H 'content-type: application/json' -d '{"value":"hello"}'`,
        `  curl ${a}/kv/greeting`,
        `[n1] ready n1 ${a}`,
        'SIGINT: stopping 2 members',
        '[n1] exited (code 0)',
        '[n2] exited (code 0)',
      ]),
    );
    expect(out.at(-1)).toBe('stopped');
    expect(err).toEqual([]);
    expect([signals.listenerCount('SIGINT'), signals.listenerCount('SIGTERM')]).toEqual([0, 0]);
  });

  it('stops on SIGTERM while it still waits for a leader, without waiting out the timeout', async () => {
    const { out, signals, exit, when } = await run([], { STANDIN_LEADER: 'none' }, { leaderTimeoutMs: 600_000 });
    await when('ready n2');
    await when('ready n1');
    signals.emit('SIGTERM');
    signals.emit('SIGINT');
    expect(await exit).toBe(0);
    expect(out).toEqual(expect.arrayContaining(['SIGINT again: already stopping', 'SIGTERM: stopping 2 members', '[n2] exited (code 0)', 'stopped']));
    expect(out.some((line) => line.startsWith('Bulwark cluster'))).toBe(false);
  });

  it('exits 1 when no leader is elected in time, after stopping the members', async () => {
    const { out, err, exit } = await run([], { STANDIN_LEADER: 'none' }, { leaderTimeoutMs: 300 });
    expect(await exit).toBe(1);
    expect(err).toEqual([expect.stringMatching(/^error: no leader agreed on by a majority \(2 of 2\) within 300 ms/)]);
    expect(out).toEqual(expect.arrayContaining(['[n1] exited (code 0)', '[n2] exited (code 0)']));
  });

  it('exits 1 when a member does not start, naming it', async () => {
    const { err, exit } = await run([], { STANDIN_MODE_n1: 'exit-before-ready' });
    expect(await exit).toBe(1);
    expect(err).toEqual([expect.stringMatching(/^error: member n1 exited \(code 3\) before it was ready/)]);
  });

  it('exits 0 when a signal cut the start short (Ctrl-C reaches the members too)', async () => {
    const { out, err, signals, exit } = await run([], { STANDIN_MODE: 'exit-before-ready' });
    signals.emit('SIGINT');
    expect(await exit).toBe(0);
    expect(out.at(-1)).toBe('SIGINT: stopped');
    expect(err).toEqual([]);
  });

  it('prints the usage for --help and refuses bad flags with exit code 2', async () => {
    const signals = new EventEmitter();
    const out: string[] = [];
    const err: string[] = [];
    const opts = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), signals };
    expect(await runLauncherCli({ ...opts, argv: ['--help'] })).toBe(0);
    expect(out).toEqual([launcherUsage]);
    expect(await runLauncherCli({ ...opts, argv: ['--nodes', '10'] })).toBe(2);
    expect(err).toEqual(['error: --nodes must be an integer from 1 to 9, got "10" (see --help)']);
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });
});

describe('banner', () => {
  it('points the sample write at the leader and the read at a follower', () => {
    const members = [
      { id: 'n1', url: 'http://h:1', pid: 11, paused: false },
      { id: 'n2', url: 'http://h:2', pid: undefined, paused: false },
    ];
    expect(banner({ members, dataDir: '/d' }, 'n1')).toEqual([
      'Bulwark cluster: 2 members, leader n1',
      '  n1  http://h:1  pid 11  (leader)',
      '  n2  http://h:2  pid undefined',
      'status page: http://h:1/   (JSON: http://h:1/cluster/status)',
      'data: /d/<id>',
      'try:',
      `  curl -X PUT http://h:1/kv/greeting -H 'content-type: application/json' -d '{"value":"hello"}'`,
      '  curl http://h:2/kv/greeting',
      'Ctrl-C stops every member.',
    ]);
    expect(banner({ members: [members[0] as (typeof members)[0]], dataDir: '/d' }, 'n1')).toContain('  curl http://h:1/kv/greeting');
  });
});
