import type { NodeId } from '../../raft/entry.js';
import type { ConfState } from '../../raft/raft-state.js';
import { checkLinearizability } from '../linearizability/check-linearizability.js';
import { type KvInput, type KvOutput, kvModel } from '../linearizability/kv-model.js';
import { describeViolation } from '../linearizability/linearizability-violation.js';
import { type HistoryEvent, operationsFromEvents } from '../linearizability/operations-from-events.js';
import { ClusterChecker, SafetyViolation } from './cluster-checker.js';
import { type ClusterFaultContext, MembershipTracker, changeMembership, crashDuringFsync, transferLeader } from './cluster-faults.js';
import { scheduleNemesis } from './nemesis.js';
import { SimClient, type SimHistoryEvent, formatHistoryEvent } from './sim-client.js';
import type { SimMessage } from './sim-message.js';
import { type LinkOptions, SimNetwork, formatFault } from './sim-network.js';
import { SimRaftNode } from './sim-raft-node.js';
import { SimRandom } from './sim-random.js';
import { type RaftSimulationOptions, type ResolvedSimulationOptions, replayCommand, resolveSimulationOptions } from './simulation-options.js';
import { SimulationFailureError, type SimulationFailureKind } from './simulation-failure-error.js';
import type { RaftSimulationReport } from './simulation-report.js';
import { plantedBugs } from '../../raft/planted-bugs.js';

export type { RaftSimulationReport } from './simulation-report.js';

/** Liveness broken after the faults healed. */
class LivenessViolation extends Error {
  constructor(
    readonly property: string,
    detail: string,
  ) {
    super(`${property}: ${detail}`);
  }
}

/**
 * Runs a seeded, deterministic Raft cluster: `nodes` servers of the Raft core (and `spares`
 * outside it), each on a simulated disk (a crash loses what was not fsynced) with a KV state
 * machine behind client sessions, compacting its log into snapshots; `clients` processes running
 * `ops` random get/put/append/cas/delete operations with retries across servers, gets through
 * the log or by ReadIndex; and, for `faultMs`, a fault schedule drawn from the seed (partitions,
 * one-way cuts, a bridge, flaky links, pauses, crash-restarts, crashes during an fsync,
 * leadership transfers, membership changes, plus dropped, duplicated, reordered and delayed
 * messages).
 *
 * After every event it checks Election Safety, Log Matching, Leader Completeness, State
 * Machine Safety, durability of committed entries and that commit indexes, terms and votes never
 * move back. Once the faults heal it requires progress: a leader every member follows within
 * `leaderWithinTicks`, every pending request answered within `answerWithinMs`, and the members'
 * replicas converged. At the end the client history must be linearizable (`kvModel`). The same
 * seed and options replay the run exactly.
 *
 * @returns what the run did
 * @throws {SimulationFailureError} when a check fails; its message has the seed and a one-line replay command
 * @throws {TypeError | RangeError} for bad options
 * @example
 * const report = runRaftSimulation({ seed: 42, nodes: 5, ops: 100 });
 * report.operations; // { invoked: 100, ok: …, fail: …, info: … }
 * report.faults; // { partition: …, crash: …, drop: …, … }
 */
export function runRaftSimulation(options: RaftSimulationOptions): RaftSimulationReport {
  const resolved = resolveSimulationOptions(options);
  // The core's commit rule has a test-only switch; a run is synchronous, so it is on for this run only.
  plantedBugs.commitPreviousTerm = resolved.bug === 'commit-previous-term';
  try {
    return new RaftSimulation(resolved, options).run();
  } finally {
    plantedBugs.commitPreviousTerm = false;
  }
}

class RaftSimulation {
  private readonly network: SimNetwork<SimMessage>;
  private readonly checker: ClusterChecker;
  private readonly servers: SimRaftNode[];
  private readonly clients: SimClient[];
  private readonly byId = new Map<NodeId, SimRaftNode | SimClient>();
  private readonly history: SimHistoryEvent[] = [];
  private readonly healAtMs: number;
  private readonly opsBeforeHeal: number;
  private readonly workload: SimRandom;
  private readonly nemesisRandom: SimRandom;
  private healed = false;
  private invoked = 0;
  private leaderAtMs: number | undefined;
  private readonly membership: MembershipTracker;
  private clientsDoneAtMs: number | undefined;
  private finished = false;

