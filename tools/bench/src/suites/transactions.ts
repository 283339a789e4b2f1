/**
 * `transactions` suite: two-phase commit in apps/cluster (3 members started by its launcher, on
 * 127.0.0.1, data in a temporary directory). autocannon sends `POST /transactions` to the leader,
 * each transaction writing two fresh keys owned by two different members' participants, at 1 and
 * 16 connections; every answer must be `committed` with exactly two votes, and a sample of the
 * committed keys is read back from another member. Beside it, in the same run, single-key puts
 * (`PUT /kv/:key`) on the same cluster, so the report says what two-phase commit costs over one
 * replicated write. No peer runs beside it: npm has no two-phase commit service to compare with.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { HashRing } from '@bulwark/core';
import { findFreePorts } from '@bulwark/core/testing';
import { describeEnvironment } from '../env.js';
import type { BulwarkCluster } from '../raft/bulwark-cluster.js';
import { startBulwarkCluster } from '../raft/bulwark-cluster.js';
import { postJson, send } from '../raft/http-json.js';
import type { KvLoadRequest, KvLoadResult } from '../raft/kv-load.js';
import { runKvLoad } from '../raft/kv-load.js';
import { putRequest, readValue } from '../raft/kv-requests.js';
import { median, rotate } from '../stats.js';
import type { SuiteContext } from '../suite.js';
import { formatTable } from '../table.js';

interface Settings {
  readonly rounds: number;
  /** Whole seconds. */
  readonly warmupS: number;
  /** Whole seconds. */
  readonly measureS: number;
  readonly connections: readonly number[];
  /** Committed transactions read back after each window. */
  readonly readBack: number;
}

const full: Settings = { rounds: 2, warmupS: 2, measureS: 8, connections: [1, 16], readBack: 40 };
const quick: Settings = { rounds: 1, warmupS: 1, measureS: 2, connections: [1, 16], readBack: 10 };

type Op = 'transaction' | 'put';
const OPS: readonly Op[] = ['transaction', 'put'];

/**
 * Which member's participant owns a key: the app's own rule (apps/cluster/src/transactions/key-owners.ts,
 * `HashRing` with 64 virtual nodes over the voters). The suite checks every answer's votes, so a
 * drift between the two fails the run instead of skewing it.
 */
function ownerRing(members: readonly string[]): HashRing {
  const ring = new HashRing({ virtualNodes: 64 });
  for (const id of members) ring.add(id);
  return ring;
}

/** Keys `<prefix>-<n>` until one is owned by `owner`. */
function keyOwnedBy(ring: HashRing, owner: string, prefix: string, counter: { n: number }): string {
  for (;;) {
    const key = `${prefix}-${counter.n++}`;
    if (ring.get(key) === owner) return key;
  }
}

