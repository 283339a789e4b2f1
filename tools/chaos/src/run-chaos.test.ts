import { readHistory } from '@bulwark/core/testing';
import { refClock } from './cli/ref-clock.js';
import { runChaos } from './run-chaos.js';
import type { ChaosOptions } from './run-chaos.js';
import type { FakeCluster, FakeClusterOptions } from './testing/fake-cluster.js';
import { startFakeCluster } from './testing/fake-cluster.js';

// The clients run against in-process servers until `maxOperations`; the duration is long
// enough never to end a run first. The nemesis's waits return at once, so it runs through its
// schedule while the clients work.
const base: ChaosOptions = { seed: 11, durationMs: 600_000, clients: 4, maxOperations: 400, recoveryTimeoutMs: 5_000 };
const noWait = (): Promise<void> => Promise.resolve();

const running: FakeCluster[] = [];
async function fake(options?: FakeClusterOptions): Promise<FakeCluster> {
  const started = await startFakeCluster(options);
  running.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.close()));
});

describe('runChaos', () => {
  it('finds a correct store linearizable, with the faults of the schedule injected and healed', async () => {
    const { cluster, target, calls } = await fake();
    const report = await runChaos(base, { cluster, target, clock: refClock, sleep: noWait });
    expect(report.anomalies).toEqual([]);
    expect(report.verdict.result).toBe('ok');
    expect(report.operations).toBe(400 + report.finalReads.total);
    expect(report.finalReads.answered).toBe(report.finalReads.total);
    expect(report.finalReads.total).toBeGreaterThan(0);
    const injected = Object.values(report.nemesis.injected).reduce((a, b) => a + b, 0);
    expect(injected).toBeGreaterThan(0);
    expect(injected).toBe(report.plan.length);
    expect(calls.some((c) => c.startsWith('kill ') || c.startsWith('pause ') || c.startsWith('set '))).toBe(true);
    // The faults are in the history as nemesis lines, which the checker skips.
    expect(report.history.split('\n').filter((l) => l.includes('"process":"nemesis"')).length).toBe(2 * injected);
    expect(readHistory(report.history, { model: 'kv' }).operations.length).toBe(report.verdict.operations);
    const counts = report.counts;
    expect(counts.get.ok + counts.put.ok + counts.cas.ok + counts.cas.fail + counts.delete.ok).toBe(report.operations);
  });

  it('draws the same schedule for the same seed', async () => {
    const a = await fake();
    const b = await fake();
    const one = await runChaos({ ...base, maxOperations: 20 }, { cluster: a.cluster, target: a.target, clock: refClock, sleep: noWait });
    const two = await runChaos({ ...base, maxOperations: 20 }, { cluster: b.cluster, target: b.target, clock: refClock, sleep: noWait });
    expect(two.plan).toEqual(one.plan);
  });

  it('reports a member serving stale reads as not linearizable', async () => {
    const { cluster, target } = await fake({ staleReadsOn: 'n2' });
    // One client: the run is the same every time.
    const report = await runChaos({ ...base, clients: 1, maxOperations: 300 }, { cluster, target, clock: refClock, sleep: noWait });
    expect(report.verdict.result).toBe('illegal');
    expect(report.anomalies[0]).toMatch(/^not linearizable: Not linearizable: key "k\d+\.\d+"/);
  });

  it('reports no progress when every write is refused', async () => {
    const { cluster, target } = await fake({ writeStatus: 400 });
    const report = await runChaos({ ...base, maxOperations: 50 }, { cluster, target, clock: refClock, sleep: noWait });
    expect(report.verdict.result).toBe('ok');
    expect(report.anomalies).toEqual(['no write succeeded during the run']);
  });

  it('reports a cluster with no leader after the faults healed', async () => {
    const { cluster, target } = await fake({ noLeader: true });
    const report = await runChaos({ ...base, maxOperations: 50, nemesis: { leaderShare: 0 } }, { cluster, target, clock: refClock, sleep: noWait });
    expect(report.anomalies).toEqual(['no leader within 5000 ms after the faults healed: no leader (fake)']);
    expect(report.finalReads).toEqual({ answered: 0, total: 0 });
  });

  it('refuses bad options', async () => {
    const { cluster, target } = await fake();
    const deps = { cluster, target, clock: refClock, sleep: noWait };
    await expect(runChaos({ ...base, seed: 0.5 }, deps)).rejects.toThrow('options.seed must be an integer, got 0.5');
    await expect(runChaos({ ...base, durationMs: 0 }, deps)).rejects.toThrow('options.durationMs must be a positive integer, got 0');
    await expect(runChaos({ ...base, clients: 0 }, deps)).rejects.toThrow('options.clients must be a positive integer, got 0');
  });
});
