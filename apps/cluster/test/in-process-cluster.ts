// Test helper: N cluster members in this process, each a real Nest app on 127.0.0.1:0 with the
// real HttpTransport and peer handler between them, over in-memory storage. Raft's time is a
// ManualClock that only elect() advances, so no election happens unless a test calls
// campaign(): leadership is deterministic, and nothing depends on the machine's speed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpTransport, MemoryPersistentStorage, TransportFaults } from '@bulwark/core';
import { ManualClock, seededRandom } from '@bulwark/core/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ClusterConfig } from '../src/config/cluster-config.js';
import { ClusterRuntime } from '../src/cluster/cluster-runtime.js';
import { createClusterApp } from '../src/create-app.js';
import type { ClusterAppOptions } from '../src/create-app.js';

export const TOKEN = 'test-cluster-token-0123456789';
const TICK_MS = 10;
/** Raft's default `electionTick`: the election timeout is 10 to 20 ticks. */
const ELECTION_TICKS = 10;

export interface Member {
  readonly id: string;
  readonly runtime: ClusterRuntime;
  readonly app: NestExpressApplication;
  readonly url: string;
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface InProcessCluster {
  readonly members: readonly Member[];
  /** Raft's time: moved only by elect() (election timeouts), so leadership never changes by itself. */
  readonly clock: ManualClock;
  /** The transactions' and sagas' time (ticks, retries, deadlines): tests move it to drive them. */
  readonly servicesClock: ManualClock;
  member(id: string): Member;
  /** Makes `id` the leader (campaign) and waits until every member knows it. */
  elect(id: string): Promise<Member>;
  request(id: string, path: string, init?: RequestInit): Promise<Reply>;
  /** Stops one member (its node and its server); idempotent. */
  stopMember(id: string): Promise<void>;
  stop(): Promise<void>;
}

/** Polls `condition` every 5 ms for up to `timeoutMs` of real time (sockets are real here). */
export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function startInProcessCluster(
  ids: readonly string[],
  overrides: Partial<ClusterConfig> = {},
  /** More app options per member (say, the sagas' crash hook). */
  appOptions: (id: string) => Partial<ClusterAppOptions> = () => ({}),
): Promise<InProcessCluster> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const servicesClock = new ManualClock(Date.UTC(2026, 0, 1));
  const members: Member[] = [];
  // The transactions' participant logs are files: one temporary directory for the cluster.
  const transactionsRoot = mkdtempSync(join(tmpdir(), 'bulwark-in-process-'));
  for (const [i, id] of ids.entries()) {
    const config: ClusterConfig = {
      nodeId: id,
      host: '127.0.0.1',
      port: 0,
      peers: new Map(ids.map((peer) => [peer, 'http://127.0.0.1:1'])),
      dataDir: '/nonexistent',
      token: TOKEN,
      faults: true,
      tickMs: TICK_MS,
      join: false,
      forward: true,
      snapshotEvery: 0,
      maxRequestIds: 1000,
      ...overrides,
    };
    const faults = config.faults ? new TransportFaults({ random: seededRandom(100 + i) }) : undefined;
    const runtime = new ClusterRuntime(config, {
      storage: new MemoryPersistentStorage({ voters: ids }),
      // No tick ever retries a lost message here, so a slow peer request must not be abandoned
      // (the default timeout is 2 s): on a loaded machine it arrives late, but it arrives.
      transport: new HttpTransport({ id, peers: {}, token: TOKEN, faults, requestTimeoutMs: 120_000, streams: true }),
      faults,
      clock,
      random: seededRandom(i + 1),
    });
    const app = await createClusterApp(runtime, {
      servicesClock,
      random: seededRandom(200 + i),
      transactionsDir: join(transactionsRoot, id),
      sagasDir: join(transactionsRoot, id, 'sagas'),
      ...appOptions(id),
    });
    await app.listen(0, '127.0.0.1');
    members.push({ id, runtime, app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') });
  }
  const urls = new Map(members.map((m) => [m.id, m.url]));
  let electionTimeoutPassed = false;
  for (const m of members) m.runtime.setPeerUrls(urls);

  const stopped = new Set<Member>();
  const stopMember = async (m: Member): Promise<void> => {
    if (stopped.has(m)) return;
    stopped.add(m);
    await m.runtime.stop();
    await m.app.close();
  };
  const member = (id: string): Member => {
    const found = members.find((m) => m.id === id);
    if (found === undefined) throw new Error(`no member ${id}`);
    return found;
  };
  return {
    members,
    clock,
    servicesClock,
    member,
    async elect(id) {
      const leader = member(id);
      // With lease reads a member refuses votes for an election timeout after it starts (it may
      // have acknowledged a leader just before a crash): let exactly that many ticks pass.
      if (!electionTimeoutPassed) {
        for (let tick = 0; tick < ELECTION_TICKS; tick++) await clock.advanceAsync(TICK_MS);
        electionTimeoutPassed = true;
      }
      leader.runtime.node.campaign();
      await until(() => members.every((m) => m.runtime.node.status().leaderId === id), `${id} to lead, as every member knows`);
      return leader;
    },
    async request(id, path, init) {
      const response = await fetch(member(id).url + path, init);
      const text = await response.text();
      let json: unknown;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, text, json };
    },
    async stop() {
      for (const m of members) await stopMember(m);
      rmSync(transactionsRoot, { recursive: true, force: true });
    },
    stopMember: (id) => stopMember(member(id)),
  };
}

/** JSON request options. */
export function json(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method, headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) };
}