  constructor(
    private readonly o: ResolvedSimulationOptions,
    private readonly given: RaftSimulationOptions,
  ) {
    const root = new SimRandom(o.seed);
    const netRandom = root.fork();
    const nodeRandom = root.fork();
    this.workload = root.fork();
    this.nemesisRandom = root.fork();
    const voters = Array.from({ length: o.nodes }, (_, i) => `n${i + 1}`);
    const serverIds = Array.from({ length: o.nodes + o.spares }, (_, i) => `n${i + 1}`);
    this.membership = new MembershipTracker(voters);
    const clientIds = Array.from({ length: o.clients }, (_, i) => `c${i + 1}`);
    this.healAtMs = o.faultMs > 0 ? o.faultStartMs + o.faultMs : 0;
    const reserved = o.faultMs > 0 ? Math.min(o.ops, Math.max(o.clients, Math.floor(o.ops / 5))) : o.ops;
    this.opsBeforeHeal = o.ops - reserved;

    this.network = new SimNetwork<SimMessage>({
      nodes: [...serverIds, ...clientIds],
      random: netRandom,
      link: o.faultMs > 0 ? o.link : CLEAN_LINK,
      deliver: ({ from, to, message }) => {
        const target = this.byId.get(to);
        if (target instanceof SimRaftNode) target.receive(from, message);
        else target?.receive(message);
      },
      onCrash: (id) => this.server(id).crash(),
      onRestart: (id) => this.server(id).start(),
    });
    this.checker = new ClusterChecker(() => this.servers);
    const nodeContext = {
      network: this.network,
      checker: this.checker,
      random: nodeRandom,
      voters,
      tickMs: o.tickMs,
      fsyncMs: o.fsyncMs,
      raft: o.raft,
      sessions: { expireAfterMs: o.sessionExpireAfterMs },
      snapshotEvery: o.snapshotEvery,
      onConfChange: (_id: NodeId, index: number, confState: Required<ConfState>) => this.onConfChange(index, confState),
      bug: o.bug,
    };
    this.servers = serverIds.map((id) => new SimRaftNode(id, nodeContext));
    const isHealed = (): boolean => this.healed;
    const clientContext = {
      network: this.network,
      random: this.workload,
      servers: serverIds,
      keys: Array.from({ length: o.keys }, (_, i) => `k${i + 1}`),
      attemptTimeoutMs: o.attemptTimeoutMs,
      giveUpAfterMs: o.giveUpAfterMs,
      readIndexShare: o.readIndexShare,
      get mayGiveUp() {
        return !isHealed();
      },
      nextOperation: () => this.nextOperation(),
      thinkMs: () => this.thinkMs(),
      record: (event: HistoryEvent<KvInput, KvOutput>) => {
        this.history.push({ ...event, atMs: this.network.now });
      },
    };
    this.clients = clientIds.map((id, i) => new SimClient(id, i + 1, clientContext));
    for (const node of this.servers) this.byId.set(node.id, node);
    for (const client of this.clients) this.byId.set(client.id, client);
  }

  run(): RaftSimulationReport {
    try {
      this.simulate();
    } catch (error) {
      throw this.failure(error);
    }
    return this.report();
  }

  private simulate(): void {
    const o = this.o;
    for (const node of this.servers) node.start();
    for (const client of this.clients) client.start(this.workload.int(0, 20));
    if (o.faultMs > 0) {
      const faults: ClusterFaultContext = {
        network: this.network,
        servers: this.servers,
        membership: this.membership,
        maxDown: this.maxDown(),
        minVoters: Math.min(o.nodes, 3),
      };
      scheduleNemesis(this.network, {
        ...o.nemesis,
        maxDown: this.maxDown(),
        startMs: o.faultStartMs,
        endMs: this.healAtMs,
        targets: this.servers.map((node) => node.id),
        random: this.nemesisRandom,
        custom: [
          { name: 'crash-during-fsync', weight: 1, run: (random) => crashDuringFsync(faults, random) },
          { name: 'transfer-leader', weight: o.transferWeight, run: (random) => transferLeader(faults, random) },
          { name: 'membership', weight: o.spares + o.nodes > 1 ? o.membershipWeight : 0, run: (random) => changeMembership(faults, random) },
          ...(o.customFaults ?? []),
        ],
      });
    }
    // Scheduled after the nemesis's own end (same time, later in order): everything is up.
    this.network.schedule(this.healAtMs, () => this.heal());
    const limit = this.healAtMs + o.leaderWithinTicks * o.tickMs + 2 * o.answerWithinMs + o.ops * o.attemptTimeoutMs;
    this.network.runUntil(limit, () => this.finished);
    if (!this.finished) this.livenessFailure('Progress', `the run did not finish by ${limit} ms (${this.pendingSummary()})`);
    if (o.checkLinearizability) this.checkHistory();
  }

