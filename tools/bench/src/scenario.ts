/**
 * What the speed suites share: a scenario (cases compared with each other, untimed checks),
 * the untimed result checks, the method paragraph, and the loop that verifies, measures and
 * prints one scenario.
 */
import type { BenchCase, CaseSamples, HarnessOptions } from './harness.js';
import { measureGroup } from './harness.js';
import type { Comparison, GoalResult } from './report.js';
import { caseTable, comparisonTable } from './report.js';
import type { SuiteContext } from './suite.js';
import { formatTable } from './table.js';

/** A group of cases measured together and compared with ours. */
export interface Scenario {
  readonly title: string;
  /** Used in progress notes and goal lines. */
  readonly short: string;
  readonly notes: readonly string[];
  /** The name of the baseline case. */
  readonly baseline: string;
  readonly cases: readonly BenchCase[];
  readonly comparisons: readonly Comparison[];
  /** Untimed sanity checks run once before measuring (results, states). */
  readonly verify: () => Promise<void>;
  /** Releases breakers and timers. */
  readonly dispose: () => void;
}

/** What {@link runScenario} measured and which goal lines it produced. */
export interface ScenarioResult {
  readonly samples: readonly CaseSamples[];
  readonly goals: readonly GoalResult[];
}

/** Awaits `promise` and throws unless it resolves to `expected` (compared with `===`). */
export async function expectValue(promise: Promise<unknown>, expected: unknown, what: string): Promise<void> {
  const value = await promise;
  if (value !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(value)}`);
}

/** Awaits `promise` and throws unless it rejects with an error that `accept` accepts. */
export async function expectRejection(promise: Promise<unknown>, accept: (e: unknown) => boolean, what: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (accept(error)) return;
    throw new Error(`${what}: rejected with an unexpected error: ${String(error)}`, { cause: error });
  }
  throw new Error(`${what}: expected a rejection, got a value`);
}

/** The paragraph that explains how the numbers below it were taken. */
export function methodNote(settings: Pick<HarnessOptions, 'rounds' | 'roundMs' | 'batchMs'>): string {
  return (
    `Method: one process; per scenario a warm-up, then ${settings.rounds} interleaved rounds with the case order rotated each round; ` +
    `per case per round the median of batch means (batches of ~${settings.batchMs} ms of sequential \`await\`s, ~${settings.roundMs} ms per case per round, ` +
    'full GC before each case). Values are medians over rounds; added ns and ratios are taken within each round, then the median. ' +
    'Speed-up = peer ns/call ÷ ours (> 1: ours is faster). Goals are printed, not asserted.'
  );
}

/**
 * Verifies the scenario (untimed), measures its cases, prints its heading, notes, case table
 * and comparison table, and disposes of it, even when something throws.
 *
 * @param label prefix of the progress notes, e.g. `2/5`
 * @param ours the name of our case, which every comparison is against
 */
export async function runScenario(
  scenario: Scenario,
  options: { readonly ctx: SuiteContext; readonly harness: HarnessOptions; readonly label: string; readonly ours: string },
): Promise<ScenarioResult> {
  const { ctx, harness, label, ours } = options;
  try {
    await scenario.verify();
    const samples = await measureGroup(scenario.cases, {
      ...harness,
      progress: (note) => ctx.progress(`${label} ${scenario.short}: ${note}`),
    });
    const comparison = comparisonTable(samples, {
      scenario: scenario.short,
      baseline: scenario.baseline,
      ours,
      comparisons: scenario.comparisons,
    });
    ctx.out(`\n## ${scenario.title}\n`);
    for (const note of scenario.notes) ctx.out(`${note}\n`);
    ctx.out(formatTable(caseTable(samples, scenario.baseline)));
    ctx.out('');
    ctx.out(formatTable(comparison.table));
    return { samples, goals: comparison.goals };
  } finally {
    scenario.dispose();
  }
}
