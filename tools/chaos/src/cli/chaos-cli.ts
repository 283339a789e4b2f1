/**
 * `npm run chaos`: parses the flags, starts a cluster with faults enabled in a temporary data
 * directory, runs {@link runChaos}, writes the history, prints the summary, stops the cluster
 * and returns the exit code. The launcher is passed in, so tests run this with a fake one.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '@bulwark/core';
import type { ChaosCluster } from '../cluster/cluster-target.js';
import { clusterTarget } from '../cluster/cluster-target.js';
import { findFreePorts } from '@bulwark/core/testing';
import { CHAOS_FAULT_KINDS } from '../nemesis/nemesis-plan.js';
import type { ChaosFaultKind } from '../nemesis/nemesis-plan.js';
import type { ChaosOptions } from '../run-chaos.js';
import { runChaos } from '../run-chaos.js';
import { CHAOS_USAGE, parseChaosArgs } from './chaos-args.js';
import { CHAOS_EXIT, chaosExitCode, formatChaosReport } from './chaos-report.js';

/** What the launcher is asked for (the shape of apps/cluster's `startCluster` options). */
export interface LaunchOptions {
  readonly nodes: number;
  readonly basePort: number;
  readonly host: string;
  readonly dataDir: string;
  readonly token: string;
  readonly faults: true;
  readonly log: (line: string) => void;
}

/** Where the CLI reads and writes, and what it starts clusters with. */
export interface ChaosCliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Starts a cluster (apps/cluster's `startCluster`). */
  readonly launch: (options: LaunchOptions) => Promise<ChaosCluster>;
  /** Timers that keep the process alive. */
  readonly clock: Clock;
  /** Overrides for the run (tests shorten timeouts). */
  readonly tune?: Partial<Omit<ChaosOptions, 'seed' | 'durationMs' | 'clients'>>;
  /** Where the default history file goes (default the OS temp directory). */
  readonly tempDir?: string;
}

/** How long the first election may take after start, in ms. */
const FIRST_LEADER_TIMEOUT_MS = 60_000;
/** Launcher log lines kept to print when the run fails. */
const LOG_TAIL = 40;

/** Runs `npm run chaos` and returns its exit code. */
export async function runChaosCli(argv: readonly string[], io: ChaosCliIo): Promise<number> {
  const request = parseChaosArgs(argv);
  if (request.kind === 'help') {
    io.out(CHAOS_USAGE);
    return 0;
  }
  if (request.kind === 'error') {
    io.err(`chaos: ${request.message}\n\n${CHAOS_USAGE}`);
    return CHAOS_EXIT.usage;
  }
  const { args } = request;
  const seed = args.seed ?? randomInt(0, 2 ** 31);
  const tempDir = io.tempDir ?? tmpdir();
  const historyPath = args.historyPath ?? join(tempDir, `bulwark-chaos-${seed}.jsonl`);
  const faultFlag = args.faults.length === CHAOS_FAULT_KINDS.length ? '' : ` --faults ${args.faults.join(',')}`;
  const replay = `npm run chaos -- --seed ${seed} --duration ${args.durationS} --clients ${args.clients} --nodes ${args.nodes}${faultFlag}`;
  const weights = Object.fromEntries(CHAOS_FAULT_KINDS.map((kind) => [kind, args.faults.includes(kind) ? 1 : 0])) as Record<ChaosFaultKind, number>;
  const token = randomBytes(24).toString('hex');
  const logTail: string[] = [];
  const log = (line: string): void => {
    logTail.push(line);
    if (logTail.length > LOG_TAIL) logTail.shift();
  };
  io.out(`chaos: seed ${seed} (replay: ${replay})`);

  const dataDir = await mkdtemp(join(tempDir, 'bulwark-chaos-data-'));
  let cluster: ChaosCluster | undefined;
  let clean = false;
  try {
    const basePort = await findFreePorts(args.nodes);
    cluster = await io.launch({ nodes: args.nodes, basePort, host: '127.0.0.1', dataDir, token, faults: true, log });
    const leader = await cluster.waitForLeader(FIRST_LEADER_TIMEOUT_MS);
    io.err(`[chaos] ${cluster.members.length} members up (${cluster.members.map((m) => `${m.id} ${m.url}`).join(', ')}); leader ${leader.id}`);
    const sleep = (ms: number): Promise<void> => new Promise((resolve) => io.clock.setTimeout(resolve, ms));
    const report = await runChaos(
      { seed, durationMs: args.durationS * 1000, clients: args.clients, ...io.tune, nemesis: { weights, ...io.tune?.nemesis } },
      { cluster, target: clusterTarget(cluster, { token }), clock: io.clock, sleep, progress: (line) => io.err(`[chaos] ${line}`) },
    );
    await writeFile(historyPath, report.history);
    io.out(formatChaosReport(report, { historyPath, replay }));
    const code = chaosExitCode(report);
    clean = code === CHAOS_EXIT.ok;
    return code;
  } catch (error) {
    io.err(`chaos: the run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    if (logTail.length > 0) io.err(`last cluster log lines:\n${logTail.join('\n')}`);
    return CHAOS_EXIT.internal;
  } finally {
    await cluster?.stop().catch((error: unknown) => io.err(`chaos: stopping the cluster failed: ${String(error)}`));
    // The members' data is kept after an anomaly, to look at.
    if (clean) await rm(dataDir, { recursive: true, force: true });
    else io.err(`[chaos] members' data kept in ${dataDir}`);
  }
}
