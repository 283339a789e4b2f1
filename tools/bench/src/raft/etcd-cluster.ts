/**
 * A local etcd cluster for the raft suite: `nodes` etcd processes on 127.0.0.1, each with its
 * own client and peer port and data directory, started with a static initial cluster, stopped
 * with SIGTERM. The leader is found through the gateway's `POST /v3/maintenance/status`.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { postJson } from './http-json.js';

/** One etcd member. */
export interface EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly pid: number;
}

/** A running etcd cluster. */
export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  /** Polls the members until one is the leader a majority reports; resolves with it. */
  waitForLeader(timeoutMs?: number): Promise<EtcdMember>;
  /** SIGTERM to every member (SIGKILL after 5 s); resolves when all exited. */
  stop(): Promise<void>;
}

/** Options of {@link startEtcdCluster}. */
export interface EtcdClusterOptions {
  /** The etcd binary. Required (see {@link findEtcd}). */
  readonly binary: string;
  /** Members, 1–9. Required. */
  readonly nodes: number;
  /** Member i uses client port `basePort + 2i` and peer port `basePort + 2i + 1`. Required. */
  readonly basePort: number;
  /** Member data goes to `<dataDir>/<name>`. Required. */
  readonly dataDir: string;
  /** Receives the members' output lines, prefixed `[<name>] `. Default: dropped. */
  readonly log?: (line: string) => void;
}

/**
 * The etcd binary: `ETCD_BIN` if set, else the first `etcd` on `PATH`, else Debian's
 * `/usr/bin/etcd`; `undefined` if none exists (run tools/bench/scripts/install-etcd.sh).
 */
export function findEtcd(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.ETCD_BIN) return existsSync(env.ETCD_BIN) ? env.ETCD_BIN : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, 'etcd'))) return join(dir, 'etcd');
  }
  return existsSync('/usr/bin/etcd') ? '/usr/bin/etcd' : undefined;
}

/** `etcd --version`'s first line's version, e.g. `3.4.23`, or `?`. */
export function etcdVersion(binary: string): string {
  try {
    const text = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    return /etcd Version:\s*(\S+)/.exec(text)?.[1] ?? '?';
  } catch {
    return '?';
  }
}

/** The command-line flags of member `i` of a cluster. */
export function etcdArgs(options: Pick<EtcdClusterOptions, 'nodes' | 'basePort' | 'dataDir'>, i: number): string[] {
  const name = (k: number): string => `e${k + 1}`;
  const client = (k: number): string => `http://127.0.0.1:${options.basePort + 2 * k}`;
  const peer = (k: number): string => `http://127.0.0.1:${options.basePort + 2 * k + 1}`;
  const initial = Array.from({ length: options.nodes }, (_, k) => `${name(k)}=${peer(k)}`).join(',');
  return [
    '--name', name(i),
    '--data-dir', join(options.dataDir, name(i)),
    '--listen-client-urls', client(i),
    '--advertise-client-urls', client(i),
    '--listen-peer-urls', peer(i),
    '--initial-advertise-peer-urls', peer(i),
    '--initial-cluster', initial,
    '--initial-cluster-state', 'new',
    '--initial-cluster-token', 'bulwark-bench',
    '--logger', 'zap',
    '--log-level', 'warn',
  ];
}

interface MemberStatus {
  readonly id: string | undefined;
  readonly leader: string | undefined;
}

/** Reads a member's status: its member id and the leader it knows (ids as decimal strings). */
async function memberStatus(url: string): Promise<MemberStatus> {
  const { status, body } = await postJson(`${url}/v3/maintenance/status`, {}, 1000);
  if (status !== 200) throw new Error(`${url}: status answered ${status}`);
  const parsed = JSON.parse(body) as { header?: { member_id?: unknown }; leader?: unknown };
  const str = (v: unknown): string | undefined => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
  return { id: str(parsed.header?.member_id), leader: str(parsed.leader) };
}

/**
 * Starts the members and resolves once they run (call {@link EtcdCluster.waitForLeader} next).
 *
 * @throws Error (rejection) when a member exits during start; the others are stopped
 */
export async function startEtcdCluster(options: EtcdClusterOptions): Promise<EtcdCluster> {
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 9) throw new RangeError(`startEtcdCluster: nodes must be 1–9, got ${String(options.nodes)}`);
  const log = options.log ?? ((): void => undefined);
  const children: ChildProcess[] = [];
  const exits: Promise<void>[] = [];
  const members: EtcdMember[] = [];
  let stopping = false;
  let failure: Error | undefined;
  await mkdir(options.dataDir, { recursive: true });
  for (let i = 0; i < options.nodes; i++) {
    const args = etcdArgs(options, i);
    const name = `e${i + 1}`;
    const child = spawn(options.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    exits.push(new Promise<void>((resolve) => child.once('exit', () => resolve())));
    child.once('exit', (code, signal) => {
      if (!stopping) failure ??= new Error(`etcd member ${name} exited (code ${String(code)}, signal ${String(signal)})`);
    });
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) log(`[${name}] ${line}`);
      });
    }
    if (child.pid === undefined) throw new Error(`etcd member ${name}: spawn of ${options.binary} failed`);
    members.push({ name, clientUrl: `http://127.0.0.1:${options.basePort + 2 * i}`, peerUrl: `http://127.0.0.1:${options.basePort + 2 * i + 1}`, pid: child.pid });
  }
  const stop = async (): Promise<void> => {
    stopping = true;
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, 5000);
    await Promise.all(exits);
    clearTimeout(timer);
  };
  const waitForLeader = async (timeoutMs = 30_000): Promise<EtcdMember> => {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (failure !== undefined) throw failure;
      const statuses = await Promise.all(
        members.map((m) =>
          memberStatus(m.clientUrl).catch((error: unknown): undefined => {
            last = String(error);
            return undefined;
          }),
        ),
      );
      const leaders = statuses.map((s) => s?.leader).filter((l): l is string => l !== undefined && l !== '0');
      for (const [i, s] of statuses.entries()) {
        if (s?.id !== undefined && s.id === s.leader && leaders.filter((l) => l === s.id).length > members.length / 2) return members[i];
      }
      if (statuses.some((s) => s !== undefined)) last = JSON.stringify(statuses);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`etcd: no leader within ${timeoutMs} ms (last: ${last})`);
  };
  return { members, waitForLeader, stop };
}
