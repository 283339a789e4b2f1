/**
 * The http suite's numbers and tables: requests per second and server CPU per request per
 * case, same-round ratios between cases, goals. Pure: samples in, markdown tables out.
 */
import type { Goal, GoalResult } from '../report.js';
import { describeGoal, goalStatus } from '../report.js';
import { median, range, sameRoundDelta, sameRoundRatio } from '../stats.js';
import type { Table } from '../table.js';
import { formatRatio } from '../table.js';

/** One measured window of one case (one server process under load). */
export interface HttpSample {
  /** Responses received in the window. */
  readonly completed: number;
  /** Wall-clock length of the window, in µs. */
  readonly wallUs: number;
  /** CPU time (user + system) the server process used in the window, in µs. */
  readonly serverCpuUs: number;
  /** CPU time the load generator (this process) used in the window, in µs. */
  readonly clientCpuUs: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
}

/** Every round's sample of one case, in round order. */
export interface HttpCaseSamples {
  readonly label: string;
  readonly rounds: readonly HttpSample[];
}

/** Responses per second of a sample. */
export function requestsPerSecond(s: HttpSample): number {
  return s.completed / (s.wallUs / 1e6);
}

/** Server CPU µs per response of a sample (NaN when nothing completed). */
export function cpuPerRequestUs(s: HttpSample): number {
  return s.completed > 0 ? s.serverCpuUs / s.completed : Number.NaN;
}

/** CPU time over wall time: 1 is one core fully busy. */
export function coreShare(cpuUs: number, wallUs: number): number {
  return cpuUs / wallUs;
}

/** A whole number with thousands separators: "12,345"; "n/a" if not finite. */
export function formatInteger(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  return Math.round(n).toLocaleString('en-US');
}

/** A duration in µs with one decimal: "41.7"; "n/a" if not finite. */
export function formatMicros(us: number): string {
  return Number.isFinite(us) ? us.toFixed(1) : 'n/a';
}

/** A ratio as the signed percentage it adds: 1.031 → "+3.1%", 0.98 → "-2.0%"; "n/a" if not finite. */
export function formatPercentOver(ratio: number): string {
  if (!Number.isFinite(ratio)) return 'n/a';
  const pct = (ratio - 1) * 100;
  const text = pct.toFixed(1);
  return text.startsWith('-') ? `${text}%` : `+${text}%`;
}

/** A ratio as "1.03× (+3.1%)". */
export function formatRatioAndPercent(ratio: number): string {
  return Number.isFinite(ratio) ? `${formatRatio(ratio)} (${formatPercentOver(ratio)})` : 'n/a';
}

const series = (c: HttpCaseSamples, f: (s: HttpSample) => number): number[] => c.rounds.map(f);
const share = (pick: (s: HttpSample) => number) => (s: HttpSample): number => coreShare(pick(s), s.wallUs);
const percent = (x: number): string => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : 'n/a');

function find(cases: readonly HttpCaseSamples[], label: string): HttpCaseSamples {
  const found = cases.find((c) => c.label === label);
  if (found === undefined) throw new Error(`no http case labelled ${JSON.stringify(label)}`);
  return found;
}

/**
 * Per-case table: medians over rounds (with min–max) of requests per second and of server CPU
 * µs per request, the median share of a core the server and the load generator used, and
 * the median latency percentiles.
 */
export function httpCaseTable(cases: readonly HttpCaseSamples[]): Table {
  return {
    headers: ['case', 'req/s (median)', 'min–max', 'server CPU µs/req (median)', 'min–max', 'server CPU (of a core)', 'load generator CPU (of a core)', 'latency p50 / p99 (ms)'],
    align: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    rows: cases.map((c) => {
      const rps = series(c, requestsPerSecond);
      const cpu = series(c, cpuPerRequestUs);
      const r = range(rps);
      const u = range(cpu);
      return [
        c.label,
        formatInteger(median(rps)),
        `${formatInteger(r.min)}–${formatInteger(r.max)}`,
        formatMicros(median(cpu)),
        `${formatMicros(u.min)}–${formatMicros(u.max)}`,
        percent(median(series(c, share((s) => s.serverCpuUs)))),
        percent(median(series(c, share((s) => s.clientCpuUs)))),
        `${median(series(c, (s) => s.latencyP50Ms))} / ${median(series(c, (s) => s.latencyP99Ms))}`,
      ];
    }),
  };
}

/** One comparison of two cases measured in the same rounds, with an optional goal on the CPU ratio. */
export interface HttpComparison {
  readonly subject: string;
  readonly baseline: string;
  /** A goal on `subject`'s server CPU per request over `baseline`'s (e.g. `max 1.05`: at most 5% more). */
  readonly goal?: Goal;
}

