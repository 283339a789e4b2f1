import { get } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePortRange } from './free-ports.js';
import { isLauncherError } from './launcher-error.js';
import { type ClusterHandle, type StartClusterOptions, defaultEntry, startCluster } from './start-cluster.js';

const standIn = fileURLToPath(new URL('./test-fixtures/stand-in-member.mjs', import.meta.url));
const token = 'test-token-0123456789';

let dir: string;
let lines: string[];
const handles: ClusterHandle[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bulwark-launcher-'));
  lines = [];
});

afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.stop()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(options: Partial<StartClusterOptions> & { env?: Record<string, string> } = {}): Promise<ClusterHandle> {
  const basePort = await findFreePortRange(options.nodes ?? 3);
  const handle = await startCluster({ nodes: 3, basePort, dataDir: dir, token, entry: standIn, log: (line) => lines.push(line), ...options });
  handles.push(handle);
  return handle;
}

function getJson(url: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(JSON.parse(body) as Record<string, unknown>));
    }).on('error', reject);
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('startCluster', () => {
  it('starts one process per member on consecutive ports with the environment of the contract', async () => {
    const cluster = await start({ faults: true, env: { STANDIN_EXTRA: 'extra' } });
    const members = cluster.members;
    const base = Number(new URL(members[0]?.url ?? '').port);
    expect(members.map((m) => m.id)).toEqual(['n1', 'n2', 'n3']);
    expect(members.map((m) => m.url)).toEqual([0, 1, 2].map((i) => `http://127.0.0.1:${base + i}`));
    expect(new Set(members.map((m) => m.pid)).size).toBe(3);
    expect(members.every((m) => typeof m.pid === 'number' && !m.paused)).toBe(true);
    expect(cluster.token).toBe(token);
    expect(cluster.dataDir).toBe(dir);
    const peers = members.map((m) => `${m.id}=${m.url}`).join(',');
    for (const [i, m] of members.entries()) {
      expect(await getJson(`${m.url}/env`)).toEqual({
        NODE_ID: m.id,
        PORT: String(base + i),
        HOST: '127.0.0.1',
        PEERS: peers,
        DATA_DIR: dir,
        CLUSTER_TOKEN: token,
        BULWARK_FAULTS: '1',
        STANDIN_EXTRA: 'extra',
      });
      expect(readFileSync(join(dir, m.id, 'starts'), 'utf8')).toBe(`${m.pid}\n`);
    }
    // Every line of a member's stdout and stderr is forwarded with its id in front.
    expect(lines).toContain(`[n2] ready n2 http://127.0.0.1:${base + 1}`);
    expect(lines).toContain('[n3] stand-in n3 says hello on stderr');

    await cluster.stop();
    expect(cluster.members.map((m) => m.pid)).toEqual([undefined, undefined, undefined]);
    // SIGTERM first: each member stopped on its own, exit code 0.
    for (const id of ['n1', 'n2', 'n3']) expect(lines).toEqual(expect.arrayContaining([`[${id}] stopping`, `[${id}] exited (code 0)`]));
    await cluster.stop(); // twice is fine
  });

  it('generates a token, drops an inherited BULWARK_FAULTS without `faults`, and resolves the data directory', async () => {
    const cluster = await start({ nodes: 1, token: undefined, env: { BULWARK_FAULTS: '1' }, dataDir: join(dir, 'nested', '..', 'data') });
    const env = await getJson(`${cluster.members[0]?.url}/env`);
    expect(cluster.token).toMatch(/^[0-9a-f]{48}$/);
    expect(env['CLUSTER_TOKEN']).toBe(cluster.token);
    expect(env['BULWARK_FAULTS']).toBeNull();
    expect(env['DATA_DIR']).toBe(join(dir, 'data'));
    expect(existsSync(join(dir, 'data', 'n1', 'starts'))).toBe(true);
  });

  it('waits for a leader that a majority reports, and none while the leader is killed, until it is restarted', async () => {
    const cluster = await start({ env: { STANDIN_LEADER: 'n2' } });
    expect(await cluster.waitForLeader()).toEqual({ id: 'n2', url: cluster.members[1]?.url });

    const oldPid = cluster.members[1]?.pid;
    await cluster.kill('n2');
    expect(cluster.members[1]?.pid).toBeUndefined();
    expect(lines).toContain('[n2] exited (SIGKILL)');
    const error = await rejection(cluster.waitForLeader(1_500));
    expect(isLauncherError(error) && error.reason === 'noLeader').toBe(true);
    expect((error as Error).message).toMatch(/majority \(2 of 3\) within 1500 ms; last seen: n1 follower in term 1 \(leader n2\), n2 not running, n3 follower/);
    expect(isLauncherError(await rejection(cluster.kill('n2')))).toBe(true);

    await cluster.restart('n2');
    const newPid = cluster.members[1]?.pid;
    expect(newPid).toEqual(expect.any(Number));
    expect(newPid).not.toBe(oldPid);
    // Same data directory as before: the stand-in appended its second start there.
    expect(readFileSync(join(dir, 'n2', 'starts'), 'utf8')).toBe(`${oldPid}\n${newPid}\n`);
    expect((await cluster.waitForLeader()).id).toBe('n2');
  });

  it('gives up waiting for a leader when its signal aborts', async () => {
    const cluster = await start({ nodes: 1, env: { STANDIN_LEADER: 'none' } });
    const abort = new AbortController();
    const waiting = cluster.waitForLeader(600_000, { signal: abort.signal });
    abort.abort(new Error('enough'));
    await expect(waiting).rejects.toThrow('enough');
  });

  it('ignores a leader that only a minority follows', async () => {
    const cluster = await start({ env: { STANDIN_LEADER: 'none', STANDIN_LEADER_n1: 'n1' } });
    const error = await rejection(cluster.waitForLeader(1_500));
    expect((error as Error).message).toMatch(/n1 leader in term 1 \(leader n1\), n2 follower in term 1 \(leader none\)/);
  });

  it('takes the leader of the highest term when two claim it', async () => {
    const cluster = await start({ env: { STANDIN_LEADER: 'n3', STANDIN_TERM: '5', STANDIN_LEADER_n1: 'n1', STANDIN_TERM_n1: '4' } });
    expect((await cluster.waitForLeader()).id).toBe('n3');
  });

  it('pauses and resumes members with SIGSTOP and SIGCONT', async () => {
    const cluster = await start({ env: { STANDIN_LEADER: 'n1' } });
    cluster.pause('n3');
    expect(cluster.members.map((m) => m.paused)).toEqual([false, false, true]);
    // Two of three still agree on n1.
    expect((await cluster.waitForLeader()).id).toBe('n1');

    cluster.pause('n1');
    const error = await rejection(cluster.waitForLeader(1_500));
    expect((error as Error).message).toMatch(/n1 paused, n2 follower in term 1 \(leader n1\), n3 paused/);
    cluster.resume('n1');
    expect((await cluster.waitForLeader()).id).toBe('n1');

    // A paused member is continued on stop, so it still stops gracefully.
    await cluster.stop();
    expect(lines).toEqual(expect.arrayContaining(['[n3] stopping', '[n3] exited (code 0)']));
  });

  it('kills with the given signal, and restarts a running member by stopping it first', async () => {
    const cluster = await start({ nodes: 2 });
    await cluster.kill('n1', 'SIGTERM');
    expect(lines).toEqual(expect.arrayContaining(['[n1] stopping', '[n1] exited (code 0)']));
    const pid = cluster.members[1]?.pid;
    await cluster.restart('n2');
    expect(lines).toContain('[n2] stopping');
    expect(cluster.members[1]?.pid).not.toBe(pid);
    expect(cluster.members[1]?.pid).toEqual(expect.any(Number));
  });

  it('sends SIGKILL to a member still running stopGraceMs after SIGTERM', async () => {
    // One member: another, stopping gracefully, might still be busy after 200 ms on a loaded machine.
    const cluster = await start({ nodes: 1, stopGraceMs: 200, env: { STANDIN_MODE: 'ignore-sigterm' } });
    await cluster.stop();
    expect(lines).toEqual(expect.arrayContaining(['[n1] ignoring SIGTERM', '[n1] still running 200 ms after SIGTERM: sending SIGKILL', '[n1] exited (SIGKILL)']));
    expect(cluster.members.map((m) => m.pid)).toEqual([undefined]);
  });

  it('reports a member that exits before it is ready, quoting its output, and stops the others', async () => {
    const error = await rejection(start({ env: { STANDIN_MODE_n2: 'exit-before-ready' } }));
    expect(isLauncherError(error)).toBe(true);
    expect(error).toMatchObject({ reason: 'memberExited', memberId: 'n2' });
    expect((error as Error).message).toMatch(/member n2 exited \(code 3\) before it was ready; its last output:\n {2}stand-in n2: refusing to start/);
    // The others were stopped (SIGTERM may reach them before their handler is installed: any exit will do).
    for (const id of ['n1', 'n3']) expect(lines.some((line) => line.startsWith(`[${id}] exited (`))).toBe(true);
  });

  it('gives up on a member that never prints its ready line', async () => {
    const error = await rejection(start({ nodes: 1, readyTimeoutMs: 300, env: { STANDIN_MODE: 'never-ready' } }));
    expect(error).toMatchObject({ reason: 'readyTimeout', memberId: 'n1' });
    // What it printed by then depends on how fast it booted (the tail is checked with the early exit above).
    expect((error as Error).message).toMatch(/^member n1 printed no "ready n1 <url>" line within 300 ms; (its last output:\n {2}stand-in n1 says hello|it printed nothing)/);
    expect(lines).toContain('[n1] exited (SIGKILL)');
  });

  it('names unknown and stopped members', async () => {
    const cluster = await start({ nodes: 1 });
    for (const act of [() => cluster.pause('n9'), () => cluster.resume('x')]) {
      expect(() => act()).toThrow(/no member "(n9|x)"; the members are n1/);
    }
    expect(await rejection(cluster.kill('n2'))).toMatchObject({ reason: 'unknownMember', memberId: 'n2' });
    expect(await rejection(cluster.restart('n2'))).toMatchObject({ reason: 'unknownMember' });
    await cluster.kill('n1');
    expect(() => cluster.pause('n1')).toThrow('member n1 is not running');
    expect(() => cluster.resume('n1')).toThrow('member n1 is not running');
    expect(await rejection(cluster.kill('n1'))).toMatchObject({ reason: 'notRunning', memberId: 'n1' });
  });

  it('validates its options, naming each', async () => {
    const base: StartClusterOptions = { nodes: 3, dataDir: dir, entry: standIn };
    const cases: Array<[Partial<StartClusterOptions>, RegExp]> = [
      [{ nodes: 0 }, /^nodes must be an integer from 1 to 9, got 0$/],
      [{ nodes: 10 }, /^nodes must be an integer from 1 to 9, got 10$/],
      [{ nodes: 1.5 }, /nodes must be an integer/],
      [{ basePort: 0 }, /^basePort must be an integer from 1 to 65533 \(for 3 members\), got 0$/],
      [{ basePort: 65_534 }, /basePort must be/],
      [{ host: '' }, /^host must be a non-empty string/],
      [{ dataDir: '' }, /^dataDir must be a non-empty path/],
      [{ token: 'short' }, /^token must be a string of at least 16 characters$/],
      [{ env: { TICK_MS: 5 as unknown as string } }, /^env.TICK_MS must be a string, got number$/],
      [{ readyTimeoutMs: -1 }, /^readyTimeoutMs must be a finite number ≥ 0, got -1$/],
      [{ stopGraceMs: Number.NaN }, /^stopGraceMs must be/],
      [{ entry: join(dir, 'missing.js') }, /^entry .*missing\.js does not exist$/],
    ];
    for (const [override, message] of cases) {
      const error = await rejection(startCluster({ ...base, ...override }));
      expect(isLauncherError(error) && error.reason === 'invalidOptions').toBe(true);
      expect((error as Error).message).toMatch(message);
    }
    expect(lines).toEqual([]);
  });

  it('runs the built app by default', () => {
    expect(defaultEntry.endsWith(join('apps', 'cluster', 'dist', 'main.js'))).toBe(true);
  });
});
