import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { LauncherError } from './launcher-error.js';
import { type MemberExit, MemberProcess } from './member-process.js';
import { type MemberStatus, fetchMemberStatus } from './status-client.js';

/** Options of {@link startCluster}. */
export interface StartClusterOptions {
  /** How many members, 1–9; required. Their ids are `n1` … `n<nodes>`. */
  readonly nodes: number;
  /** The first member's port; member i listens on `basePort + i - 1`. Default 7001. */
  readonly basePort?: number;
  /** Where every member listens (`HOST`). Default `'127.0.0.1'`. */
  readonly host?: string;
  /** Each member keeps its log and snapshots in `<dataDir>/<id>`; required. Created if missing. Members get it as `DATA_DIR` (the app adds the id). */
  readonly dataDir: string;
  /** The cluster token (`CLUSTER_TOKEN`), at least 16 characters. Default: 48 random hex characters. */
  readonly token?: string;
  /** Enables the members' fault hook (`BULWARK_FAULTS=1`, for `PUT /cluster/faults`). Default false. */
  readonly faults?: boolean;
  /** More environment for every member (for example `TICK_MS`); the launcher's own variables win. */
  readonly env?: Readonly<Record<string, string>>;
  /** Receives the members' output, each line prefixed with `[<id>] `. Default: standard output. */
  readonly log?: (line: string) => void;
  /** The script each member runs with this Node. Default: the built app, `apps/cluster/dist/main.js`. */
  readonly entry?: string;
  /** How long a member may take to print its `ready` line. Default 30000. */
  readonly readyTimeoutMs?: number;
  /** How long {@link ClusterHandle.stop} waits after SIGTERM before SIGKILL. Default 5000. */
  readonly stopGraceMs?: number;
}

/** One member as the launcher sees it. `pid` is `undefined` while its process is not running. */
export interface ClusterMember {
  readonly id: string;
  readonly url: string;
  readonly pid: number | undefined;
  /** True while it is stopped by {@link ClusterHandle.pause}. */
  readonly paused: boolean;
}

/** A running cluster of member processes; see {@link startCluster}. */
export interface ClusterHandle {
  /** The members in id order, as of this read (a restarted member has a new `pid`). */
  readonly members: ReadonlyArray<ClusterMember>;
  /** The cluster token the members were given (for the operator API). */
  readonly token: string;
  /** The absolute data directory; member `id` keeps its data in `<dataDir>/<id>`. */
  readonly dataDir: string;
  /**
   * Polls `GET /cluster/status` of the running, unpaused members (every 100 ms, each request
   * bounded by 1 s) until one says it is the leader and a majority of all members report that
   * leader in its term (itself included).
   *
   * @param timeoutMs default 15000
   * @param options `signal` gives up early (rejecting with the signal's reason)
   * @throws {LauncherError} `'noLeader'` after `timeoutMs`, with what each member last said
   */
  waitForLeader(timeoutMs?: number, options?: { readonly signal?: AbortSignal }): Promise<{ id: string; url: string }>;
  /**
   * Signals the member (default SIGKILL) and resolves once it exited. Other signals are
   * followed by SIGKILL after `stopGraceMs`; a paused member is continued so it can act on them.
   *
   * @throws {LauncherError} `'unknownMember'`; `'notRunning'`
   */
  kill(id: string, signal?: NodeJS.Signals): Promise<void>;
  /**
   * Starts the member again with the same port, environment and data directory, and resolves
   * once it is ready. A member still running is stopped first (SIGTERM, then SIGKILL).
   *
   * @throws {LauncherError} `'unknownMember'`; `'memberExited'` / `'readyTimeout'` as at start
   */
  restart(id: string): Promise<void>;
  /** SIGSTOP: the member freezes mid-whatever, sockets open. @throws {LauncherError} `'unknownMember'`; `'notRunning'` */
  pause(id: string): void;
  /** SIGCONT after {@link ClusterHandle.pause}. @throws {LauncherError} `'unknownMember'`; `'notRunning'` */
  resume(id: string): void;
  /** SIGTERM to every running member, SIGKILL to those still alive after `stopGraceMs`; resolves when all exited. Safe to call twice. */
  stop(): Promise<void>;
}

const MAX_NODES = 9;
const POLL_INTERVAL_MS = 100;
const STATUS_TIMEOUT_MS = 1_000;