/** The ratios of one {@link HttpComparison}: per round, then the median over rounds. */
export interface HttpRatios {
  /** subject's server CPU µs/request ÷ baseline's. */
  readonly cpuRatio: number;
  /** subject's server CPU µs/request − baseline's. */
  readonly addedCpuUs: number;
  /** subject's requests per second ÷ baseline's. */
  readonly throughputRatio: number;
}

/** The same-round ratios of `subject` over `baseline`. */
export function httpRatios(subject: HttpCaseSamples, baseline: HttpCaseSamples): HttpRatios {
  const cpuS = series(subject, cpuPerRequestUs);
  const cpuB = series(baseline, cpuPerRequestUs);
  return {
    cpuRatio: sameRoundRatio(cpuS, cpuB),
    addedCpuUs: sameRoundDelta(cpuS, cpuB),
    throughputRatio: sameRoundRatio(series(subject, requestsPerSecond), series(baseline, requestsPerSecond)),
  };
}

/** The comparison table and the goal lines it produced. */
export interface HttpComparisonReport {
  readonly table: Table;
  readonly goals: readonly GoalResult[];
}

/** One row per comparison: server CPU per request ratio and difference, req/s ratio, goal. */
export function httpComparisonTable(cases: readonly HttpCaseSamples[], comparisons: readonly HttpComparison[]): HttpComparisonReport {
  const goals: GoalResult[] = [];
  const rows = comparisons.map(({ subject, baseline, goal }) => {
    const ratios = httpRatios(find(cases, subject), find(cases, baseline));
    const row = [`${subject} vs ${baseline}`, formatRatioAndPercent(ratios.cpuRatio), formatSignedMicros(ratios.addedCpuUs), formatRatio(ratios.throughputRatio), '', ''];
    if (goal !== undefined) {
      const result: GoalResult = {
        what: `http: ${subject} vs ${baseline} (server CPU per request)`,
        goal: describeGoal(goal, formatRatioAndPercent),
        measured: formatRatioAndPercent(ratios.cpuRatio),
        status: goalStatus(ratios.cpuRatio, goal),
      };
      goals.push(result);
      row[4] = result.goal;
      row[5] = result.status;
    }
    return row;
  });
  return {
    table: {
      headers: ['comparison', 'server CPU per request (same-round median)', 'added µs/req', 'req/s ratio', 'goal', 'status'],
      align: ['left', 'right', 'right', 'right', 'left', 'left'],
      rows,
    },
    goals,
  };
}

/** µs with a sign: "+1.8", "-0.3"; "n/a" if not finite. */
export function formatSignedMicros(us: number): string {
  if (!Number.isFinite(us)) return 'n/a';
  const text = formatMicros(us);
  return text.startsWith('-') ? text : `+${text}`;
}

/**
 * Every round: the order the cases ran in, and each case's req/s and server CPU µs/request.
 *
 * @param orders the labels in the order each round ran them
 * @throws RangeError when `orders` and the samples disagree on the number of rounds
 */
export function httpRoundsTable(cases: readonly HttpCaseSamples[], orders: readonly (readonly string[])[]): Table {
  for (const c of cases) {
    if (c.rounds.length !== orders.length) throw new RangeError(`${c.label} has ${c.rounds.length} rounds, the orders ${orders.length}`);
  }
  return {
    headers: ['round', 'order', ...cases.map((c) => `${c.label}: req/s · µs/req`)],
    align: ['right', 'left', ...cases.map((): 'right' => 'right')],
    rows: orders.map((order, i) => [
      String(i + 1),
      order.map((label) => cases.findIndex((c) => c.label === label) + 1).join(' → '),
      ...cases.map((c) => `${formatInteger(requestsPerSecond(c.rounds[i]))} · ${formatMicros(cpuPerRequestUs(c.rounds[i]))}`),
    ]),
  };
}

/**
 * A warning when the load generator used at least `threshold` of a core (median over all
 * samples): then req/s is bounded by it as much as by the server, and server CPU per request
 * is the figure to compare. `undefined` otherwise.
 */
export function loadGeneratorNote(cases: readonly HttpCaseSamples[], threshold = 0.9): string | undefined {
  const shares = cases.flatMap((c) => series(c, share((s) => s.clientCpuUs)));
  const m = median(shares);
  if (!(m >= threshold)) return undefined;
  return `The load generator (autocannon, in this process) used a median ${percent(m)} of a core: req/s is bounded by it as much as by the servers, so compare server CPU per request, not req/s.`;
}
