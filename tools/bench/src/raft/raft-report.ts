/**
 * The raft suite's numbers and tables: per case (system, operation, connections) requests per
 * second, latency and server CPU per operation; Bulwark ÷ etcd ratios taken within each round;
 * the goals. Pure: samples in, markdown tables out.
 */
import type { Goal, GoalResult } from '../report.js';
import { describeGoal, goalStatus } from '../report.js';
import { median, range, sameRoundRatio } from '../stats.js';
import type { Table } from '../table.js';
import { formatRatio } from '../table.js';
import type { KvBenchOp, KvSystem } from './kv-requests.js';

/** One measured window of one case. */
export interface RaftSample {
  /** Responses per second. */
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** CPU time of all members together in the window, in µs. */
  readonly serverCpuUs: number;
  /** Responses in the window. */
  readonly completed: number;
}

/** What a case measures. */
export interface RaftCase {
  readonly system: KvSystem;
  readonly op: KvBenchOp;
  readonly connections: number;
}

/** A case's samples, one per round in round order. */
export interface RaftCaseSamples extends RaftCase {
  readonly rounds: readonly RaftSample[];
}

/** How the systems are named in the tables. */
export const SYSTEM_LABELS: Readonly<Record<KvSystem, string>> = { bulwark: 'Bulwark (apps/cluster)', etcd: 'etcd' };
const OP_LABELS: Readonly<Record<KvBenchOp, string>> = { put: 'put', get: 'linearizable get' };

/** CPU µs per operation, summed over the members (NaN when nothing completed). */
export function cpuPerOpUs(s: RaftSample): number {
  return s.completed > 0 ? s.serverCpuUs / s.completed : Number.NaN;
}

const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
/** ms with 3 significant digits: 0.412, 1.23, 12.3, 213. */
const ms = (n: number): string => (Number.isFinite(n) ? (n >= 100 ? n.toFixed(0) : n.toPrecision(3)) : 'n/a');
const series = (c: RaftCaseSamples, f: (s: RaftSample) => number): number[] => c.rounds.map(f);

/** Per-case table: medians over rounds (req/s with its range), latency percentiles, CPU per op. */
export function raftCaseTable(cases: readonly RaftCaseSamples[]): Table {
  return {
    headers: ['system', 'operation', 'connections', 'req/s (median)', 'min–max', 'p50 ms', 'p99 ms', 'server CPU µs/op (all members)'],
    align: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right'],
    rows: cases.map((c) => {
      const rps = series(c, (s) => s.requestsPerSecond);
      const r = range(rps);
      return [
        SYSTEM_LABELS[c.system],
        OP_LABELS[c.op],
        String(c.connections),
        int(median(rps)),
        `${int(r.min)}–${int(r.max)}`,
        ms(median(series(c, (s) => s.latencyP50Ms))),
        ms(median(series(c, (s) => s.latencyP99Ms))),
        int(median(series(c, cpuPerOpUs))),
      ];
    }),
  };
}

/** Bulwark ÷ etcd for one operation and connection count, each ratio taken per round, then the median. */
export interface RaftRatios {
  readonly op: KvBenchOp;
  readonly connections: number;
  /** > 1: Bulwark serves more. */
  readonly throughput: number;
  /** < 1: Bulwark answers faster. */
  readonly p50: number;
  readonly p99: number;
  /** < 1: Bulwark spends less CPU per operation. */
  readonly cpuPerOp: number;
}

function find(cases: readonly RaftCaseSamples[], system: KvSystem, op: KvBenchOp, connections: number): RaftCaseSamples {
  const found = cases.find((c) => c.system === system && c.op === op && c.connections === connections);
  if (found === undefined) throw new Error(`no ${system} ${op} case at ${connections} connections`);
  return found;
}

/**
 * The ratios for every (operation, connections) both systems were measured at, in the order of
 * Bulwark's cases.
 *
 * @throws Error when etcd lacks a case Bulwark has; RangeError when their round counts differ
 */
export function raftRatios(cases: readonly RaftCaseSamples[]): RaftRatios[] {
  return cases
    .filter((c) => c.system === 'bulwark')
    .map((ours) => {
      const peer = find(cases, 'etcd', ours.op, ours.connections);
      const ratio = (f: (s: RaftSample) => number): number => sameRoundRatio(series(ours, f), series(peer, f));
      return {
        op: ours.op,
        connections: ours.connections,
        throughput: ratio((s) => s.requestsPerSecond),
        p50: ratio((s) => s.latencyP50Ms),
        p99: ratio((s) => s.latencyP99Ms),
        cpuPerOp: ratio(cpuPerOpUs),
      };
    });
}

/** The ratio table. */
export function raftRatioTable(ratios: readonly RaftRatios[]): Table {
  return {
    headers: ['operation', 'connections', 'req/s Bulwark ÷ etcd', 'p50 Bulwark ÷ etcd', 'p99 Bulwark ÷ etcd', 'CPU/op Bulwark ÷ etcd'],
    align: ['left', 'right', 'right', 'right', 'right', 'right'],
    rows: ratios.map((r) => [OP_LABELS[r.op], String(r.connections), formatRatio(r.throughput), formatRatio(r.p50), formatRatio(r.p99), formatRatio(r.cpuPerOp)]),
  };
}

/** One of the goals: a bound on one ratio of one case. */
export interface RaftGoal {
  readonly what: string;
  readonly op: KvBenchOp;
  readonly connections: number;
  readonly ratio: 'throughput' | 'p50';
  readonly goal: Goal;
}

/** The goals (issue 6, "Chaos and benchmarks"). */
export const RAFT_GOALS: readonly RaftGoal[] = [
  { what: 'puts/s at 64 connections, Bulwark ÷ etcd', op: 'put', connections: 64, ratio: 'throughput', goal: { kind: 'min', target: 1 } },
  { what: 'single-connection put latency p50, Bulwark ÷ etcd', op: 'put', connections: 1, ratio: 'p50', goal: { kind: 'max', target: 1 } },
  { what: 'linearizable gets/s at 64 connections, Bulwark ÷ etcd', op: 'get', connections: 64, ratio: 'throughput', goal: { kind: 'min', target: 1 } },
];

/** The goal lines for the ratios measured (`n/a` for a case not measured). */
export function raftGoals(ratios: readonly RaftRatios[], goals: readonly RaftGoal[] = RAFT_GOALS): GoalResult[] {
  return goals.map((g) => {
    const r = ratios.find((x) => x.op === g.op && x.connections === g.connections);
    const value = r === undefined ? Number.NaN : r[g.ratio];
    return { what: `raft: ${g.what}`, goal: describeGoal(g.goal, formatRatio), measured: r === undefined ? 'not measured' : formatRatio(value), status: goalStatus(value, g.goal) };
  });
}