/** The built app, from this file's place: `<app>/src/launcher/` in tests, `<app>/dist/launcher/` when built. */
export const defaultEntry: string = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/**
 * Starts a cluster of `nodes` members of apps/cluster, each its own Node process, on
 * consecutive ports of one host, and resolves once every member printed `ready <id> <url>`
 * (call {@link ClusterHandle.waitForLeader} next). Every member gets `NODE_ID`, `PORT`, `HOST`,
 * `PEERS` (all members, `id=url,…`), `DATA_DIR` (`dataDir`: the app keeps its data in
 * `DATA_DIR/<NODE_ID>`), `CLUSTER_TOKEN` and, with `faults`,
 * `BULWARK_FAULTS=1`. If a member fails to start, the others are stopped and the error thrown.
 * The members are killed if this process exits without stopping them.
 *
 * @example
 * const cluster = await startCluster({ nodes: 3, basePort: 7001, dataDir: '.data' });
 * const leader = await cluster.waitForLeader();
 * await fetch(`${leader.url}/kv/greeting`, { method: 'PUT', body: JSON.stringify({ value: 'hi' }), headers: { 'content-type': 'application/json' } });
 * await cluster.kill(leader.id); // SIGKILL
 * await cluster.waitForLeader(); // a new one
 * await cluster.restart(leader.id);
 * await cluster.stop();
 * @throws {LauncherError} `'invalidOptions'` (the option is named), `'memberExited'`, `'readyTimeout'`
 */
export async function startCluster(options: StartClusterOptions): Promise<ClusterHandle> {
  const settings = validate(options);
  const ids = Array.from({ length: settings.nodes }, (_, i) => `n${i + 1}`);
  const hostInUrl = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const urls = ids.map((_, i) => `http://${hostInUrl}:${settings.basePort + i}`);
  const peers = ids.map((id, i) => `${id}=${urls[i]}`).join(',');
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, ...settings.env };
  delete baseEnv['BULWARK_FAULTS'];
  mkdirSync(settings.dataDir, { recursive: true });
  const members = ids.map((id, i) => {
    return new MemberProcess({
      id,
      url: urls[i] as string,
      command: process.execPath,
      args: [settings.entry],
      env: {
        ...baseEnv,
        NODE_ID: id,
        PORT: String(settings.basePort + i),
        HOST: settings.host,
        PEERS: peers,
        DATA_DIR: settings.dataDir,
        CLUSTER_TOKEN: settings.token,
        ...(settings.faults ? { BULWARK_FAULTS: '1' } : {}),
      },
      log: settings.log,
      readyTimeoutMs: settings.readyTimeoutMs,
    });
  });
  const handle = new Cluster(members, settings.token, settings.dataDir, settings.stopGraceMs);
  // The first member to fail stops the rest at once (their own starts then fail too, unreported).
  let failure = undefined as { readonly error: unknown } | undefined;
  await Promise.all(
    members.map((m) =>
      m.start().catch(async (error: unknown) => {
        if (failure !== undefined) return;
        failure = { error };
        await handle.stop();
      }),
    ),
  );
  if (failure !== undefined) {
    await handle.stop();
    throw failure.error;
  }
  return handle;
}

interface Settings {
  readonly nodes: number;
  readonly basePort: number;
  readonly host: string;
  readonly dataDir: string;
  readonly token: string;
  readonly faults: boolean;
  readonly env: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
  readonly entry: string;
  readonly readyTimeoutMs: number;
  readonly stopGraceMs: number;
}

function invalid(message: string): LauncherError {
  return new LauncherError('invalidOptions', message);
}

function validate(options: StartClusterOptions): Settings {
  const { nodes, basePort = 7001, host = '127.0.0.1', dataDir, faults = false, env = {}, readyTimeoutMs = 30_000, stopGraceMs = 5_000 } = options;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES) throw invalid(`nodes must be an integer from 1 to ${MAX_NODES}, got ${String(nodes)}`);
  if (!Number.isInteger(basePort) || basePort < 1 || basePort + nodes - 1 > 65_535) {
    throw invalid(`basePort must be an integer from 1 to ${65_536 - nodes} (for ${nodes} members), got ${String(basePort)}`);
  }
  if (typeof host !== 'string' || host === '') throw invalid(`host must be a non-empty string, got ${JSON.stringify(host)}`);
  if (typeof dataDir !== 'string' || dataDir === '') throw invalid(`dataDir must be a non-empty path, got ${JSON.stringify(dataDir)}`);
  const token = options.token ?? randomBytes(24).toString('hex');
  if (typeof token !== 'string' || token.length < 16) throw invalid('token must be a string of at least 16 characters');
  for (const [name, value] of Object.entries(env)) {
    if (typeof value !== 'string') throw invalid(`env.${name} must be a string, got ${typeof value}`);
  }
  for (const [name, value] of [['readyTimeoutMs', readyTimeoutMs], ['stopGraceMs', stopGraceMs]] as const) {
    if (!Number.isFinite(value) || value < 0) throw invalid(`${name} must be a finite number ≥ 0, got ${String(value)}`);
  }
  const entry = resolve(options.entry ?? defaultEntry);
  if (!existsSync(entry)) {
    throw invalid(
      options.entry === undefined
        ? `the cluster app is not built (${entry} is missing): run \`npx nx run cluster:build\` first`
        : `entry ${entry} does not exist`,
    );
  }
  const log = options.log ?? ((line: string) => void process.stdout.write(`${line}\n`));
  return { nodes, basePort, host, dataDir: resolve(dataDir), token, faults, env, log, entry, readyTimeoutMs, stopGraceMs };
}

