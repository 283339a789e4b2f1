import type { ChaosReport } from '../run-chaos.js';
import { CHAOS_EXIT, chaosExitCode, formatChaosReport, formatCounts } from './chaos-report.js';

const counts = {
  get: { ok: 1200, fail: 3, info: 0 },
  put: { ok: 800, fail: 0, info: 12 },
  cas: { ok: 100, fail: 250, info: 1 },
  delete: { ok: 90, fail: 0, info: 0 },
};

const report: ChaosReport = {
  seed: 42,
  durationMs: 60_000,
  clients: 5,
  members: ['n1', 'n2', 'n3'],
  plan: [
    { atMs: 1000, healAtMs: 2000, fault: { kind: 'kill', target: 'n1' } },
    { atMs: 3000, healAtMs: 4000, fault: { kind: 'pause', target: { leader: true } } },
  ],
  nemesis: { injected: { kill: 1, pause: 0, partition: 0, isolate: 0, flaky: 0 }, events: [], errors: ['pause leader: no member names a leader; fault skipped'] },
  operations: 2456,
  counts,
  finalReads: { answered: 12, total: 12 },
  verdict: { result: 'ok', operations: 2203, unknown: 13, keys: 12, checkMs: 1234 },
  anomalies: [],
  history: '',
};
const context = { historyPath: '/tmp/h.jsonl', replay: 'npm run chaos -- --seed 42' };

describe('formatCounts', () => {
  it('lists each operation with its ok, fail and unknown counts, leaving out zeros', () => {
    expect(formatCounts(counts)).toBe('get 1,200 ok / 3 fail · put 800 ok / 12 unknown · cas 100 ok / 250 fail / 1 unknown · delete 90 ok');
  });
});

describe('formatChaosReport', () => {
  it('prints seed, operations, faults, final reads, the verdict, anomalies and where the history is', () => {
    expect(formatChaosReport(report, context).split('\n')).toEqual([
      'chaos: seed 42, 3 members (n1 n2 n3), 5 clients, 60 s',
      `operations: 2,456 invoked (${formatCounts(counts)})`,
      'faults injected: 1 of 2 planned (kill 1, pause 0, partition 0, isolate 0, flaky 0); nemesis errors: 1',
      '  nemesis error: pause leader: no member names a leader; fault skipped',
      'final reads: 12 of 12 keys answered',
      'check: linearizable (2,203 operations over 12 keys, 13 with an unknown outcome, checked in 1.2 s)',
      'anomalies: none',
      'history: /tmp/h.jsonl (recheck: npx bulwark-lincheck --model kv /tmp/h.jsonl)',
      'replay: npm run chaos -- --seed 42',
    ]);
  });

  it('prints a violation and the checker giving up', () => {
    const bad: ChaosReport = {
      ...report,
      verdict: { ...report.verdict, result: 'illegal', explanation: 'Not linearizable: key "k0.1"\nclient 1: get' },
      anomalies: ['not linearizable: Not linearizable: key "k0.1"\nclient 1: get'],
    };
    const text = formatChaosReport(bad, context);
    expect(text).toContain('check: NOT linearizable (2,203 operations');
    expect(text).toContain('anomalies: 1\n  - not linearizable: Not linearizable: key "k0.1"\n    client 1: get');
    const unknown: ChaosReport = { ...report, verdict: { ...report.verdict, result: 'unknown', explanation: 'the search gave up after 10 ms (3 of 12 keys checked)' } };
    expect(formatChaosReport(unknown, context)).toContain('check: unknown, the search gave up after 10 ms (3 of 12 keys checked) (2,203 operations');
  });
});

describe('chaosExitCode', () => {
  it('is 0 for a clean run, 1 for any anomaly, 2 when the check gave up', () => {
    expect(chaosExitCode(report)).toBe(CHAOS_EXIT.ok);
    expect(chaosExitCode({ ...report, anomalies: ['no write succeeded during the run'] })).toBe(CHAOS_EXIT.anomaly);
    const unknown = { ...report, verdict: { ...report.verdict, result: 'unknown' as const, explanation: 'x' } };
    expect(chaosExitCode(unknown)).toBe(CHAOS_EXIT.unknown);
    expect(chaosExitCode({ ...unknown, anomalies: ['x'] })).toBe(CHAOS_EXIT.anomaly);
  });
});