  /** A majority of the initial voters stays up (spares count as targets, not as voters). */
  private maxDown(): number {
    return this.o.nemesis?.maxDown ?? Math.floor((this.o.nodes - 1) / 2);
  }

  /**
   * A node applied a configuration change; servers it removed are shut down once the removal
   * committed (as an operator stops a removed member), so they cannot disrupt elections.
   */
  private onConfChange(index: number, confState: Required<ConfState>): void {
    for (const id of this.membership.applied(index, confState)) {
      this.network.schedule(0, () => {
        this.network.recordFault('retire', [id], id);
        this.server(id).retire();
      });
    }
  }

  private heal(): void {
    this.healed = true;
    this.network.setDefaultLink(CLEAN_LINK);
    for (const client of this.clients) client.resume();
    this.network.schedule(0, () => this.checkProgress());
  }

  /** After the faults healed, every tick: a leader, answers, convergence. */
  private checkProgress(): void {
    const o = this.o;
    const now = this.network.now;
    if (this.leaderAtMs === undefined) {
      if (this.stableLeader() !== undefined) this.leaderAtMs = now;
      else if (now - this.healAtMs > o.leaderWithinTicks * o.tickMs) {
        this.livenessFailure('Leader after healing', `no leader all nodes follow within ${o.leaderWithinTicks} ticks (${this.describeNodes()})`);
      }
    }
    for (const client of this.clients) {
      const since = client.current?.invokedAtMs ?? client.registering?.sinceMs;
      if (since === undefined) continue;
      const waited = now - Math.max(since, this.healAtMs);
      if (waited > o.answerWithinMs) {
        const what = client.current === undefined ? 'registration' : `${client.current.input.op}(${client.current.input.key})`;
        this.livenessFailure('Requests answered', `${client.id}'s ${what}, called at ${since} ms, has no answer ${waited} ms after healing`);
      }
    }
    if (this.clientsDoneAtMs === undefined && this.clients.every((c) => c.done)) this.clientsDoneAtMs = now;
    if (this.clientsDoneAtMs !== undefined && this.leaderAtMs !== undefined) {
      if (this.converged()) {
        this.finished = true;
        return;
      }
      if (now - this.clientsDoneAtMs > o.answerWithinMs) {
        this.livenessFailure('Convergence', `replicas still differ ${o.answerWithinMs} ms after the last operation (${this.describeNodes()})`);
      }
    }
    this.network.schedule(o.tickMs, () => this.checkProgress());
  }

  /** The leader every member follows in one term, if there is one. */
  private stableLeader(): NodeId | undefined {
    let leader: NodeId | undefined;
    let term = -1;
    for (const node of this.members()) {
      const status = node.raft?.status();
      if (status === undefined || status.leaderId === undefined) return undefined;
      if (leader === undefined) {
        leader = status.leaderId;
        term = status.term;
      } else if (status.leaderId !== leader || status.term !== term) return undefined;
    }
    return leader;
  }

  /** Every replica applied everything committed and holds the same state. */
  private converged(): boolean {
    const leader = this.stableLeader();
    const commit = leader === undefined ? undefined : this.server(leader).raft?.status().commit;
    if (commit === undefined) return false;
    const fingerprint = this.server(leader as NodeId).kv.fingerprint();
    for (const node of this.members()) {
      const status = node.raft?.status();
      if (status === undefined || status.applied !== commit || status.commit !== commit) return false;
    }
    for (const node of this.members()) {
      if (node.kv.fingerprint() !== fingerprint) {
        throw new SafetyViolation('State Machine Safety', `${node.id}'s state differs from the leader's after applying index ${commit}`);
      }
    }
    return true;
  }

  private checkHistory(): void {
    const result = checkLinearizability(kvModel(), operationsFromEvents(this.history), { timeoutMs: 60_000 });
    if (result.result === 'illegal') {
      throw new SimulationFailureError(
        this.o.seed,
        'linearizability',
        'Linearizability',
        describeViolation(result.violation),
        replayCommand(this.given),
        this.network.now,
        this.trace(),
      );
    }
    if (result.result === 'unknown') {
      throw new SimulationFailureError(this.o.seed, 'linearizability', 'Linearizability', 'the checker ran out of time (60 s)', replayCommand(this.given), this.network.now, this.trace());
    }
  }

