/**
 * Turns measured samples into tables: per-case cost, ours-vs-peer ratios, goal status.
 * Pure: the numbers come in, markdown tables come out.
 */
import type { CaseSamples } from './harness.js';
import { median, range, sameRoundAddedRatio, sameRoundDelta, sameRoundRatio } from './stats.js';
import type { Table } from './table.js';
import { formatNs, formatOpsPerSec, formatRatio, formatSignedNs } from './table.js';

/** A target to print beside a number. Goals are reported, never asserted. */
export interface Goal {
  /** `min`: the value should be at least `target`; `max`: at most `target`. */
  readonly kind: 'min' | 'max';
  readonly target: number;
}

/** One line of the goal summary. */
export interface GoalResult {
  readonly what: string;
  readonly goal: string;
  readonly measured: string;
  readonly status: GoalStatus;
}

/** Whether a goal was met; `n/a` when the value could not be measured. */
export type GoalStatus = 'met' | 'MISSED' | 'n/a';

/** Checks a value against a goal. */
export function goalStatus(value: number, goal: Goal): GoalStatus {
  if (Number.isNaN(value)) return 'n/a';
  return (goal.kind === 'min' ? value >= goal.target : value <= goal.target) ? 'met' : 'MISSED';
}

/** A goal as text, e.g. "≥ 5×" or "≤ 1,200 B", using the given unit formatter. */
export function describeGoal(goal: Goal, format: (n: number) => string): string {
  return `${goal.kind === 'min' ? '≥' : '≤'} ${format(goal.target)}`;
}

function find(samples: readonly CaseSamples[], name: string): CaseSamples {
  const found = samples.find((s) => s.name === name);
  if (!found) throw new Error(`no case named ${JSON.stringify(name)}`);
  return found;
}

/**
 * Per-case table: median ns per call, min–max over rounds, added ns over the baseline
 * (same-round differences, then the median), calls per second and × baseline.
 */
export function caseTable(samples: readonly CaseSamples[], baselineName: string): Table {
  const base = find(samples, baselineName);
  return {
    headers: ['case', 'ns/call (median)', 'min–max over rounds', 'added ns over baseline', 'calls/s', '× baseline'],
    align: ['left', 'right', 'right', 'right', 'right', 'right'],
    rows: samples.map((s) => {
      const { min, max } = range(s.roundNs);
      const isBase = s === base;
      return [
        isBase ? `${s.name} (baseline)` : s.name,
        formatNs(median(s.roundNs)),
        `${formatNs(min)}–${formatNs(max)}`,
        isBase ? '0' : formatSignedNs(sameRoundDelta(s.roundNs, base.roundNs)),
        formatOpsPerSec(median(s.roundNs)),
        isBase ? '1.00×' : formatRatio(sameRoundRatio(s.roundNs, base.roundNs)),
      ];
    }),
  };
}

/** One "ours vs peer" comparison, optionally with a speed-up goal. */
export interface Comparison {
  readonly peer: string;
  readonly goal?: Goal;
}

/** Result of {@link comparisonTable}: the table plus the goal lines it produced. */
export interface ComparisonReport {
  readonly table: Table;
  readonly goals: readonly GoalResult[];
}

/**
 * Ours-vs-peer table. "Speed-up" is the peer's ns/call over ours, per round, then the median
 * (> 1 means ours is faster, i.e. that many times the peer's throughput). "Added-cost
 * ratio" does the same with the cost each adds over the baseline.
 */
export function comparisonTable(
  samples: readonly CaseSamples[],
  spec: { readonly scenario: string; readonly baseline: string; readonly ours: string; readonly comparisons: readonly Comparison[] },
): ComparisonReport {
  const base = find(samples, spec.baseline);
  const ours = find(samples, spec.ours);
  const goals: GoalResult[] = [];
  const rows = spec.comparisons.map(({ peer, goal }) => {
    const other = find(samples, peer);
    const speedUp = sameRoundRatio(other.roundNs, ours.roundNs);
    const addedRatio = sameRoundAddedRatio(other.roundNs, ours.roundNs, base.roundNs);
    const row = [`${spec.ours} vs ${peer}`, formatRatio(speedUp), formatRatio(addedRatio), '', ''];
    if (goal) {
      const result: GoalResult = {
        what: `${spec.scenario}: ${spec.ours} vs ${peer} (speed-up)`,
        goal: describeGoal(goal, formatRatio),
        measured: formatRatio(speedUp),
        status: goalStatus(speedUp, goal),
      };
      goals.push(result);
      row[3] = result.goal;
      row[4] = result.status;
    }
    return row;
  });
  return {
    table: {
      headers: ['comparison', 'speed-up (same-round median)', 'added-cost ratio', 'goal', 'status'],
      align: ['left', 'right', 'right', 'left', 'left'],
      rows,
    },
    goals,
  };
}

/** The goal summary table. */
export function goalTable(goals: readonly GoalResult[]): Table {
  return {
    headers: ['what', 'goal', 'measured', 'status'],
    rows: goals.map((g) => [g.what, g.goal, g.measured, g.status]),
  };
}

/** A peer's added cost per call as quoted elsewhere (an issue, an earlier run), in ns. */
export interface QuotedCost {
  readonly peer: string;
  readonly addedNs: number;
}

/**
 * Our and each peer's added ns over the baseline in this run (same-round deltas, then the
 * median), beside the figure `source` quotes for that peer. A figure from another run is
 * context, not a comparison: only this run's columns were measured under the same load.
 */
export function quotedCostTable(
  samples: readonly CaseSamples[],
  spec: { readonly source: string; readonly baseline: string; readonly ours: string; readonly quoted: readonly QuotedCost[] },
): Table {
  const base = find(samples, spec.baseline);
  const ours = sameRoundDelta(find(samples, spec.ours).roundNs, base.roundNs);
  return {
    headers: ['peer', `peer's added ns (${spec.source})`, "peer's added ns (this run)", `${spec.ours} added ns (this run)`],
    align: ['left', 'right', 'right', 'right'],
    rows: spec.quoted.map(({ peer, addedNs }) => [
      peer,
      `~${formatNs(addedNs)}`,
      formatSignedNs(sameRoundDelta(find(samples, peer).roundNs, base.roundNs)),
      formatSignedNs(ours),
    ]),
  };
}
