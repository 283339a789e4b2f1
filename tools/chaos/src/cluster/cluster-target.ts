/**
 * The nemesis's view of a cluster started by apps/cluster's launcher: processes through the
 * launcher's handle (SIGKILL and restart, SIGSTOP and SIGCONT), peer links through each
 * member's fault hook (`PUT` and `DELETE /cluster/faults` with the cluster token; the members
 * run with `BULWARK_FAULTS=1`).
 */
import { request } from 'node:http';
import type { FaultRule, NemesisTarget } from '../nemesis/nemesis.js';

/**
 * The part of the launcher's `ClusterHandle` (apps/cluster/src/launcher) the chaos run uses,
 * written out here so the run and its tests depend on the shape, not on the app.
 */
export interface ChaosCluster {
  readonly members: ReadonlyArray<{ readonly id: string; readonly url: string; readonly pid: number | undefined }>;
  waitForLeader(timeoutMs?: number): Promise<{ readonly id: string; readonly url: string }>;
  kill(id: string, signal?: NodeJS.Signals): Promise<void>;
  restart(id: string): Promise<void>;
  pause(id: string): void;
  resume(id: string): void;
  stop(): Promise<void>;
}

/** Options of {@link clusterTarget}. */
export interface ClusterTargetOptions {
  /** The cluster token (`authorization: Bearer <token>`). Required. */
  readonly token: string;
  /** Timeout of one fault-hook request, in ms. Default 2000. */
  readonly timeoutMs?: number;
  /** How long a `leader` target waits for a leader a majority agrees on (an election may be under way), in ms. Default 10 000. */
  readonly leaderTimeoutMs?: number;
}

/**
 * Sends one JSON request and resolves with the status; rejects on a connection error or after
 * `timeoutMs`.
 */
export function sendJson(url: string, method: string, options: { readonly token?: string; readonly body?: unknown; readonly timeoutMs: number }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string | number> = {};
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    const req = request(url, { method, headers, agent: false, timeout: options.timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 64 * 1024) body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${options.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * Wraps a launched cluster as a {@link NemesisTarget}. A fault-hook request that does not
 * answer 2xx rejects, naming the member and the status.
 *
 * @example
 * const target = clusterTarget(cluster, { token });
 * await target.setFaults('a', { partitioned: ['b', 'c'] });
 */
export function clusterTarget(cluster: ChaosCluster, options: ClusterTargetOptions): NemesisTarget {
  const timeoutMs = options.timeoutMs ?? 2000;
  const leaderTimeoutMs = options.leaderTimeoutMs ?? 10_000;
  const urlOf = (id: string): string => {
    const member = cluster.members.find((m) => m.id === id);
    if (member === undefined) throw new RangeError(`no member ${JSON.stringify(id)}`);
    return member.url;
  };
  const faults = async (id: string, method: 'PUT' | 'DELETE', body?: FaultRule): Promise<void> => {
    const { status, body: text } = await sendJson(new URL('/cluster/faults', urlOf(id)).href, method, { token: options.token, body, timeoutMs });
    if (status < 200 || status >= 300) throw new Error(`${method} /cluster/faults on ${id} answered ${status} ${text.slice(0, 200)}`);
  };
  return {
    members: cluster.members.map((m) => m.id),
    leader: async () => (await cluster.waitForLeader(leaderTimeoutMs)).id,
    kill: (id) => cluster.kill(id, 'SIGKILL'),
    restart: (id) => cluster.restart(id),
    pause: (id) => cluster.pause(id),
    resume: (id) => cluster.resume(id),
    setFaults: (id, rule) => faults(id, 'PUT', rule),
    clearFaults: (id) => faults(id, 'DELETE'),
  };
}
