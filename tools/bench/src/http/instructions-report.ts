/**
 * The tables of the `http-instructions` suite: instructions per request per server and round,
 * and same-round ratios between servers.
 */
import type { Goal, GoalResult } from '../report.js';
import { describeGoal, goalStatus } from '../report.js';
import { median, sameRoundDelta, sameRoundRatio } from '../stats.js';
import type { Table } from '../table.js';
import { formatInteger, formatRatioAndPercent } from './http-report.js';

/** One server's instructions per request, one value per round. */
export interface InstructionSamples {
  readonly label: string;
  readonly perRequest: readonly number[];
}

/** `subject` compared with `baseline`, with an optional goal on the ratio. */
export interface InstructionComparison {
  readonly subject: string;
  readonly baseline: string;
  readonly goal?: Goal;
}

function find(cases: readonly InstructionSamples[], label: string): InstructionSamples {
  const found = cases.find((c) => c.label === label);
  if (found === undefined) throw new Error(`no server labelled ${JSON.stringify(label)}`);
  return found;
}

function signedInteger(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  return `${n < 0 ? '−' : '+'}${formatInteger(Math.abs(n))}`;
}

/** One row per server: each round's instructions per request, and their median. */
export function instructionsTable(cases: readonly InstructionSamples[]): Table {
  const rounds = Math.max(0, ...cases.map((c) => c.perRequest.length));
  return {
    headers: ['server', ...Array.from({ length: rounds }, (_, i) => `round ${i + 1}`), 'median instructions/request'],
    align: ['left', ...Array.from({ length: rounds + 1 }, () => 'right' as const)],
    rows: cases.map((c) => [c.label, ...Array.from({ length: rounds }, (_, i) => (c.perRequest[i] === undefined ? '' : formatInteger(c.perRequest[i] as number))), formatInteger(median(c.perRequest))]),
  };
}

/** One row per comparison: the same-round median ratio and difference of instructions per request, and the goal. */
export function instructionComparisonTable(cases: readonly InstructionSamples[], comparisons: readonly InstructionComparison[]): { table: Table; goals: GoalResult[] } {
  const goals: GoalResult[] = [];
  const rows = comparisons.map(({ subject, baseline, goal }) => {
    const s = find(cases, subject).perRequest;
    const b = find(cases, baseline).perRequest;
    const ratio = sameRoundRatio(s, b);
    const row = [`${subject} vs ${baseline}`, formatRatioAndPercent(ratio), signedInteger(sameRoundDelta(s, b)), '', ''];
    if (goal !== undefined) {
      const result: GoalResult = {
        what: `http-instructions: ${subject} vs ${baseline} (server instructions per request)`,
        goal: describeGoal(goal, formatRatioAndPercent),
        measured: formatRatioAndPercent(ratio),
        status: goalStatus(ratio, goal),
      };
      goals.push(result);
      row[3] = result.goal;
      row[4] = result.status;
    }
    return row;
  });
  return {
    table: { headers: ['comparison', 'instructions per request (same-round median)', 'added instructions/request', 'goal', 'status'], align: ['left', 'right', 'right', 'left', 'left'], rows },
    goals,
  };
}
