/**
 * `raft` suite: Bulwark's replicated KV service (apps/cluster, 3 members started by its
 * launcher) against a 3-member etcd (Debian's etcd-server 3.4) on the same machine, both on
 * 127.0.0.1 with their data in a temporary directory. autocannon loads the leader of each with
 * puts (a fresh key per put, 100-byte values) and linearizable gets (of 1 000 keys written
 * first), at 1, 16 and 64 connections; etcd through its v3 JSON gateway (`/v3/kv/put`,
 * `/v3/kv/range`). Per case: req/s, p50/p99 latency and the members' CPU per operation; ratios
 * Bulwark ÷ etcd per round, then the median.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeEnvironment } from '../env.js';
import { clockTicks, cpuMicros, readCpuTicks } from '../http/proc-stat.js';
import type { BulwarkCluster } from '../raft/bulwark-cluster.js';
import { startBulwarkCluster } from '../raft/bulwark-cluster.js';
import type { EtcdCluster } from '../raft/etcd-cluster.js';
import { etcdVersion, findEtcd, startEtcdCluster } from '../raft/etcd-cluster.js';
import { findFreePorts } from '@bulwark/core/testing';
import { send } from '../raft/http-json.js';
import type { KvLoadRequest } from '../raft/kv-load.js';
import { runKvLoad } from '../raft/kv-load.js';
import type { KvBenchOp, KvSystem } from '../raft/kv-requests.js';
import { getRequest, putRequest, readValue, valueOf } from '../raft/kv-requests.js';
import type { RaftCaseSamples, RaftSample } from '../raft/raft-report.js';
import { SYSTEM_LABELS, raftCaseTable, raftGoals, raftRatioTable, raftRatios } from '../raft/raft-report.js';
import { goalTable } from '../report.js';
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
  /** Keys written before the gets, read in rotation. */
  readonly preloadKeys: number;
  /** Acknowledged puts read back after each put window. */
  readonly readBack: number;
}

const full: Settings = { rounds: 2, warmupS: 2, measureS: 8, connections: [1, 16, 64], preloadKeys: 1000, readBack: 50 };
const quick: Settings = { rounds: 1, warmupS: 1, measureS: 2, connections: [1, 16, 64], preloadKeys: 200, readBack: 20 };

const OPS: readonly KvBenchOp[] = ['put', 'get'];
const SYSTEMS: readonly KvSystem[] = ['bulwark', 'etcd'];
const INSTALL_SCRIPT = fileURLToPath(new URL('../../scripts/install-etcd.sh', import.meta.url));
/** Launcher and etcd log lines kept, to print if a system fails. */
const LOG_TAIL = 40;

/** A started system: where its leader listens and which processes to account CPU to. */
interface System {
  readonly id: KvSystem;
  readonly leaderUrl: string;
  readonly pids: readonly number[];
  stop(): Promise<void>;
}

function etcdBinary(ctx: SuiteContext): string {
  const found = findEtcd();
  if (found !== undefined) return found;
  ctx.progress(`no etcd binary: running ${INSTALL_SCRIPT}`);
  const result = spawnSync('bash', [INSTALL_SCRIPT], { stdio: ['ignore', 'inherit', 'inherit'] });
  const installed = findEtcd();
  if (result.status !== 0 || installed === undefined) {
    throw new Error(`etcd is not installed and ${INSTALL_SCRIPT} failed (exit ${String(result.status)}); install Debian's etcd-server or set ETCD_BIN`);
  }
  return installed;
}

function tail(): { log: (line: string) => void; lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    log: (line) => {
      lines.push(line);
      if (lines.length > LOG_TAIL) lines.shift();
    },
  };
}

async function startBulwark(dataDir: string, ctx: SuiteContext): Promise<System> {
  const logs = tail();
  let cluster: BulwarkCluster | undefined;
  try {
    const basePort = await findFreePorts(3);
    cluster = await startBulwarkCluster({ nodes: 3, basePort, host: '127.0.0.1', dataDir, log: logs.log });
    const leader = await cluster.waitForLeader(60_000);
    const pids = cluster.members.map((m) => m.pid);
    if (pids.some((p) => p === undefined)) throw new Error('a Bulwark member has no pid');
    ctx.progress(`Bulwark: 3 members on ${cluster.members.map((m) => m.url).join(', ')}; leader ${leader.id}`);
    const started = cluster;
    return { id: 'bulwark', leaderUrl: leader.url, pids: pids as number[], stop: () => started.stop() };
  } catch (error) {
    await cluster?.stop();
    throw new Error(`the Bulwark cluster did not start: ${error instanceof Error ? error.message : String(error)}\n${logs.lines.join('\n')}`, { cause: error });
  }
}

