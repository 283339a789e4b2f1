import { parseArgs } from 'node:util';
import { runRaftSimulation } from './raft-simulation.js';
import type { SimulationBug } from './sim-raft-node.js';
import { type RaftSimulationOptions, resolveSimulationOptions } from './simulation-options.js';
import { isSimulationFailureError } from './simulation-failure-error.js';

const USAGE = `Usage: npm run sim -- [--seeds N] [--first F] [--ops M] [options]
       npm run sim -- --seed S [options]   (replay one seed, printing its trace)

Runs seeded Raft cluster simulations (runRaftSimulation from @bulwark/core/testing) and checks
every safety invariant after every event, progress after the faults heal and the
linearizability of the client history.

  --seeds N           how many seeds to run (default 100), from --first (default 1)
  --seed S            run seed S alone and print its fault and client trace
  --ops M             client operations per seed (default 40)
  --nodes N           servers per cluster, 1 to 9 (default 3)
  --spares N          servers outside the cluster for membership changes to add (default 2)
  --clients N         client processes (default 3)
  --keys N            keys the operations use (default 3)
  --fault-ms MS       how long faults are injected, in virtual ms (default 1500; 0: none)
  --snapshot-every N  compact the log every N applied entries (default 25; 0: never)
  --bug NAME          plant a bug (forget-vote, lying-fsync, ack-before-fsync, no-dedup,
                      commit-previous-term)
  --options JSON      any other RaftSimulationOptions, as JSON
  --max-failures N    failures to print in full (default 3)
  --help              this text

Exit code 0 when no seed failed, 1 when one did, 2 for bad arguments.`;

/** Where the CLI writes, and its clock: injected so tests can run it. */
export interface SimCliIo {
  readonly write: (text: string) => void;
  readonly now: () => number;
}

/**
 * The `npm run sim` command: runs seeds, prints seeds run, operations checked, faults injected
 * by kind, violations and simulated operations per second; returns the exit code. A failing
 * seed prints its message, which holds the command that replays it.
 *
 * @param argv the arguments after the script name
 * @example
 * runSimCli(['--seeds', '10', '--ops', '50'], { write: (t) => process.stdout.write(t), now: () => performance.now() });
 */
export function runSimCli(argv: readonly string[], io: SimCliIo): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        seeds: { type: 'string' },
        first: { type: 'string' },
        seed: { type: 'string' },
        ops: { type: 'string' },
        nodes: { type: 'string' },
        spares: { type: 'string' },
        clients: { type: 'string' },
        keys: { type: 'string' },
        'fault-ms': { type: 'string' },
        'snapshot-every': { type: 'string' },
        bug: { type: 'string' },
        options: { type: 'string' },
        'max-failures': { type: 'string' },
        help: { type: 'boolean' },
      },
    });
  } catch (error) {
    io.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const v = parsed.values;
  if (v.help === true) {
    io.write(`${USAGE}\n`);
    return 0;
  }
  let base: Omit<RaftSimulationOptions, 'seed'>;
  let seeds: number[];
  let maxFailures: number;
  try {
    const extra: unknown = v.options === undefined ? {} : JSON.parse(v.options);
    if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) throw new TypeError('--options must be a JSON object');
    base = {
      ...(extra as Omit<RaftSimulationOptions, 'seed'>),
      ...defined({
        ops: int(v.ops, '--ops'),
        nodes: int(v.nodes, '--nodes'),
        spares: int(v.spares, '--spares'),
        clients: int(v.clients, '--clients'),
        keys: int(v.keys, '--keys'),
        faultMs: int(v['fault-ms'], '--fault-ms'),
        snapshotEvery: int(v['snapshot-every'], '--snapshot-every'),
        bug: v.bug as SimulationBug | undefined,
      }),
    };
    if (v.seed !== undefined) {
      seeds = [int(v.seed, '--seed') as number];
    } else {
      const first = int(v.first, '--first') ?? 1;
      const count = int(v.seeds, '--seeds') ?? 100;
      if (count < 1) throw new RangeError('--seeds must be at least 1');
      seeds = Array.from({ length: count }, (_, i) => first + i);
    }
    maxFailures = int(v['max-failures'], '--max-failures') ?? 3;
    resolveSimulationOptions({ ...base, seed: seeds[0] as number }); // bad options fail here, not mid-run
  } catch (error) {
    io.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }

  const started = io.now();
  const faults: Record<string, number> = {};
  const operations = { invoked: 0, ok: 0, fail: 0, info: 0 };
  let violations = 0;
  let simulatedMs = 0;
  let events = 0;
  let snapshots = 0;
  let reads = 0;
  let confChanges = 0;
  for (const seed of seeds) {
    try {
      const report = runRaftSimulation({ ...base, seed });
      for (const key of ['invoked', 'ok', 'fail', 'info'] as const) operations[key] += report.operations[key];
      for (const [kind, n] of Object.entries(report.faults)) faults[kind] = (faults[kind] ?? 0) + n;
      simulatedMs += report.simulatedMs;
      events += report.events;
      snapshots += report.snapshots.installed;
      reads += report.readIndexReads;
      confChanges += report.membership.changes;
      if (seeds.length === 1) io.write(`${report.trace.join('\n')}\n\n`);
    } catch (error) {
      if (!isSimulationFailureError(error)) throw error;
      violations++;
      if (violations <= maxFailures) {
        io.write(`${error.message}\n`);
        if (seeds.length === 1) io.write(`${error.trace.join('\n')}\n`);
        io.write('\n');
      }
    }
  }
  const wallMs = io.now() - started;
  const faultTotal = Object.values(faults).reduce((a, b) => a + b, 0);
  const lines = [
    `seeds run:            ${seeds.length} (${seeds[0]}..${seeds[seeds.length - 1]})`,
    `operations checked:   ${operations.invoked} (ok ${operations.ok}, fail ${operations.fail}, info ${operations.info})`,
    `faults injected:      ${faultTotal}`,
    ...Object.entries(faults)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([kind, n]) => `  ${kind.padEnd(20)}${n}`),
    `snapshots installed:  ${snapshots}`,
    `ReadIndex reads:      ${reads}`,
    `membership changes:   ${confChanges} applied`,
    `violations:           ${violations}`,
    `simulated time:       ${(simulatedMs / 1000).toFixed(1)} s virtual, ${events} events`,
    `wall time:            ${(wallMs / 1000).toFixed(2)} s`,
    `simulated ops/s:      ${Math.round(operations.invoked / Math.max(wallMs / 1000, 1e-9))}`,
  ];
  io.write(`${lines.join('\n')}\n`);
  return violations === 0 ? 0 : 1;
}

function int(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${flag} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

function defined<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