/** The {@link ClusterHandle} behind {@link startCluster}. */
class Cluster implements ClusterHandle {
  readonly #members: readonly MemberProcess[];
  readonly #graceMs: number;
  readonly token: string;
  readonly dataDir: string;

  constructor(members: readonly MemberProcess[], token: string, dataDir: string, graceMs: number) {
    this.#members = members;
    this.token = token;
    this.dataDir = dataDir;
    this.#graceMs = graceMs;
  }

  get members(): ReadonlyArray<ClusterMember> {
    return this.#members.map((m) => Object.freeze({ id: m.spec.id, url: m.spec.url, pid: m.pid, paused: m.paused }));
  }

  async waitForLeader(timeoutMs = 15_000, options: { readonly signal?: AbortSignal } = {}): Promise<{ id: string; url: string }> {
    const { signal } = options;
    const deadline = Date.now() + timeoutMs;
    const majority = Math.floor(this.#members.length / 2) + 1;
    // What each member said last; a poll cut short by the deadline does not overwrite an answer.
    const lastSeen = new Map<MemberProcess, MemberStatus | 'no answer'>();
    for (;;) {
      signal?.throwIfAborted();
      const polled = this.#members.filter((m) => m.running && !m.paused);
      const timeout = Math.min(STATUS_TIMEOUT_MS, Math.max(1, deadline - Date.now()));
      const answers = await Promise.all(polled.map((m) => fetchMemberStatus(m.spec.url, timeout)));
      polled.forEach((m, i) => {
        const answer = answers[i];
        if (answer !== undefined) lastSeen.set(m, answer);
        else if (timeout === STATUS_TIMEOUT_MS || !lastSeen.has(m)) lastSeen.set(m, 'no answer');
      });
      const statuses = answers.filter((s): s is MemberStatus => s !== undefined);
      const leaders = statuses.filter((s) => s.role === 'leader').sort((a, b) => b.term - a.term);
      for (const leader of leaders) {
        const agreeing = statuses.filter((s) => s.id === leader.id || (s.leader === leader.id && s.term === leader.term)).length;
        const member = this.#members.find((m) => m.spec.id === leader.id);
        if (agreeing >= majority && member !== undefined) return { id: member.spec.id, url: member.spec.url };
      }
      if (Date.now() >= deadline) break;
      try {
        await sleep(Math.min(POLL_INTERVAL_MS, Math.max(0, deadline - Date.now())), undefined, signal === undefined ? undefined : { signal });
      } catch (error) {
        signal?.throwIfAborted(); // with the signal's own reason
        throw error;
      }
    }
    const seen = this.#members.map((m) => {
      if (!m.running) return `${m.spec.id} not running`;
      if (m.paused) return `${m.spec.id} paused`;
      const status = lastSeen.get(m);
      return status === undefined || status === 'no answer' ? `${m.spec.id} did not answer` : `${m.spec.id} ${status.role} in term ${status.term} (leader ${status.leader ?? 'none'})`;
    });
    throw new LauncherError('noLeader', `no leader agreed on by a majority (${majority} of ${this.#members.length}) within ${timeoutMs} ms; last seen: ${seen.join(', ')}`);
  }

  async kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const member = this.#member(id);
    if (!member.running) throw new LauncherError('notRunning', `member ${id} is not running`, id);
    await member.kill(signal, this.#graceMs);
  }

  async restart(id: string): Promise<void> {
    const member = this.#member(id);
    if (member.running) await member.kill('SIGTERM', this.#graceMs);
    await member.start();
  }

  pause(id: string): void {
    this.#member(id).pause();
  }

  resume(id: string): void {
    this.#member(id).resume();
  }

  async stop(): Promise<void> {
    const exits: Array<Promise<MemberExit | undefined>> = this.#members.map((m) => m.kill('SIGTERM', this.#graceMs));
    await Promise.all(exits);
  }

  #member(id: string): MemberProcess {
    const member = this.#members.find((m) => m.spec.id === id);
    if (member === undefined) {
      throw new LauncherError('unknownMember', `no member ${JSON.stringify(id)}; the members are ${this.#members.map((m) => m.spec.id).join(', ')}`, id);
    }
    return member;
  }
}
