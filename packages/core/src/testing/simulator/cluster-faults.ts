import type { ConfChange } from '../../raft/conf-change.js';
import type { NodeId } from '../../raft/entry.js';
import type { ConfState } from '../../raft/raft-state.js';
import type { SimMessage } from './sim-message.js';
import type { SimNetwork } from './sim-network.js';
import type { SimRaftNode } from './sim-raft-node.js';
import type { SimRandom } from './sim-random.js';

/**
 * The membership a Raft simulation is at: the newest configuration any node applied (the first
 * node to apply an index makes it the newest), and every server that ever was a member (ids are
 * never reused). Internal to the simulator.
 */
export class MembershipTracker {
  /** The index of the newest configuration's entry (0: the initial one). */
  index = 0;
  /** Its voters and learners (outgoing ones included while joint). */
  members: readonly NodeId[];
  /** Configuration changes applied so far. */
  changes = 0;
  private readonly ever: Set<NodeId>;

  constructor(initial: readonly NodeId[]) {
    this.members = initial;
    this.ever = new Set(initial);
  }

  /** Whether `id` ever was a member. */
  wasMember(id: NodeId): boolean {
    return this.ever.has(id);
  }

  /** A node applied the change at `index`; returns the servers it removed (empty when not the newest). */
  applied(index: number, confState: Required<ConfState>): NodeId[] {
    if (index <= this.index) return [];
    this.changes++;
    const members = [...new Set([...confState.voters, ...confState.votersOutgoing, ...confState.learners, ...confState.learnersNext])];
    const removed = this.members.filter((id) => !members.includes(id));
    this.index = index;
    this.members = members;
    for (const id of members) this.ever.add(id);
    return removed;
  }
}

/** What the simulation's own faults act on. */
export interface ClusterFaultContext {
  readonly network: SimNetwork<SimMessage>;
  readonly servers: readonly SimRaftNode[];
  readonly membership: MembershipTracker;
  /** Most servers down (crashed or paused) at once. */
  readonly maxDown: number;
  /** Fewest voters a removal may leave. */
  readonly minVoters: number;
}

/**
 * A fault of the Raft simulation's own: crash a server while its fsync is under way, so the
 * crash loses writes it handed over (they were never acknowledged); restart it a little later.
 */
export function crashDuringFsync(ctx: ClusterFaultContext, random: SimRandom): void {
  const { network, servers } = ctx;
  const up = servers.filter((node) => network.isUp(node.id) && !network.isPaused(node.id));
  if (servers.length - up.length >= ctx.maxDown) return;
  const syncing = up.filter((node) => node.storage.dirty);
  if (syncing.length === 0) return;
  const node = random.pick(syncing);
  network.recordFault('crash-during-fsync', [node.id], node.id);
  network.crash(node.id);
  network.schedule(random.int(5, 100), () => network.restart(node.id));
}

/** Another: the leader hands leadership to a random other voter (thesis §3.10). */
export function transferLeader(ctx: ClusterFaultContext, random: SimRandom): void {
  const leader = someLeader(ctx, random);
  const others = leader?.raft?.status().confState.voters.filter((id) => id !== leader.id) ?? [];
  if (leader === undefined || others.length === 0) return;
  const to = random.pick(others);
  ctx.network.recordFault('transfer-leader', [leader.id, to], `${leader.id} -> ${to}`);
  leader.transferLeadership(to);
}

/**
 * Another: a membership change at a leader (thesis chapter 4) — add a server that never was a
 * member as a learner, promote a learner, remove a voter (down to `minVoters`) or a learner,
 * replace a voter through a joint configuration (left by itself, or explicitly later), or leave
 * an explicit joint configuration. The leader may refuse (one change at a time).
 */
export function changeMembership(ctx: ClusterFaultContext, random: SimRandom): void {
  const leader = someLeader(ctx, random);
  const conf = leader?.raft?.status().confState;
  if (leader === undefined || conf === undefined) return;
  const fresh = ctx.servers.filter((node) => !node.retired && !ctx.membership.wasMember(node.id)).map((node) => node.id);
  const choices: ConfChange[] = [];
  if (conf.votersOutgoing.length > 0) {
    if (!conf.autoLeave) choices.push({ changes: [] });
  } else {
    if (fresh.length > 0) choices.push({ changes: [{ type: 'add-learner', node: random.pick(fresh) }] });
    if (conf.learners.length > 0) {
      choices.push({ changes: [{ type: 'promote', node: random.pick(conf.learners) }] });
      choices.push({ changes: [{ type: 'remove', node: random.pick(conf.learners) }] });
    }
    if (conf.voters.length > ctx.minVoters) choices.push({ changes: [{ type: 'remove', node: random.pick(conf.voters) }] });
    const incoming = [...conf.learners, ...fresh];
    if (incoming.length > 0 && conf.voters.length >= ctx.minVoters) {
      const transition = random.pick(['auto', 'joint-explicit'] as const);
      choices.push({ changes: [{ type: 'add-voter', node: random.pick(incoming) }, { type: 'remove', node: random.pick(conf.voters) }], transition });
    }
  }
  if (choices.length === 0) return;
  const change = random.pick(choices);
  const outcome = leader.proposeConfChange(change);
  const steps = change.changes.map((step) => `${step.type} ${step.node}`).join(', ') || 'leave joint';
  const how = change.transition === 'joint-explicit' ? ' (joint, explicit)' : '';
  ctx.network.recordFault('membership', [leader.id, ...change.changes.map((step) => step.node)], `${steps}${how}: ${outcome}`);
}

/** A leader that is up and not paused, if any (of the newest term, at random among equals). */
function someLeader(ctx: ClusterFaultContext, random: SimRandom): SimRaftNode | undefined {
  const leaders = ctx.servers.filter((node) => !ctx.network.isPaused(node.id) && node.raft?.status().role === 'leader');
  if (leaders.length === 0) return undefined;
  const top = Math.max(...leaders.map((node) => node.raft?.status().term ?? 0));
  return random.pick(leaders.filter((node) => node.raft?.status().term === top));
}
