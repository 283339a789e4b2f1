/**
 * The run's summary as printed, and the exit code it earns. Pure: a report in, text out.
 */
import type { OutcomeCounts } from '../history/history-recorder.js';
import { CHAOS_FAULT_KINDS } from '../nemesis/nemesis-plan.js';
import type { ChaosReport } from '../run-chaos.js';

/** The exit codes of `npm run chaos`. */
export const CHAOS_EXIT = Object.freeze({
  /** Linearizable, recovered, progressed. */
  ok: 0,
  /** An anomaly: not linearizable, no recovery after the faults, or no progress. */
  anomaly: 1,
  /** The checker gave up before a verdict (and nothing else was wrong). */
  unknown: 2,
  /** A bad command line. */
  usage: 64,
  /** The run itself failed (the cluster did not start, a bug). */
  internal: 70,
});

/** The exit code a report earns. */
export function chaosExitCode(report: Pick<ChaosReport, 'anomalies' | 'verdict'>): number {
  if (report.anomalies.length > 0) return CHAOS_EXIT.anomaly;
  return report.verdict.result === 'unknown' ? CHAOS_EXIT.unknown : CHAOS_EXIT.ok;
}

const n = (x: number): string => x.toLocaleString('en-US');

/** `get 5,000 ok / 3 fail · put 3,000 ok / 20 unknown · …`, leaving out zero counts. */
export function formatCounts(counts: OutcomeCounts): string {
  return (Object.keys(counts) as Array<keyof OutcomeCounts>)
    .map((f) => {
      const c = counts[f];
      const parts = [`${n(c.ok)} ok`];
      if (c.fail > 0) parts.push(`${n(c.fail)} fail`);
      if (c.info > 0) parts.push(`${n(c.info)} unknown`);
      return `${f} ${parts.join(' / ')}`;
    })
    .join(' · ');
}

/** What the summary needs beyond the report. */
export interface ReportContext {
  /** Where the history was written. */
  readonly historyPath: string;
  /** The command that replays the run's schedule. */
  readonly replay: string;
}

/**
 * The summary: seed, members and clients, operations per outcome, faults injected, final
 * reads, the checker's verdict and time, the anomalies, and where the history is.
 */
export function formatChaosReport(report: ChaosReport, context: ReportContext): string {
  const { verdict, nemesis } = report;
  const injected = CHAOS_FAULT_KINDS.reduce((sum, kind) => sum + nemesis.injected[kind], 0);
  const lines = [
    `chaos: seed ${report.seed}, ${report.members.length} members (${report.members.join(' ')}), ${report.clients} clients, ${(report.durationMs / 1000).toFixed(0)} s`,
    `operations: ${n(report.operations)} invoked (${formatCounts(report.counts)})`,
    `faults injected: ${injected} of ${report.plan.length} planned (${CHAOS_FAULT_KINDS.map((kind) => `${kind} ${nemesis.injected[kind]}`).join(', ')}); nemesis errors: ${nemesis.errors.length}`,
    ...nemesis.errors.slice(0, 10).map((e) => `  nemesis error: ${e}`),
    `final reads: ${report.finalReads.answered} of ${report.finalReads.total} keys answered`,
  ];
  const shape = `${n(verdict.operations)} operations over ${verdict.keys} keys, ${n(verdict.unknown)} with an unknown outcome, checked in ${(verdict.checkMs / 1000).toFixed(1)} s`;
  if (verdict.result === 'ok') lines.push(`check: linearizable (${shape})`);
  else if (verdict.result === 'illegal') lines.push(`check: NOT linearizable (${shape})`);
  else lines.push(`check: unknown, ${verdict.explanation} (${shape})`);
  if (report.anomalies.length === 0) lines.push('anomalies: none');
  else lines.push(`anomalies: ${report.anomalies.length}`, ...report.anomalies.map((a) => `  - ${a.replaceAll('\n', '\n    ')}`));
  lines.push(`history: ${context.historyPath} (recheck: npx bulwark-lincheck --model kv ${context.historyPath})`, `replay: ${context.replay}`);
  return lines.join('\n');
}
