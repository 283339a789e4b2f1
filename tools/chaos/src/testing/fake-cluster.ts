/**
 * An in-process stand-in for a launched cluster, for the tests of the chaos run: `members`
 * HTTP servers on ephemeral ports over one shared map (so, linearizable: each request is
 * applied whole on arrival), speaking the cluster's client API. `staleReadsOn` makes one
 * member answer reads from a copy that never changes, a planted bug the checker must find.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChaosCluster } from '../cluster/cluster-target.js';
import type { FaultRule, NemesisTarget } from '../nemesis/nemesis.js';

/** Options of {@link startFakeCluster}. */
export interface FakeClusterOptions {
  /** Member count (ids `n1` …). Default 3. */
  readonly members?: number;
  /** This member answers every read with the value the key had at start (none). */
  readonly staleReadsOn?: string;
  /** Every write answers this status instead of applying. */
  readonly writeStatus?: number;
  /** `waitForLeader` rejects (no leader). */
  readonly noLeader?: boolean;
}

/** A running fake cluster. */
export interface FakeCluster {
  readonly cluster: ChaosCluster;
  readonly target: NemesisTarget;
  /** What was done to it: `kill n1`, `set n2 {...}`, `stop`. */
  readonly calls: string[];
  /** Requests served per member. */
  readonly served: Record<string, number>;
  close(): Promise<void>;
}

function reply(res: ServerResponse, status: number, body?: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

/** Starts the fake members and resolves once they listen. */
export async function startFakeCluster(options: FakeClusterOptions = {}): Promise<FakeCluster> {
  const ids = Array.from({ length: options.members ?? 3 }, (_, i) => `n${i + 1}`);
  const store = new Map<string, string>();
  const calls: string[] = [];
  const served: Record<string, number> = Object.fromEntries(ids.map((id) => [id, 0]));
  let revision = 0;

  const handle = (id: string, req: IncomingMessage, res: ServerResponse, body: string): void => {
    served[id]++;
    const url = new URL(req.url ?? '/', 'http://x');
    const match = /^\/kv\/([^/]+)(\/cas)?$/.exec(url.pathname);
    if (match === null) return reply(res, 404, { error: 'no route' });
    const key = decodeURIComponent(match[1]);
    if (req.method === 'GET' && match[2] === undefined) {
      const value = id === options.staleReadsOn ? undefined : store.get(key);
      return value === undefined ? reply(res, 404, { error: 'not found' }) : reply(res, 200, { key, value, revision });
    }
    if (options.writeStatus !== undefined) return reply(res, options.writeStatus, { error: 'refused' });
    const input = body === '' ? {} : (JSON.parse(body) as { value?: string; expected?: string });
    if (req.method === 'PUT') {
      store.set(key, input.value ?? '');
      return reply(res, 200, { key, value: input.value, revision: ++revision });
    }
    if (req.method === 'DELETE') {
      store.delete(key);
      return reply(res, 204);
    }
    if (req.method === 'POST' && match[2] !== undefined) {
      if ((store.get(key) ?? '') !== input.expected) return reply(res, 409, { error: 'mismatch' });
      store.set(key, input.value ?? '');
      return reply(res, 200, { key, value: input.value, revision: ++revision });
    }
    return reply(res, 405, { error: 'method' });
  };

  const servers: Server[] = [];
  const members: Array<{ id: string; url: string; pid: number | undefined }> = [];
  for (const id of ids) {
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => handle(id, req, res, body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    servers.push(server);
    members.push({ id, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, pid: undefined });
  }
  const record = async (call: string): Promise<void> => {
    calls.push(call);
  };
  const cluster: ChaosCluster = {
    members,
    waitForLeader: async () => {
      if (options.noLeader) throw new Error('no leader (fake)');
      return { id: 'n1', url: members[0].url };
    },
    kill: (id) => record(`kill ${id}`),
    restart: (id) => record(`restart ${id}`),
    pause: (id) => void record(`pause ${id}`),
    resume: (id) => void record(`resume ${id}`),
    stop: () => record('stop'),
  };
  const target: NemesisTarget = {
    members: ids,
    leader: async () => 'n1',
    kill: cluster.kill,
    restart: cluster.restart,
    pause: cluster.pause,
    resume: cluster.resume,
    setFaults: (id, rule: FaultRule) => record(`set ${id} ${JSON.stringify(rule)}`),
    clearFaults: (id) => record(`clear ${id}`),
  };
  return {
    cluster,
    target,
    calls,
    served,
    close: async () => {
      await Promise.all(
        servers.map((s) => {
          const closed = new Promise<void>((resolve) => s.close(() => resolve()));
          s.closeAllConnections();
          return closed;
        }),
      );
    },
  };
}