interface Sample {
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const VALUE = 'v'.repeat(100);

async function waitForTransactions(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    const answer = await postJson(`${url}/transactions`, { writes: [{ key: `bench-probe-${i}`, value: '1' }] }, 5000).catch(() => undefined);
    if (answer?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`POST ${url}/transactions did not commit within ${timeoutMs} ms (last: ${answer?.status ?? 'no answer'} ${answer?.body ?? ''})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function measure(
  ctx: SuiteContext,
  cluster: BulwarkCluster,
  leaderUrl: string,
  op: Op,
  connections: number,
  seconds: number,
  tag: string,
  readBack: number,
): Promise<KvLoadResult> {
  const members = cluster.members.map((m) => m.id);
  const ring = ownerRing(members);
  const counter = { n: 0 };
  const acked: Array<{ key: string; value: string }> = [];
  const [firstOwner, secondOwner] = members as [string, string];
  const next = (): KvLoadRequest => {
    const value = `${VALUE}-${counter.n}`;
    if (op === 'put') {
      const key = `${tag}-put-${counter.n++}`;
      return { ...putRequest('bulwark', key, value), verify: (body) => body.includes('"revision"'), written: { key, value } };
    }
    const a = keyOwnedBy(ring, firstOwner, `${tag}-a`, counter);
    const b = keyOwnedBy(ring, secondOwner, `${tag}-b`, counter);
    return {
      method: 'POST',
      path: '/transactions',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ writes: [{ key: a, value }, { key: b, value }] }),
      verify: (body) => {
        const answer = JSON.parse(body) as { status?: unknown; votes?: Record<string, unknown> };
        return answer.status === 'committed' && answer.votes !== undefined && Object.keys(answer.votes).length === 2;
      },
      written: { key: a, value },
    };
  };
  const result = await runKvLoad({
    url: leaderUrl,
    connections,
    durationS: seconds,
    next,
    what: `${op} at ${connections} connection(s)`,
    onAck: (request) => {
      if (request.written !== undefined && acked.length < 10_000) acked.push(request.written);
    },
  });
  // Committed writes are visible on every member: read a sample back from another one.
  const other = cluster.members.find((m) => m.url !== leaderUrl) ?? cluster.members[0];
  const step = Math.max(1, Math.floor(acked.length / readBack));
  for (let i = 0; i < acked.length; i += step) {
    const { key, value } = acked[i] as { key: string; value: string };
    const answer = await send(other.url, { method: 'GET', path: `/kv/${encodeURIComponent(key)}?consistency=linearizable`, headers: {} }, 5000);
    if (answer.status !== 200 || readValue('bulwark', answer.body) !== value) {
      throw new Error(`${op}: ${key} was acknowledged but reads ${answer.status} ${answer.body.slice(0, 120)} on ${other.id}`);
    }
  }
  ctx.progress(`${op} c${connections}: ${result.requestsPerSecond.toFixed(0)}/s, p50 ${result.latencyP50Ms.toFixed(2)} ms`);
  return result;
}

const ms = (value: number): string => (value >= 10 ? value.toFixed(1) : value.toFixed(2));

/** Runs the suite. */
export async function run(ctx: SuiteContext): Promise<void> {
  const settings = ctx.quick ? quick : full;
  const started = Date.now();
  ctx.out('# Two-phase commit in apps/cluster\n');
  ctx.out(`${describeEnvironment(['@bulwark/core'])}\n`);
  ctx.out(
    `3 members on 127.0.0.1 (each its own process); autocannon against the leader. A transaction writes two fresh 100-byte values owned by two different members' participants (2 participants, the decision replicated through Raft); a put writes one key. ${settings.rounds} round(s) of ${settings.warmupS} s warm-up + ${settings.measureS} s measured per case, cases rotated; medians over rounds.\n`,
  );
  const dir = await mkdtemp(join(os.tmpdir(), 'bulwark-bench-transactions-'));
  const lines: string[] = [];
  let cluster: BulwarkCluster | undefined;
  try {
    const basePort = await findFreePorts(3);
    cluster = await startBulwarkCluster({ nodes: 3, basePort, host: '127.0.0.1', dataDir: dir, log: (line) => lines.push(line) });
    const leader = await cluster.waitForLeader(60_000);
    await waitForTransactions(leader.url, 60_000);
    const samples = new Map<string, Sample[]>();
    const cases = settings.connections.flatMap((connections) => OPS.map((op) => ({ op, connections })));
    for (let round = 0; round < settings.rounds; round++) {
      for (const { op, connections } of rotate(cases, round)) {
        const tag = `r${round}-c${connections}`;
        await measure(ctx, cluster, leader.url, op, connections, settings.warmupS, `${tag}-warm`, 1);
        const result = await measure(ctx, cluster, leader.url, op, connections, settings.measureS, tag, settings.readBack);
        const name = `${op}:${connections}`;
        samples.set(name, [...(samples.get(name) ?? []), { perSecond: result.requestsPerSecond, p50Ms: result.latencyP50Ms, p99Ms: result.latencyP99Ms }]);
      }
    }
    const rows = settings.connections.flatMap((connections) =>
      OPS.map((op) => {
        const s = samples.get(`${op}:${connections}`) ?? [];
        return [op === 'transaction' ? 'transaction, 2 participants' : 'single put', String(connections), median(s.map((x) => x.perSecond)).toFixed(0), ms(median(s.map((x) => x.p50Ms))), ms(median(s.map((x) => x.p99Ms)))];
      }),
    );
    ctx.out(formatTable({ headers: ['operation', 'connections', 'per second', 'p50 ms', 'p99 ms'], rows, align: ['left', 'right', 'right', 'right', 'right'] }));
    const ratioRows = settings.connections.map((connections) => {
      const tx = samples.get(`transaction:${connections}`) ?? [];
      const put = samples.get(`put:${connections}`) ?? [];
      const ratios = tx.map((t, i) => t.p50Ms / (put[i]?.p50Ms ?? Number.NaN));
      return [String(connections), `${median(ratios).toFixed(2)}×`, `${median(tx.map((t, i) => (put[i]?.perSecond ?? Number.NaN) / t.perSecond)).toFixed(2)}×`];
    });
    ctx.out('\nWhat two-phase commit costs over one replicated put, same round:\n');
    ctx.out(formatTable({ headers: ['connections', 'p50 latency, transaction ÷ put', 'throughput, put ÷ transaction'], rows: ratioRows, align: ['right', 'right', 'right'] }));
  } catch (error) {
    ctx.progress(`cluster log (last ${Math.min(40, lines.length)} lines):\n${lines.slice(-40).join('\n')}`);
    throw error;
  } finally {
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  }
  ctx.out(`\nSuite time: ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}
