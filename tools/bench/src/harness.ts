/**
 * A small benchmark harness for async operations, run in one process:
 *
 * - every case is first warmed up (and its batch size calibrated);
 * - then `rounds` rounds run; in each round every case is measured once, and the order of
 *   the cases is rotated by one from round to round, so no case always runs first or last;
 * - a case's value for a round is the median of its batch means (ns per op), where a batch
 *   is `n` sequential `await fn()` calls timed with `process.hrtime.bigint()`; batches last
 *   a few ms, so minor GCs are paid inside the batches while rare outliers (a major GC, a
 *   noisy neighbour) are dropped by the median;
 * - the caller compares cases round by round (see stats.ts), never across rounds.
 */
import { rotate, median } from './stats.js';

/** One measured operation plus its untimed hooks. */
export interface BenchCase {
  /** Label printed in the tables. */
  readonly name: string;
  /** One operation. Its result is awaited; a rejection fails the run, so catch inside if expected. */
  readonly fn: () => unknown;
  /** Untimed. Runs before the warm-up and before every round's measurement of this case. */
  readonly setup?: () => void | Promise<void>;
  /** Untimed. Runs after every round's measurement; throw if the case stopped measuring what it claims. */
  readonly check?: () => void | Promise<void>;
  /**
   * A fixed amount of work per round instead of a time budget, for cases whose cost depends
   * on how many calls were made before (e.g. a rolling window that fills up).
   */
  readonly fixed?: { readonly opsPerBatch: number; readonly batchesPerRound: number };
}

/** How long to measure. */
export interface HarnessOptions {
  /** Number of interleaved rounds. */
  readonly rounds: number;
  /** Time budget per case per round, in ms (ignored by cases with `fixed`). */
  readonly roundMs: number;
  /** Warm-up time per case, in ms (cases with `fixed` warm up with one round's worth of work). */
  readonly warmupMs: number;
  /** Target duration of one batch, in ms. */
  readonly batchMs: number;
  /** Called (untimed) before each case's measurement in each round, e.g. a full GC. */
  readonly beforeEach?: () => void | Promise<void>;
  /** Progress notes, e.g. to stderr. */
  readonly progress?: (note: string) => void;
}

/** What was measured for one case: one value per round, in round order. */
export interface CaseSamples {
  readonly name: string;
  /** ns per op in each round (median of that round's batch means). */
  readonly roundNs: readonly number[];
  /** Ops per batch that was used. */
  readonly opsPerBatch: number;
}

type BatchRunner = (n: number) => Promise<void>;

/**
 * Compiles a fresh loop for one case. A loop shared by all cases would make its `fn()` call
 * site megamorphic (slower, and slower for some cases than for others); a function compiled
 * per case keeps the call site monomorphic, as mitata does.
 */
function compileBatch(fn: () => unknown): BatchRunner {
  const factory = new Function(
    'fn',
    '"use strict"; return async function batch(n) { for (let i = 0; i < n; i++) await fn(); };',
  ) as (f: () => unknown) => BatchRunner;
  return factory(fn);
}

async function timeBatch(run: BatchRunner, n: number): Promise<number> {
  const start = process.hrtime.bigint();
  await run(n);
  return Number(process.hrtime.bigint() - start);
}

/** Next batch size so that one batch lasts about `targetNs`; grows at most 10× per step. */
export function nextBatchSize(current: number, elapsedNs: number, targetNs: number): number {
  const scaled = Math.ceil((current * targetNs) / Math.max(elapsedNs, 1));
  return Math.max(1, Math.min(current * 10, scaled));
}

interface Prepared {
  readonly bench: BenchCase;
  readonly run: BatchRunner;
  opsPerBatch: number;
  readonly roundNs: number[];
}

async function warmUp(p: Prepared, options: HarnessOptions): Promise<void> {
  await p.bench.setup?.();
  const { fixed } = p.bench;
  if (fixed) {
    for (let b = 0; b < fixed.batchesPerRound; b++) await p.run(fixed.opsPerBatch);
    p.opsPerBatch = fixed.opsPerBatch;
    return;
  }
  const targetNs = options.batchMs * 1e6;
  const deadline = process.hrtime.bigint() + BigInt(Math.round(options.warmupMs * 1e6));
  let n = 1;
  do {
    const elapsed = await timeBatch(p.run, n);
    n = nextBatchSize(n, elapsed, targetNs);
  } while (process.hrtime.bigint() < deadline);
  p.opsPerBatch = n;
}

async function measureRound(p: Prepared, options: HarnessOptions): Promise<number> {
  await options.beforeEach?.();
  await p.bench.setup?.();
  const perOp: number[] = [];
  const { fixed } = p.bench;
  if (fixed) {
    for (let b = 0; b < fixed.batchesPerRound; b++) {
      perOp.push((await timeBatch(p.run, fixed.opsPerBatch)) / fixed.opsPerBatch);
    }
  } else {
    const budgetNs = options.roundMs * 1e6;
    let spent = 0;
    // At least 5 batches, so the median has something to choose from.
    while (spent < budgetNs || perOp.length < 5) {
      const elapsed = await timeBatch(p.run, p.opsPerBatch);
      spent += elapsed;
      perOp.push(elapsed / p.opsPerBatch);
    }
  }
  await p.bench.check?.();
  return median(perOp);
}

/**
 * Measures a group of cases that are meant to be compared with each other: warm-up, then
 * `options.rounds` interleaved rounds with the case order rotated each round. Returns the
 * samples in the order the cases were given.
 */
export async function measureGroup(cases: readonly BenchCase[], options: HarnessOptions): Promise<CaseSamples[]> {
  const prepared: Prepared[] = cases.map((bench) => ({
    bench,
    run: compileBatch(bench.fn),
    opsPerBatch: 1,
    roundNs: [],
  }));
  for (const p of prepared) await warmUp(p, options);
  for (let round = 0; round < options.rounds; round++) {
    options.progress?.(`round ${round + 1}/${options.rounds}`);
    for (const p of rotate(prepared, round)) p.roundNs.push(await measureRound(p, options));
  }
  return prepared.map((p) => ({ name: p.bench.name, roundNs: p.roundNs, opsPerBatch: p.opsPerBatch }));
}
