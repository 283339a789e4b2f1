import { isProposalDroppedError } from '../errors/proposal-dropped-error.js';
import type { RaftConfig } from './config.js';
import { TestNetwork } from './test-network.js';

// Seeded runs of the in-test network with reordering, drops, duplicates, partitions,
// restarts (volatile state lost, storage kept), log compaction (followers catch up through
// snapshots), linearizable reads (each answer must cover every commit made before it was asked),
// leadership transfers, membership changes and flow control. The invariant checker runs after every input;
// a failure names its seed so it replays exactly. RAFT_SEEDS and RAFT_STEPS raise the budget.
const SEEDS = Number(process.env['RAFT_SEEDS'] ?? 200);
/** The first seed (RAFT_FIRST_SEED), to try fresh ones: seeds FIRST..FIRST + SEEDS − 1 run. */
const FIRST = Number(process.env['RAFT_FIRST_SEED'] ?? 1);
const STEPS = Number(process.env['RAFT_STEPS'] ?? 300);

interface Scenario {
  readonly name: string;
  readonly ids: readonly string[];
  readonly learners?: readonly string[];
  readonly config?: Partial<Omit<RaftConfig, 'id' | 'storage' | 'random'>>;
  readonly dropRate: number;
  readonly duplicateRate: number;
  /** Chance per step that a node snapshots and compacts its log (Raft §7). */
  readonly compactRate?: number;
  /** Chance per step of a linearizable read at a random node (thesis §6.4); each answer is checked. */
  readonly readRate?: number;
  /** Chance per step of a leadership transfer to a random node (thesis §3.10). */
  readonly transferRate?: number;
  /** Chance per step of a random membership change (thesis chapter 4). */
  readonly confChangeRate?: number;
  /** Every node ticks at once (no clock drift), as lease reads assume. */
  readonly lockstepTicks?: boolean;
}

const scenarios: readonly Scenario[] = [
  {
    name: '3 nodes, defaults, ReadIndex reads, leadership transfers',
    ids: ['a', 'b', 'c'],
    config: { electionTick: 4 },
    dropRate: 0.05,
    duplicateRate: 0.02,
    readRate: 0.05,
    transferRate: 0.02,
  },
  {
    name: '5 nodes, ReadIndex reads, flow control (2 appends in flight, 12 uncommitted bytes)',
    ids: ['a', 'b', 'c', 'd', 'e'],
    config: { electionTick: 3, maxInflightMessages: 2, maxUncommittedBytes: 12 },
    dropRate: 0.1,
    duplicateRate: 0.02,
    readRate: 0.05,
  },
  {
    name: '3 nodes, lease reads with clocks in lockstep, leadership transfers',
    ids: ['a', 'b', 'c'],
    config: { electionTick: 10, readOnly: 'leaseBased' },
    dropRate: 0.1,
    duplicateRate: 0.05,
    readRate: 0.1,
    transferRate: 0.02,
    lockstepTicks: true,
  },
  {
    name: '3 nodes, snapshots and compaction',
    ids: ['a', 'b', 'c'],
    config: { electionTick: 4 },
    dropRate: 0.1,
    duplicateRate: 0.05,
    compactRate: 0.05,
  },
  {
    name: '3 voters and a learner, membership changes (joint and simple), compaction, reads, transfers',
    ids: ['a', 'b', 'c'],
    learners: ['l'],
    config: { electionTick: 4 },
    dropRate: 0.05,
    duplicateRate: 0.02,
    confChangeRate: 0.15,
    compactRate: 0.02,
    readRate: 0.03,
    transferRate: 0.01,
  },
  {
    name: '5 nodes, no pre-vote or check-quorum, small batches',
    ids: ['a', 'b', 'c', 'd', 'e'],
    config: { preVote: false, checkQuorum: false, maxEntriesPerMessage: 2, electionTick: 3 },
    dropRate: 0.1,
    duplicateRate: 0.05,
  },
  {
    name: '4 nodes, pre-vote without check-quorum, byte-limited batches and windows',
    ids: ['a', 'b', 'c', 'd'],
    config: { electionTick: 2, checkQuorum: false, maxBytesPerMessage: 8, maxInflightBytes: 16 },
    dropRate: 0.2,
    duplicateRate: 0.05,
  },
];

