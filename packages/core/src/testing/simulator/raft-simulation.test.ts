import { type RaftSimulationReport, runRaftSimulation } from './raft-simulation.js';
import type { RaftSimulationOptions } from './simulation-options.js';
import { isSimulationFailureError } from './simulation-failure-error.js';

// Seeded runs: fixed seed ranges, so CI is deterministic; SIM_SEEDS multiplies them for a longer
// run (`SIM_SEEDS=10 npx jest src/testing/simulator/raft-simulation`). A failure names the seed
// and the command that replays it (the SimulationFailureError message).
const SCALE = Number(process.env['SIM_SEEDS'] ?? 1);

interface Config {
  readonly name: string;
  readonly seeds: number;
  readonly options: Omit<RaftSimulationOptions, 'seed'>;
}

const configs: readonly Config[] = [
  { name: '3 nodes, defaults', seeds: 80, options: {} },
  { name: '5 nodes, 60 operations on 4 keys', seeds: 50, options: { nodes: 5, ops: 60, keys: 4 } },
  {
    name: '5 nodes without pre-vote or check-quorum, snapshots every 10 entries',
    seeds: 30,
    options: { nodes: 5, raft: { preVote: false, checkQuorum: false }, snapshotEvery: 10 },
  },
  {
    name: '3 nodes, lease-based reads, many pauses, every get by ReadIndex',
    seeds: 20,
    options: { raft: { readOnly: 'leaseBased' }, nemesis: { weights: { pause: 4 } }, readIndexShare: 1, snapshotEvery: 8 },
  },
  {
    name: '3 nodes, lossy links, small batches, clients that give up early',
    seeds: 20,
    options: {
      link: { dropRate: 0.1, duplicateRate: 0.1, reorderRate: 0.3, maxDelayMs: 30 },
      raft: { maxEntriesPerMessage: 2 },
      giveUpAfterMs: 300,
      snapshotEvery: 5,
    },
  },
];

function total(reports: readonly RaftSimulationReport[], pick: (r: RaftSimulationReport) => number): number {
  return reports.reduce((sum, r) => sum + pick(r), 0);
}

