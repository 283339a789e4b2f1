/**
 * One chaos run against a started cluster: concurrent clients doing get/put/cas/delete while
 * the nemesis runs its seeded schedule; then every fault is healed, the cluster must elect a
 * leader and answer a final read of every key, and the whole history is checked for
 * linearizability.
 */
import type { Clock } from '@bulwark/core';
import { SimRandom } from '@bulwark/core/testing';
import type { ChaosCluster } from './cluster/cluster-target.js';
import { KvClient } from './client/kv-client.js';
import type { KvClientOptions } from './client/kv-client.js';
import { checkHistory } from './history/check-history.js';
import type { HistoryVerdict } from './history/check-history.js';
import { HistoryRecorder } from './history/history-recorder.js';
import type { OutcomeCounts } from './history/history-recorder.js';
import type { NemesisReport, NemesisTarget } from './nemesis/nemesis.js';
import { runNemesis } from './nemesis/nemesis.js';
import { planNemesis } from './nemesis/nemesis-plan.js';
import type { NemesisPlanOptions, NemesisStep } from './nemesis/nemesis-plan.js';
import { Workload } from './workload/workload.js';
import type { WorkloadOptions } from './workload/workload.js';

/** Options of {@link runChaos}. */
export interface ChaosOptions {
  /** Seeds the nemesis schedule and the clients' choices. Required. */
  readonly seed: number;
  /** How long the clients run, in ms. Required. */
  readonly durationMs: number;
  /** Concurrent clients. Required. */
  readonly clients: number;
  /** The last part of the run has no fault, so the cluster can recover while clients still run. Default `min(5000, durationMs / 5)`. */
  readonly quietTailMs?: number;
  /** The clients stop after this many operations even if time is left. Default: no limit. */
  readonly maxOperations?: number;
  /** Time to elect a leader and answer the final reads after the faults healed, in ms. Default 30 000. */
  readonly recoveryTimeoutMs?: number;
  /** The checker's time limit, in ms. Default 120 000. */
  readonly checkTimeoutMs?: number;
  /** The nemesis's gaps, fault lengths and weights. */
  readonly nemesis?: Pick<NemesisPlanOptions, 'gapMs' | 'faultMs' | 'weights' | 'leaderShare'>;
  /** The clients' timeouts. */
  readonly client?: Pick<KvClientOptions, 'attemptTimeoutMs' | 'operationTimeoutMs' | 'retryDelayMs'>;
  readonly workload?: WorkloadOptions;
}

/** What {@link runChaos} works on. */
export interface ChaosDeps {
  /** The started cluster (it is not stopped here). */
  readonly cluster: ChaosCluster;
  /** What the nemesis acts on (usually `clusterTarget(cluster, …)`). */
  readonly target: NemesisTarget;
  /** Time and timers of the clients and the nemesis. Its timers must keep the process alive. */
  readonly clock: Clock;
  /** The nemesis's waits. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Progress lines. */
  readonly progress?: (line: string) => void;
}

/** What a run found. */
export interface ChaosReport {
  readonly seed: number;
  readonly durationMs: number;
  readonly clients: number;
  readonly members: readonly string[];
  readonly plan: readonly NemesisStep[];
  readonly nemesis: NemesisReport;
  /** Operations invoked, final reads included. */
  readonly operations: number;
  readonly counts: OutcomeCounts;
  /** Final reads that got an answer, of those made. */
  readonly finalReads: { readonly answered: number; readonly total: number };
  readonly verdict: HistoryVerdict;
  /** What is wrong: a linearizability violation, no progress, no recovery. Empty for a clean run. */
  readonly anomalies: readonly string[];
  /** The history, JSON lines for `bulwark-lincheck --model kv`. */
  readonly history: string;
}

/**
 * Runs the clients and the nemesis, heals, reads back every key and checks the history.
 *
 * @throws RangeError naming a bad option
 */
