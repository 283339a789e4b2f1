/**
 * `sim` suite: the speed of `@bulwark/core/testing`'s deterministic Raft simulator — how many
 * client operations it simulates and checks per second of wall time, the wall time per seed, and
 * how much faster than real time virtual time runs. Each seed is a whole run: a cluster elected,
 * faults injected and healed, every step checked for Raft's safety properties, and the client
 * history checked for linearizability at the end. No peer runs beside it: npm has no Raft
 * simulator to compare with (etcd's and hashicorp's harnesses are Go), so this reports our
 * figures alone.
 */
import { runRaftSimulation } from '@bulwark/core/testing';
import type { RaftSimulationOptions } from '@bulwark/core/testing';
import { describeEnvironment } from '../env.js';
import { median, range, rotate } from '../stats.js';
import type { SuiteContext } from '../suite.js';
import { formatTable } from '../table.js';

interface Settings {
  readonly rounds: number;
  /** Seeds per configuration per round: 1..seeds, the same in every round. */
  readonly seeds: number;
}

const full: Settings = { rounds: 3, seeds: 300 };
const quick: Settings = { rounds: 1, seeds: 20 };

interface Configuration {
  readonly name: string;
  readonly options: Omit<RaftSimulationOptions, 'seed'>;
}

/** The CLI's default run (`npm run sim`), and a larger cluster with more clients and keys. */
const CONFIGURATIONS: readonly Configuration[] = [
  { name: '3 servers + 2 spares, 3 clients, 40 ops (npm run sim defaults)', options: { ops: 40 } },
  { name: '5 servers + 2 spares, 5 clients, 100 ops on 5 keys', options: { nodes: 5, clients: 5, ops: 100, keys: 5 } },
];

/** One round of one configuration: totals over its seeds. */
interface RoundResult {
  readonly wallMs: number;
  readonly operations: number;
  readonly virtualMs: number;
  readonly events: number;
  readonly faults: number;
}

function runRound(configuration: Configuration, seeds: number): RoundResult {
  let operations = 0;
  let virtualMs = 0;
  let events = 0;
  let faults = 0;
  const started = process.hrtime.bigint();
  for (let seed = 1; seed <= seeds; seed++) {
    // A failing seed throws SimulationFailureError with its replay command: the suite fails with it.
    const report = runRaftSimulation({ ...configuration.options, seed });
    operations += report.operations.invoked;
    virtualMs += report.simulatedMs;
    events += report.events;
    for (const count of Object.values(report.faults)) faults += count;
  }
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { wallMs, operations, virtualMs, events, faults };
}

const grouped = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Runs the suite: every configuration once per round, in rotated order, then the medians over rounds. */
export async function run(ctx: SuiteContext): Promise<void> {
  const settings = ctx.quick ? quick : full;
  const started = Date.now();
  ctx.out('# Raft simulator speed\n');
  ctx.out(`${describeEnvironment(['@bulwark/core'])}\n`);
  ctx.out(
    `Each configuration runs seeds 1 to ${settings.seeds} once per round, ${settings.rounds} round(s), configurations in rotated order; every seed is checked (safety after every step, linearizability at the end). The table gives medians over rounds (min–max of operations per second).\n`,
  );
  const results = new Map<string, RoundResult[]>(CONFIGURATIONS.map((c) => [c.name, []]));
  for (let round = 0; round < settings.rounds; round++) {
    for (const configuration of rotate(CONFIGURATIONS, round)) {
      ctx.progress(`round ${round + 1}/${settings.rounds}: ${configuration.name}`);
      (results.get(configuration.name) as RoundResult[]).push(runRound(configuration, settings.seeds));
      // Yield between runs so progress lines flush.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const rows = CONFIGURATIONS.map((configuration) => {
    const rounds = results.get(configuration.name) as RoundResult[];
    const opsPerSec = rounds.map((r) => (r.operations / r.wallMs) * 1000);
    const spread = range(opsPerSec);
    const first = rounds[0] as RoundResult;
    return [
      configuration.name,
      grouped(first.operations),
      grouped(first.faults),
      grouped(median(opsPerSec)),
      `${grouped(spread.min)}–${grouped(spread.max)}`,
      median(rounds.map((r) => r.wallMs / settings.seeds)).toFixed(1),
      `${grouped(median(rounds.map((r) => r.virtualMs / r.wallMs)))}×`,
      grouped(median(rounds.map((r) => (r.events / r.wallMs) * 1000))),
    ];
  });
  ctx.out(
    formatTable({
      headers: ['configuration', 'operations checked', 'faults injected', 'simulated ops/s', 'min–max', 'ms per seed', 'virtual ÷ wall time', 'events/s'],
      rows,
      align: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    }),
  );
  ctx.out(`\nSuite time: ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}
