// A 30-second chaos run against three member processes of the built app: seed 15's schedule
// pauses members, makes the leader's links lossy, kills members (SIGKILL) and restarts them,
// isolates one and partitions the cluster; the history must be linearizable, the cluster must
// recover, and every planned fault must have been injected.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHistory } from '@bulwark/core/testing';
import { runChaosCli } from '../src/cli/chaos-cli.js';
import { CHAOS_EXIT } from '../src/cli/chaos-report.js';
import { refClock } from '../src/cli/ref-clock.js';
import { loadStartCluster } from '../src/cluster/load-launcher.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-chaos-e2e-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('a seeded 30 s run with kills, pauses, partitions and lossy links is linearizable and recovers', async () => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runChaosCli(['--seed', '15', '--duration', '30', '--clients', '4', '--nodes', '3'], {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    launch: async (options) => (await loadStartCluster())(options),
    clock: refClock,
    tempDir: dir,
  });
  const summary = out.join('\n');
  // On a failure the summary and the run's progress say what happened.
  expect({ code, summary, progress: code === CHAOS_EXIT.ok ? '' : err.join('\n') }).toEqual({ code: CHAOS_EXIT.ok, summary: expect.stringContaining('anomalies: none'), progress: '' });
  expect(summary).toContain('check: linearizable');
  expect(summary).toMatch(/faults injected: 7 of 7 planned \(kill 2, pause 2, partition 1, isolate 1, flaky 1\); nemesis errors: 0/);
  const history = readHistory(await readFile(join(dir, 'bulwark-chaos-15.jsonl'), 'utf8'), { model: 'kv' });
  expect(history.operations.length).toBeGreaterThan(100);
  // A clean run removes the members' data.
  expect(await readdir(dir)).toEqual(['bulwark-chaos-15.jsonl']);
});