  private nextOperation(): 'go' | 'wait' | 'done' {
    if (this.invoked >= this.o.ops) return 'done';
    if (!this.healed && this.invoked >= this.opsBeforeHeal) return 'wait';
    this.invoked++;
    return 'go';
  }

  private thinkMs(): number {
    if (this.healed) return this.workload.int(0, 20);
    // Spread the operations before the heal over the fault window.
    const mean = (this.o.clients * Math.max(this.o.faultMs, 1)) / Math.max(1, this.opsBeforeHeal);
    return this.workload.int(0, Math.round(2 * mean));
  }

  /** The servers of the newest membership (voters and learners). */
  private members(): SimRaftNode[] {
    return this.membership.members.map((id) => this.server(id));
  }

  private server(id: NodeId): SimRaftNode {
    const node = this.byId.get(id);
    if (!(node instanceof SimRaftNode)) throw new Error(`no server ${id}`);
    return node;
  }

  private livenessFailure(property: string, detail: string): never {
    throw new LivenessViolation(property, detail);
  }

  private describeNodes(): string {
    const members = `members ${this.membership.members.join(' ')} (index ${this.membership.index})`;
    const nodes = this.servers.map((node) => {
      const s = node.raft?.status();
      if (s === undefined) return `${node.id} ${node.retired ? 'retired' : 'down'}`;
      return `${node.id} ${s.role} term ${s.term} leader ${s.leaderId ?? '-'} commit ${s.commit} applied ${s.applied}`;
    });
    return [members, ...nodes].join('; ');
  }

  private pendingSummary(): string {
    const pending = this.clients.filter((c) => !c.done).map((c) => c.id);
    return `clients not done: ${pending.join(' ') || 'none'}; ${this.describeNodes()}`;
  }

  private failure(error: unknown): unknown {
    if (error instanceof SimulationFailureError) return error;
    let kind: SimulationFailureKind = 'exception';
    let property = 'Exception';
    let detail = error instanceof Error ? error.message : String(error);
    if (error instanceof SafetyViolation) {
      kind = 'safety';
      property = error.property;
      detail = detail.slice(property.length + 2);
    } else if (error instanceof LivenessViolation) {
      kind = 'liveness';
      property = error.property;
      detail = detail.slice(property.length + 2);
    }
    return new SimulationFailureError(this.o.seed, kind, property, detail, replayCommand(this.given), this.network.now, this.trace(), {
      cause: error,
    });
  }

  private trace(): string[] {
    const lines: Array<[number, string]> = [];
    for (const fault of this.network.trace) lines.push([fault.atMs, formatFault(fault)]);
    for (const event of this.history) lines.push([event.atMs, formatHistoryEvent(event)]);
    // Stable: faults before client events at the same time, each in its own order.
    return lines.sort((a, b) => a[0] - b[0]).map(([, line]) => line);
  }

  private report(): RaftSimulationReport {
    const count = (type: SimHistoryEvent['type']) => this.history.filter((e) => e.type === type).length;
    return {
      seed: this.o.seed,
      operations: { invoked: count('invoke'), ok: count('ok'), fail: count('fail'), info: count('info') },
      faults: this.network.faultCounts(),
      messages: this.network.stats,
      simulatedMs: this.network.now,
      events: this.network.eventCount,
      checks: this.checker.checks,
      leaderAfterHealMs: (this.leaderAtMs ?? this.network.now) - this.healAtMs,
      lostWrites: this.servers.reduce((sum, node) => sum + node.storage.counts.lost, 0),
      snapshots: {
        taken: this.servers.reduce((sum, node) => sum + node.snapshots.taken, 0),
        installed: this.servers.reduce((sum, node) => sum + node.snapshots.installed, 0),
      },
      readIndexReads: this.servers.reduce((sum, node) => sum + node.readIndexReads, 0),
      membership: { changes: this.membership.changes, members: this.membership.members },
      history: this.history,
      trace: this.trace(),
      digest: this.network.digest,
    };
  }
}

const CLEAN_LINK: Partial<LinkOptions> = { minDelayMs: 1, maxDelayMs: 5, dropRate: 0, duplicateRate: 0, reorderRate: 0 };
