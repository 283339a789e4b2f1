import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHistory } from '@bulwark/core/testing';
import { CHAOS_FAULT_KINDS } from '../nemesis/nemesis-plan.js';
import type { FakeCluster, FakeClusterOptions } from '../testing/fake-cluster.js';
import { startFakeCluster } from '../testing/fake-cluster.js';
import type { ChaosCliIo, LaunchOptions } from './chaos-cli.js';
import { runChaosCli } from './chaos-cli.js';
import { CHAOS_EXIT } from './chaos-report.js';
import { refClock } from './ref-clock.js';

const noFaults = Object.fromEntries(CHAOS_FAULT_KINDS.map((kind) => [kind, 0]));
let dir: string;
const fakes: FakeCluster[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaos-cli-test-'));
});

afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
  await rm(dir, { recursive: true, force: true });
});

function io(options: FakeClusterOptions & { failLaunch?: boolean } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const launches: LaunchOptions[] = [];
  const value: ChaosCliIo = {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    launch: async (launch) => {
      launches.push(launch);
      launch.log('[n1] starting');
      if (options.failLaunch) throw new Error('member n2 exited with code 1');
      const fake = await startFakeCluster(options);
      fakes.push(fake);
      return fake.cluster;
    },
    clock: refClock,
    // Short runs with no fault: the nemesis itself is tested with a fake clock elsewhere.
    tune: { maxOperations: 60, nemesis: { weights: noFaults } },
    tempDir: dir,
  };
  return { io: value, out, err, launches };
}

describe('runChaosCli', () => {
  it('prints the usage for --help and refuses a bad flag with exit 64', async () => {
    const help = io();
    expect(await runChaosCli(['--help'], help.io)).toBe(0);
    expect(help.out[0]).toContain('usage: npm run chaos');
    const bad = io();
    expect(await runChaosCli(['--clients', 'many'], bad.io)).toBe(CHAOS_EXIT.usage);
    expect(bad.err[0]).toContain('chaos: --clients must be an integer, got "many"');
    expect(bad.launches).toEqual([]);
  });

  it('launches a cluster with faults on, runs, writes a history that reads back, prints the summary and cleans up', async () => {
    const run = io();
    const code = await runChaosCli(['--seed', '5', '--duration', '30', '--clients', '2', '--nodes', '3'], run.io);
    expect(code).toBe(CHAOS_EXIT.ok);
    const [launch] = run.launches;
    expect(launch).toMatchObject({ nodes: 3, host: '127.0.0.1', faults: true });
    expect(launch.token.length).toBeGreaterThanOrEqual(16);
    expect(launch.dataDir.startsWith(join(dir, 'bulwark-chaos-data-'))).toBe(true);
    expect(existsSync(launch.dataDir)).toBe(false);
    const summary = run.out.join('\n');
    expect(summary).toContain('chaos: seed 5 (replay: npm run chaos -- --seed 5 --duration 30 --clients 2 --nodes 3)');
    expect(summary).toContain('check: linearizable');
    expect(summary).toContain('anomalies: none');
    const history = join(dir, 'bulwark-chaos-5.jsonl');
    expect(summary).toContain(`history: ${history}`);
    expect(readHistory(readFileSync(history, 'utf8'), { model: 'kv' }).operations.length).toBeGreaterThanOrEqual(60);
    expect(fakes[0].calls).toContain('stop');
  });

  it('exits 1 on an anomaly, keeps the data directory and names the faults in the replay command', async () => {
    const run = io({ staleReadsOn: 'n1' });
    const code = await runChaosCli(['--seed', '9', '--clients', '1', '--faults', 'kill,pause', '--history', join(dir, 'h.jsonl')], run.io);
    expect(code).toBe(CHAOS_EXIT.anomaly);
    expect(run.out.join('\n')).toContain('check: NOT linearizable');
    expect(run.out[0]).toContain('--faults kill,pause');
    expect(existsSync(join(dir, 'h.jsonl'))).toBe(true);
    expect(existsSync(run.launches[0].dataDir)).toBe(true);
    expect(run.err.join('\n')).toContain(`members' data kept in ${run.launches[0].dataDir}`);
  });

  it('exits 70 when the cluster does not start, with the last log lines', async () => {
    const run = io({ failLaunch: true });
    expect(await runChaosCli(['--seed', '1'], run.io)).toBe(CHAOS_EXIT.internal);
    const err = run.err.join('\n');
    expect(err).toContain('chaos: the run failed: Error: member n2 exited with code 1');
    expect(err).toContain('last cluster log lines:\n[n1] starting');
    expect(await readdir(dir)).toEqual([expect.stringMatching(/^bulwark-chaos-data-/)]);
  });
});