async function startEtcd(binary: string, dataDir: string, ctx: SuiteContext): Promise<System> {
  const logs = tail();
  let cluster: EtcdCluster | undefined;
  try {
    const basePort = await findFreePorts(6);
    cluster = await startEtcdCluster({ binary, nodes: 3, basePort, dataDir, log: logs.log });
    const leader = await cluster.waitForLeader(60_000);
    ctx.progress(`etcd: 3 members on ${cluster.members.map((m) => m.clientUrl).join(', ')}; leader ${leader.name}`);
    const started = cluster;
    return { id: 'etcd', leaderUrl: leader.clientUrl, pids: cluster.members.map((m) => m.pid), stop: () => started.stop() };
  } catch (error) {
    await cluster?.stop();
    throw new Error(`the etcd cluster did not start: ${error instanceof Error ? error.message : String(error)}\n${logs.lines.join('\n')}`, { cause: error });
  }
}

/** Writes `count` keys `pre-<i>` (16 at a time) and checks one read back. */
async function preload(system: System, count: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const answer = await send(system.leaderUrl, putRequest(system.id, `pre-${i}`, valueOf(i)), 10_000);
      if (answer.status < 200 || answer.status >= 300) throw new Error(`${system.id}: preloading pre-${i} answered ${answer.status} ${answer.body.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  const check = await send(system.leaderUrl, getRequest(system.id, `pre-${count - 1}`), 10_000);
  if (readValue(system.id, check.body) !== valueOf(count - 1)) throw new Error(`${system.id}: preloaded key pre-${count - 1} reads back ${check.status} ${check.body.slice(0, 200)}`);
}

function cpuUs(pids: readonly number[], perSecond: number): number {
  return pids.reduce((sum, pid) => sum + cpuMicros(readCpuTicks(pid), perSecond), 0);
}

interface Measured {
  readonly sample: RaftSample;
  /** The load generator's share of a core in the measured window. */
  readonly clientShare: number;
}

let putSerial = 0;

async function measure(system: System, op: KvBenchOp, connections: number, settings: Settings, label: string, ctx: SuiteContext): Promise<Measured> {
  const ticks = clockTicks().perSecond;
  let getSerial = 0;
  const next = (): KvLoadRequest => {
    if (op === 'put') {
      const n = ++putSerial;
      const key = `put-${n}`;
      return { ...putRequest(system.id, key, valueOf(n)), verify: () => true, written: { key, value: valueOf(n) } };
    }
    const i = getSerial++ % settings.preloadKeys;
    const expected = valueOf(i);
    return { ...getRequest(system.id, `pre-${i}`), verify: (body) => readValue(system.id, body) === expected };
  };
  const what = `${SYSTEM_LABELS[system.id]} ${op} c${connections}, ${label}`;
  ctx.progress(`${what}: warm-up ${settings.warmupS} s`);
  await runKvLoad({ url: system.leaderUrl, connections, durationS: settings.warmupS, next, what: `${what}, warm-up` });
  const acked: Array<{ key: string; value: string }> = [];
  let seen = 0;
  const onAck = (request: KvLoadRequest): void => {
    // Every 13th acknowledged put, up to readBack of them.
    if (request.written !== undefined && seen++ % 13 === 0 && acked.length < settings.readBack) acked.push(request.written);
  };
  ctx.progress(`${what}: measuring ${settings.measureS} s`);
  const cpuBefore = cpuUs(system.pids, ticks);
  const clientBefore = process.cpuUsage();
  const wallBefore = process.hrtime.bigint();
  const load = await runKvLoad({ url: system.leaderUrl, connections, durationS: settings.measureS, next, onAck, what: `${what}, measured` });
  const wallUs = Number(process.hrtime.bigint() - wallBefore) / 1e3;
  const client = process.cpuUsage(clientBefore);
  const serverCpuUs = cpuUs(system.pids, ticks) - cpuBefore;
  for (const { key, value } of acked) {
    const answer = await send(system.leaderUrl, getRequest(system.id, key), 10_000);
    if (readValue(system.id, answer.body) !== value) throw new Error(`${what}: the acknowledged put of ${key} reads back ${answer.status} ${answer.body.slice(0, 200)}`);
  }
  return {
    sample: { requestsPerSecond: load.completed / (wallUs / 1e6), latencyP50Ms: load.latencyP50Ms, latencyP99Ms: load.latencyP99Ms, serverCpuUs, completed: load.completed },
    clientShare: (client.user + client.system) / wallUs,
  };
}

function methodNote(settings: Settings): string {
  return (
    'Method: both clusters run side by side for the whole suite, 3 members each on 127.0.0.1, data in a temporary directory, default durability (fsync) settings. ' +
    `Bulwark: apps/cluster members started by its launcher (\`startCluster\`); etcd: \`etcd\` processes with a static initial cluster. autocannon runs in this process against each cluster's leader, no pipelining. ` +
    `Puts write a fresh key each (\`put-<n>\`, 100-byte values); gets read ${settings.preloadKeys.toLocaleString('en-US')} keys written first, in rotation, linearizably (Bulwark: \`GET /kv/:key?consistency=linearizable\`, ReadIndex; etcd: \`POST /v3/kv/range\`, linearizable by default). ` +
    `Per case per round: a ${settings.warmupS} s warm-up, then a ${settings.measureS} s measured window; ${settings.rounds} round(s), the system order rotated each round. ` +
    `Every response must be a 2xx with the right body (a get's value), or the suite fails; after each put window ${settings.readBack} sampled acknowledged puts are read back linearizably and must hold their value. ` +
    "Latency: from the request being built to its response being parsed, read with `performance.now()` in autocannon's request hooks (its own histogram has whole-ms steps), nearest-rank percentiles over every response of the window. " +
    "Server CPU per op = the members' utime + stime from /proc/<pid>/stat over the window, summed, divided by the responses. Ratios are taken within each round, then the median. Goals are printed, not asserted."
  );
}

/** Runs the raft suite and prints its report. */
export async function run(ctx: SuiteContext): Promise<void> {
  const settings = ctx.quick ? quick : full;
  const started = Date.now();
  const binary = etcdBinary(ctx);
  ctx.out('# raft suite: apps/cluster (Bulwark Raft) vs etcd, 3 members each');
  ctx.out('');
  ctx.out(`${describeEnvironment(['autocannon', '@bulwark/core'])}, etcd ${etcdVersion(binary)} (${binary})`);
  ctx.out('');
  ctx.out(methodNote(settings));
  if (os.availableParallelism() < 4) {
    ctx.out(`\nThis machine has ${os.availableParallelism()} core(s) for 6 cluster members and the load generator together: at 16 and 64 connections this measures CPU per operation more than fsync.`);
  }
  if (ctx.quick) ctx.out('\n**--quick smoke run: too short to quote these numbers.**');

  const dir = await mkdtemp(join(os.tmpdir(), 'bulwark-bench-raft-'));
  const systems: System[] = [];
  const samples = new Map<string, RaftSample[]>();
  const shares = new Map<KvSystem, number[]>(SYSTEMS.map((s) => [s, []]));
  const id = (system: KvSystem, op: KvBenchOp, c: number): string => `${system} ${op} ${c}`;
  let missing: string | undefined;
  try {
    // Without the cluster app, the etcd half still runs (its numbers alone, no ratios).
    try {
      systems.push(await startBulwark(join(dir, 'bulwark'), ctx));
    } catch (error) {
      missing = error instanceof Error ? error.message : String(error);
      ctx.progress(`Bulwark not measured: ${missing}`);
    }
    systems.push(await startEtcd(binary, join(dir, 'etcd'), ctx));
    for (const system of systems) {
      ctx.progress(`${system.id}: writing ${settings.preloadKeys} keys for the gets`);
      await preload(system, settings.preloadKeys);
    }
    for (let round = 0; round < settings.rounds; round++) {
      for (const system of rotate(systems, round)) {
        for (const op of OPS) {
          for (const c of settings.connections) {
            const measured = await measure(system, op, c, settings, `round ${round + 1}/${settings.rounds}`, ctx);
            const key = id(system.id, op, c);
            samples.set(key, [...(samples.get(key) ?? []), measured.sample]);
            shares.get(system.id)?.push(measured.clientShare);
          }
        }
      }
    }
  } finally {
    await Promise.allSettled(systems.map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  }

  const cases: RaftCaseSamples[] = systems.flatMap(({ id: system }) =>
    OPS.flatMap((op) => settings.connections.map((connections) => ({ system, op, connections, rounds: samples.get(id(system, op, connections)) ?? [] }))),
  );
  ctx.out('\n## Results\n');
  if (missing !== undefined) ctx.out(`**Bulwark was not measured** (so no ratios): ${missing.split('\n')[0]}\n`);
  ctx.out(formatTable(raftCaseTable(cases)));
  const load = systems.map(({ id: s }) => `${SYSTEM_LABELS[s]} ${Math.round(median(shares.get(s) ?? []) * 100)}%`).join(', ');
  ctx.out(`\nThe load generator (autocannon, in this process) used a median share of a core of: ${load}.`);
  const ratios = raftRatios(cases);
  ctx.out('\n## Bulwark ÷ etcd\n');
  ctx.out(formatTable(raftRatioTable(ratios)));
  ctx.out('\nreq/s ratio > 1: Bulwark serves more; latency and CPU ratios < 1: Bulwark answers faster, spends less.');
  ctx.out('\n## Goals\n');
  ctx.out(formatTable(goalTable(raftGoals(ratios))));
  ctx.out(`\nSuite time: ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}