describe('runRaftSimulation', () => {
  it.each(configs)('$name: every seed keeps every invariant, makes progress once healed and is linearizable', ({ seeds, options }) => {
    const reports: RaftSimulationReport[] = [];
    for (let seed = 1; seed <= seeds * SCALE; seed++) reports.push(runRaftSimulation({ ...options, seed }));
    // The runs did what they claim: faults of every kind, crashes that lost writes, snapshots
    // sent to followers, and operations whose outcome stayed unknown.
    const faults = (kind: string) => total(reports, (r) => r.faults[kind] ?? 0);
    for (const kind of ['partition', 'isolate', 'one-way', 'bridge', 'link', 'pause', 'crash', 'drop', 'duplicate', 'reorder', 'transfer-leader', 'membership']) {
      expect(faults(kind)).toBeGreaterThan(0);
    }
    expect(total(reports, (r) => r.operations.invoked)).toBe(seeds * SCALE * (options.ops ?? 40));
    expect(total(reports, (r) => r.operations.ok)).toBeGreaterThan(0.9 * total(reports, (r) => r.operations.invoked));
    expect(total(reports, (r) => r.snapshots.installed)).toBeGreaterThan(0);
    expect(total(reports, (r) => r.readIndexReads)).toBeGreaterThan(0);
    expect(total(reports, (r) => r.membership.changes)).toBeGreaterThan(0);
    expect(total(reports, (r) => r.checks)).toBeGreaterThan(total(reports, (r) => r.events));
  });

  it('crashes lose unsynced writes, and clients see unknown outcomes, somewhere in the runs', () => {
    const reports = Array.from({ length: 30 }, (_, i) => runRaftSimulation({ seed: 1000 + i, giveUpAfterMs: 150, link: { dropRate: 0.2 } }));
    expect(total(reports, (r) => r.lostWrites)).toBeGreaterThan(0);
    expect(total(reports, (r) => r.faults['crash-during-fsync'] ?? 0)).toBeGreaterThan(0);
    expect(total(reports, (r) => r.operations.info)).toBeGreaterThan(0);
  });

  it.each([
    // A crash kept a follower's snapshot from the leader but not the hard state after it: the
    // node restarts with its snapshot past its stored commit index.
    [1392, {}],
  ])('passes seed %i, which once failed', (seed, options) => {
    expect(runRaftSimulation({ ...options, seed }).operations.invoked).toBe(40);
  });

  it('replays a seed exactly: two runs of one seed give identical traces', () => {
    const options = { seed: 4242, nodes: 5, ops: 50 };
    const a = runRaftSimulation(options);
    const b = runRaftSimulation(options);
    expect(b.trace).toEqual(a.trace);
    expect(b.history).toEqual(a.history);
    expect(b.digest).toBe(a.digest);
    expect(b.messages).toEqual(a.messages);
    expect(a.trace.length).toBeGreaterThan(50);
    expect(runRaftSimulation({ ...options, seed: 4243 }).digest).not.toBe(a.digest);
  });

  it('reports what it ran', () => {
    const report = runRaftSimulation({ seed: 3, ops: 20 });
    expect(report.seed).toBe(3);
    expect(report.operations.invoked).toBe(20);
    expect(report.operations.ok + report.operations.fail + report.operations.info).toBe(20);
    expect(report.history.filter((e) => e.type === 'invoke')).toHaveLength(20);
    expect(report.simulatedMs).toBeGreaterThan(1600);
    expect(report.leaderAfterHealMs).toBeGreaterThanOrEqual(0);
    expect(report.trace.some((line) => / c\d invoke /.test(line))).toBe(true);
  });

  it('serves gets through the log only, or by ReadIndex only, as told', () => {
    expect(runRaftSimulation({ seed: 8, readIndexShare: 0 }).readIndexReads).toBe(0);
    const all = runRaftSimulation({ seed: 8, readIndexShare: 1, faultMs: 0 });
    expect(all.readIndexReads).toBe(all.history.filter((e) => e.type === 'invoke' && e.input.op === 'get').length);
  });

  it('transfers leadership during the faults, or not when its weight is 0', () => {
    expect(runRaftSimulation({ seed: 9, transferWeight: 20 }).faults['transfer-leader']).toBeGreaterThan(3);
    expect(runRaftSimulation({ seed: 9, transferWeight: 0 }).faults['transfer-leader']).toBeUndefined();
  });

  it('changes the membership during the faults: servers join, leave and are shut down', () => {
    const reports = Array.from({ length: 10 }, (_, i) => runRaftSimulation({ seed: 50 + i, membershipWeight: 8, spares: 3 }));
    const lines = reports.flatMap((r) => r.trace).filter((line) => / membership /.test(line) && line.endsWith(': proposed'));
    for (const step of ['add-learner', 'promote', 'remove', 'add-voter']) expect(lines.some((line) => line.includes(step))).toBe(true);
    expect(lines.some((line) => line.includes('(joint, explicit)'))).toBe(true);
    expect(total(reports, (r) => r.faults['retire'] ?? 0)).toBeGreaterThan(0);
    expect(reports.some((r) => r.membership.members.some((id) => !['n1', 'n2', 'n3'].includes(id)))).toBe(true);
    expect(runRaftSimulation({ seed: 50, membershipWeight: 0 }).membership).toEqual({ changes: 0, members: ['n1', 'n2', 'n3'] });
  });

  it('runs without faults, and with a single node', () => {
    const calm = runRaftSimulation({ seed: 1, faultMs: 0 });
    expect(calm.faults).toEqual({});
    expect(calm.operations.ok).toBe(40);
    const single = runRaftSimulation({ seed: 2, nodes: 1, ops: 10 });
    expect(single.operations.ok).toBe(10);
  });

  it('throws a SimulationFailureError naming the seed, the property and a replay command', () => {
    let caught: unknown;
    try {
      runRaftSimulation({ seed: 1, bug: 'ack-before-fsync' });
    } catch (error) {
      caught = error;
    }
    expect(isSimulationFailureError(caught)).toBe(true);
    if (!isSimulationFailureError(caught)) return;
    expect(caught.seed).toBe(1);
    expect(caught.kind).toBe('safety');
    expect(caught.property).toBe('Durability');
    expect(caught.replay).toBe('npm run sim -- --seed 1 --bug ack-before-fsync');
    expect(caught.message).toMatch(/^Raft simulation failed at seed 1, \d+ ms: Durability: committed .* durable logs/);
    expect(caught.message).toContain('\n  replay: npm run sim -- --seed 1 --bug ack-before-fsync');
    expect(caught.trace.length).toBeGreaterThan(0);
  });

  it.each<[string, object, RegExp]>([
    ['no seed', {}, /options\.seed must be an integer/],
    ['a fractional seed', { seed: 1.5 }, /options\.seed/],
    ['too many nodes', { seed: 1, nodes: 10 }, /options\.nodes must be an integer from 1 to 9/],
    ['negative spares', { seed: 1, spares: -1 }, /options\.spares must be an integer from 0 to 9/],
    ['a negative membershipWeight', { seed: 1, membershipWeight: -1 }, /options\.membershipWeight/],
    ['no clients', { seed: 1, clients: 0 }, /options\.clients/],
    ['a string ops', { seed: 1, ops: '5' }, /options\.ops must be an integer/],
    ['a bad fsync range', { seed: 1, fsyncMs: { min: 5, max: 1 } }, /options\.fsyncMs/],
    ['an unknown bug', { seed: 1, bug: 'nope' }, /options\.bug must be one of/],
    ['a negative snapshotEvery', { seed: 1, snapshotEvery: -1 }, /options\.snapshotEvery/],
    ['a readIndexShare above 1', { seed: 1, readIndexShare: 2 }, /options\.readIndexShare must be a number from 0 to 1/],
    ['a string transferWeight', { seed: 1, transferWeight: '1' }, /options\.transferWeight must be a number/],
  ])('rejects %s', (_label, options, message) => {
    expect(() => runRaftSimulation(options as RaftSimulationOptions)).toThrow(message);
  });
});