/** Runs one seed: random faults, then heal and require a leader and a fresh commit everywhere. */
function run(scenario: Scenario, seed: number): TestNetwork {
  const net = new TestNetwork({ ...scenario, seed });
  for (let step = 0; step < STEPS; step++) net.randomStep();
  // Liveness once the faults heal (no drops from here on: links are healed and only the
  // remaining in-flight messages may still be lost).
  net.heal();
  let proposed: { index: number; term: number } | undefined;
  for (let round = 0; round < 400; round++) {
    net.tickAll();
    net.stabilize();
    // Members only: a removed node (or one never added) hears from no leader.
    const ids = net.members();
    if (proposed !== undefined && ids.every((id) => net.node(id).raft.status().applied >= (proposed?.index ?? 0))) {
      const committed = net.node(ids[0] as string).applied[proposed.index - 1];
      if (committed?.term === proposed.term) return finalReads(net);
      proposed = undefined; // lost to a leadership change; propose again
    }
    // A proposal can also be lost without anything being applied at its index (a new leader's
    // log may be shorter): propose again whenever the term moves on.
    if (proposed !== undefined && maxTerm(net) > proposed.term) proposed = undefined;
    const leaders = net.leaders().filter((id) => net.node(id).raft.status().term === maxTerm(net));
    if (proposed === undefined && leaders.length === 1) {
      try {
        proposed = net.propose(leaders[0] as string, 'final');
      } catch (error) {
        if (!isProposalDroppedError(error)) throw error; // a transfer under way: try again next round
      }
    }
  }
  throw new Error(`no progress after healing`);
}

/** Every member gets a read answered once the cluster is healed (re-asked if one is lost). */
function finalReads(net: TestNetwork): TestNetwork {
  for (const id of net.members()) {
    const node = net.node(id);
    node.readStates.length = 0;
    for (let round = 0; node.readStates.length === 0; round++) {
      if (round === 400) throw new Error(`no read answered at ${id} after healing`);
      if (round % 10 === 0) {
        try {
          net.readIndex(id, `${id}:final-read-${round}`);
        } catch {
          // no leader known yet
        }
      }
      net.tickAll();
      net.stabilize();
    }
  }
  return net;
}

function maxTerm(net: TestNetwork): number {
  return Math.max(...[...net.nodes.values()].map((n) => n.raft.status().term));
}

describe('Raft under a seeded faulty network', () => {
  it.each(scenarios)(`$name: ${SEEDS} seeds × ${STEPS} steps keep every invariant and make progress`, (scenario) => {
    let checks = 0;
    let proposals = 0;
    let restarts = 0;
    let snapshots = 0;
    let reads = 0;
    let transfers = 0;
    let confChanges = 0;
    for (let seed = FIRST; seed < FIRST + SEEDS; seed++) {
      let net: TestNetwork;
      try {
        net = run(scenario, seed);
      } catch (error) {
        throw new Error(`seed ${seed} (${scenario.name}) failed: ${(error as Error).message}`, { cause: error });
      }
      checks += net.checker.checks;
      proposals += net.proposals;
      restarts += net.restarts;
      snapshots += net.snapshotsSent;
      reads += net.readsAnswered;
      transfers += net.transfers;
      // Every member applied the same commands in the same order; any other node a prefix of them.
      const members = net.members();
      const first = net.appliedCommands(members[0] as string);
      for (const id of members) expect(net.appliedCommands(id)).toEqual(first);
      for (const id of net.nodes.keys()) expect(first.slice(0, net.appliedCommands(id).length)).toEqual(net.appliedCommands(id));
      confChanges += net.confChangesApplied;
    }
    expect(checks).toBeGreaterThan((SEEDS * STEPS) / 2); // steps that change nothing (a refused change) check nothing
    expect(proposals).toBeGreaterThan(SEEDS);
    expect(restarts).toBeGreaterThan(SEEDS);
    if (scenario.compactRate !== undefined) expect(snapshots).toBeGreaterThan(SEEDS / 4);
    if (scenario.readRate !== undefined) expect(reads).toBeGreaterThan(SEEDS * 2);
    if (scenario.transferRate !== undefined) expect(transfers).toBeGreaterThan(SEEDS);
    if (scenario.confChangeRate !== undefined) expect(confChanges).toBeGreaterThan(SEEDS);
  });

  it('the same seed replays exactly', () => {
    const a = run(scenarios[0] as Scenario, 42);
    const b = run(scenarios[0] as Scenario, 42);
    expect(b.views()).toEqual(a.views());
    expect(b.delivered).toBe(a.delivered);
  });
});