export async function runChaos(options: ChaosOptions, deps: ChaosDeps): Promise<ChaosReport> {
  const { seed, durationMs, clients } = options;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`runChaos: options.seed must be an integer, got ${String(seed)}`);
  if (!Number.isInteger(durationMs) || durationMs < 1) throw new RangeError(`runChaos: options.durationMs must be a positive integer, got ${String(durationMs)}`);
  if (!Number.isInteger(clients) || clients < 1) throw new RangeError(`runChaos: options.clients must be a positive integer, got ${String(clients)}`);
  const { cluster, target, clock, sleep } = deps;
  const progress = deps.progress ?? ((): void => undefined);
  const members = cluster.members.map((m) => ({ id: m.id, url: m.url }));
  const ids = members.map((m) => m.id);
  const quietTailMs = options.quietTailMs ?? Math.min(5000, Math.floor(durationMs / 5));
  const random = new SimRandom(seed);
  const plan = planNemesis({ seed, members: ids, durationMs: Math.max(0, durationMs - quietTailMs), ...options.nemesis });
  const workload = new Workload(random.fork(), options.workload);
  // One more process for the final reads.
  const history = new HistoryRecorder({ clients: clients + 1, now: () => clock.now() });
  let requestIds = 0;
  const runId = `${seed}-${clock.now().toString(36)}`;
  const newClient = (operationTimeoutMs?: number): KvClient =>
    new KvClient({ members, clock, requestId: () => `chaos-${runId}-${++requestIds}`, ...options.client, ...(operationTimeoutMs === undefined ? {} : { operationTimeoutMs }) });

  const end = clock.now() + durationMs;
  const maxOperations = options.maxOperations ?? Infinity;
  let clientsDone = false;
  const runClient = async (c: number, pick: SimRandom): Promise<void> => {
    const kv = newClient();
    try {
      while (clock.now() < end && workload.operations < maxOperations) {
        const operation = workload.next(c);
        const open = history.invoke(c, operation);
        const { outcome, servedBy } = await kv.run(operation, pick.pick(ids));
        history.complete(open, outcome, servedBy === undefined ? undefined : `via ${servedBy}`);
        workload.observe(operation, outcome);
      }
    } finally {
      kv.close();
    }
  };

  progress(`seed ${seed}: ${clients} clients for ${durationMs} ms, ${plan.length} faults planned`);
  const nemesis = runNemesis(plan, target, {
    now: () => clock.now(),
    sleep: (ms) => (clientsDone ? Promise.resolve() : sleep(ms)),
    stopped: () => clientsDone,
    onEvent: (event) => {
      history.nemesis('info', event.type, event.description);
      progress(`nemesis ${event.type}: ${event.description}`);
    },
  });
  const picks = Array.from({ length: clients }, () => random.fork());
  await Promise.all(picks.map((pick, c) => runClient(c, pick)));
  clientsDone = true;
  const nemesisReport = await nemesis;

  // Recovery: every fault is healed; the cluster must elect a leader and answer every key.
  const recoveryTimeoutMs = options.recoveryTimeoutMs ?? 30_000;
  const anomalies: string[] = [];
  progress('faults healed; waiting for a leader and reading every key');
  let leader: string | undefined;
  try {
    leader = (await cluster.waitForLeader(recoveryTimeoutMs)).id;
  } catch (error) {
    anomalies.push(`no leader within ${recoveryTimeoutMs} ms after the faults healed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const keys = workload.keys();
  let answered = 0;
  let total = 0;
  if (leader !== undefined) {
    const reader = newClient(recoveryTimeoutMs);
    try {
      for (const key of keys) {
        const operation = { f: 'get', key } as const;
        const open = history.invoke(clients, operation);
        total++;
        const { outcome } = await reader.run(operation, leader);
        history.complete(open, outcome, 'final read');
        if (outcome.type === 'ok') answered++;
      }
    } finally {
      reader.close();
    }
    if (answered < keys.length) anomalies.push(`${keys.length - answered} of ${keys.length} final reads got no answer after the faults healed`);
  }
  const counts = history.outcomeCounts();
  if (counts.put.ok + counts.cas.ok + counts.delete.ok === 0 && history.operations > 0) anomalies.push('no write succeeded during the run');

  const text = history.toJsonl();
  progress(`checking ${history.operations} operations`);
  const verdict = checkHistory(text, { timeoutMs: options.checkTimeoutMs ?? 120_000 });
  if (verdict.result === 'illegal') anomalies.unshift(`not linearizable: ${verdict.explanation}`);
  return {
    seed,
    durationMs,
    clients,
    members: ids,
    plan,
    nemesis: nemesisReport,
    operations: history.operations,
    counts,
    finalReads: { answered, total },
    verdict,
    anomalies,
    history: text,
  };
}
