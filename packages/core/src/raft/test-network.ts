import { seededRandom } from '../testing/seeded-random.js';
import type { Random } from '../time/random.js';
import type { RaftConfig } from './config.js';
import type { Entry, NodeId } from './entry.js';
import { type ConfChange, decodeConfChange } from './conf-change.js';
import { isConfChangeError } from './errors/conf-change-error.js';
import { InvariantChecker, type NodeView } from './invariant-checker.js';
import { allMembers } from './membership.js';
import { MemoryStorage } from './memory-storage.js';
import type { Message } from './messages.js';
import { randomStep } from './random-step.js';
import { Raft } from './raft.js';
import type { ReadState } from './read-only.js';
import type { Snapshot } from './snapshot.js';

/**
 * One node of a {@link TestNetwork}: the Raft state machine, its storage and its state machine,
 * which is the list of every entry it applied (a snapshot holds that list).
 */
export interface TestNode {
  readonly id: NodeId;
  readonly raft: Raft;
  readonly storage: MemoryStorage;
  readonly applied: Entry[];
  /** Reads answered (`Ready.readStates`), collected until a test takes them. */
  readonly readStates: ReadState[];
}

/** A test state machine's snapshot data: the entries applied so far. */
export function encodeApplied(entries: readonly Entry[]): Uint8Array {
  return encoder.encode(JSON.stringify(entries.map((e) => [e.index, e.term, e.type, Array.from(e.data)])));
}

/** The entries a test snapshot holds. */
export function decodeApplied(data: Uint8Array): Entry[] {
  const rows = JSON.parse(new TextDecoder().decode(data)) as [number, number, Entry['type'], number[]][];
  return rows.map(([index, term, type, bytes]) => ({ index, term, type, data: Uint8Array.from(bytes) }));
}

/** Options of a {@link TestNetwork}. */
export interface TestNetworkOptions {
  readonly ids: readonly NodeId[];
  /** Seeds the network's choices and (derived) each node's election timeouts. Default 1. */
  readonly seed?: number;
  /** Raft options for every node. Defaults here: `electionTick` 10, `heartbeatTick` 1. */
  readonly config?: Partial<Omit<RaftConfig, 'id' | 'storage' | 'random'>>;
  /** Chance that a delivered message is lost instead. Default 0. */
  readonly dropRate?: number;
  /** Chance that a delivered message stays in flight to be delivered again. Default 0. */
  readonly duplicateRate?: number;
  /** Chance, per random step, that a node snapshots its state machine and compacts its log. Default 0. */
  readonly compactRate?: number;
  /** Chance, per random step, of a linearizable read at a random node. Default 0. */
  readonly readRate?: number;
  /** Chance, per random step, of a leadership transfer asked at a random node for a random target. Default 0. */
  readonly transferRate?: number;
  /** Random steps tick every node at once (clocks in lockstep, as lease reads assume), not one. Default false. */
  readonly lockstepTicks?: boolean;
  /** Check the invariants after every input. Default true. */
  readonly check?: boolean;
  /** Initial learners, besides the voters `ids`. Default none. */
  readonly learners?: readonly NodeId[];
  /** Chance, per random step, of a random membership change proposed at a random node. Default 0. */
  readonly confChangeRate?: number;
  /** Prepares a node's storage (say, a log and a hard state) before its Raft starts. */
  readonly setup?: (id: NodeId, storage: MemoryStorage) => void;
}

const encoder = new TextEncoder();

/**
 * A deterministic, single-threaded cluster for tests (not exported; the simulator will grow out
 * of it). Every input to a node (tick, message, proposal) is followed at once by handling its
 * Readies as the contract says: persist, then queue the messages, apply, advance. Messages wait
 * in flight until delivered, in any order; links can be cut. The invariants are checked after
 * every input.
 */
export class TestNetwork {
  readonly nodes = new Map<NodeId, TestNode>();
  readonly inFlight: Message[] = [];
  readonly checker = new InvariantChecker();
  readonly random: Random;
  private readonly cut = new Set<string>();
  private readonly dropRate: number;
  private readonly duplicateRate: number;
  readonly compactRate: number;
  readonly readRate: number;
  readonly transferRate: number;
  readonly confChangeRate: number;
  readonly lockstepTicks: boolean;
  /** The membership every node starts from (a node that joins later too). */
  private readonly bootstrap: { readonly voters: readonly NodeId[]; readonly learners: readonly NodeId[] };
  private nextSeed: number;
  private readonly checking: boolean;
  private readonly config: TestNetworkOptions['config'];
  proposals = 0;
  delivered = 0;
  dropped = 0;
  restarts = 0;
  compactions = 0;
  snapshotsSent = 0;
  transfers = 0;
  confChanges = 0;
  confChangesApplied = 0;
  confChangesRefused = 0;
  readsAsked = 0;
  readsAnswered = 0;
  /** context → the highest index committed anywhere when the read was asked. */
  private readonly readFloor = new Map<string, number>();

  constructor(options: TestNetworkOptions) {
    const seed = options.seed ?? 1;
    this.random = seededRandom(seed);
    this.dropRate = options.dropRate ?? 0;
    this.duplicateRate = options.duplicateRate ?? 0;
    this.compactRate = options.compactRate ?? 0;
    this.readRate = options.readRate ?? 0;
    this.transferRate = options.transferRate ?? 0;
    this.confChangeRate = options.confChangeRate ?? 0;
    this.lockstepTicks = options.lockstepTicks ?? false;
    this.checking = options.check ?? true;
    this.config = options.config;
    this.bootstrap = { voters: options.ids, learners: options.learners ?? [] };
    this.nextSeed = seed * 7919 + 1;
    for (const id of [...options.ids, ...(options.learners ?? [])]) this.addNode(id, options.setup);
  }

  /**
   * Starts a node with the bootstrap membership (for a node joining later, not a member yet: the
   * leader adds it with a membership change, and it learns of it by replaying the log or from a
   * snapshot). Node ids are never reused.
   */
  addNode(id: NodeId, setup?: (id: NodeId, storage: MemoryStorage) => void): TestNode {
    if (this.nodes.has(id)) throw new Error(`node ${id} exists already`);
    const { voters, learners } = this.bootstrap;
    const storage = new MemoryStorage(learners.length === 0 ? { voters } : { voters, learners });
    setup?.(id, storage);
    const node = { id, raft: this.start(id, storage, this.nextSeed++, 0), storage, applied: [], readStates: [] };
    this.nodes.set(id, node);
    return node;
  }

  private start(id: NodeId, storage: MemoryStorage, seed: number, applied: number): Raft {
    // A restart reads the membership the state machine reached (`setConfState` on apply).
    return new Raft({ electionTick: 10, heartbeatTick: 1, ...this.config, id, storage, random: seededRandom(seed), applied });
  }

  /**
   * Crashes `id` and starts it again from its storage: volatile state (role, leader, progress,
   * votes received, unsent messages' effects) is lost. Its state machine survives with what it
   * applied (passed as `applied`). Nothing persisted is lost: this network persists every Ready
   * before sending its messages.
   */
  restart(id: NodeId): void {
    const node = this.node(id);
    const raft = this.start(id, node.storage, Math.floor(this.random() * 2 ** 31), node.applied.length);
    this.nodes.set(id, { ...node, raft });
    this.restarts++;
    this.process(id);
  }

  node(id: NodeId): TestNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  /** Checks the invariants now (unless checking is off). */
  check(): void {
    if (this.checking) this.checker.check(this.views());
  }

  /** Handles `id`'s Readies until it has none, then checks the invariants. */
  process(id: NodeId): void {
    const node = this.node(id);
    while (node.raft.hasReady()) {
      const ready = node.raft.ready();
      if (ready.snapshot !== undefined) node.storage.applySnapshot(ready.snapshot);
      node.storage.append(ready.entriesToPersist);
      if (ready.hardState !== undefined) node.storage.setHardState(ready.hardState);
      this.inFlight.push(...ready.messages);
      if (ready.snapshot !== undefined) node.applied.splice(0, node.applied.length, ...decodeApplied(ready.snapshot.data));
      for (const entry of ready.committedEntries) {
        node.applied.push(entry);
        if (entry.type === 'conf-change') this.applyConfChange(node, entry);
      }
      node.readStates.push(...ready.readStates);
      for (const read of ready.readStates) this.checkRead(id, read);
      node.raft.advance();
    }
    this.check();
  }

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) {
      this.node(id).raft.tick();
      this.process(id);
    }
  }

  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) for (const id of this.nodes.keys()) this.tick(id);
  }

  campaign(id: NodeId): void {
    this.node(id).raft.campaign();
    this.process(id);
  }

  /** Proposes `command` at `id`; throws what `propose` throws. */
  propose(id: NodeId, command: string): { index: number; term: number } {
    const result = this.node(id).raft.propose(encoder.encode(command));
    this.proposals++;
    this.process(id);
    return result;
  }

  /**
   * Snapshots `id`'s state machine at its applied index and compacts its log up to there
   * (etcd's `CreateSnapshot` + `Compact`). Returns the snapshot, or `undefined` when nothing was
   * applied since the last one.
   */
  compact(id: NodeId): Snapshot | undefined {
    const node = this.node(id);
    const index = node.applied.length;
    if (index <= node.storage.snapshot().metadata.index || index > node.storage.lastIndex()) return undefined;
    const snapshot = node.storage.createSnapshot(index, node.storage.initialState().confState, encodeApplied(node.applied));
    node.storage.compact(index);
    this.compactions++;
    this.check();
    return snapshot;
  }

  /**
   * Asks `id` for a linearizable read with `context`; throws what `readIndex` throws. The answer
   * is checked when it comes: its index must cover everything committed anywhere before the read
   * was asked (a write that completed before the read began must be visible to it).
   */
  readIndex(id: NodeId, context: string): void {
    const floor = Math.max(...[...this.nodes.values()].map((n) => n.raft.status().commit));
    this.node(id).raft.readIndex(encoder.encode(context));
    this.readFloor.set(context, floor);
    this.readsAsked++;
    this.process(id);
  }

  private checkRead(id: NodeId, read: ReadState): void {
    const context = new TextDecoder().decode(read.context);
    const floor = this.readFloor.get(context);
    if (floor === undefined) return; // asked directly of the Raft, not through readIndex()
    this.readsAnswered++;
    if (read.index < floor) {
      throw new Error(`Raft invariant broken: stale read ${context} at ${id}: index ${read.index}, but ${floor} was committed before it was asked`);
    }
  }

  /** Asks `id` to hand leadership to `to`; throws what `transferLeadership` throws. */
  transferLeadership(id: NodeId, to: NodeId): void {
    this.node(id).raft.transferLeadership(to);
    this.transfers++;
    this.process(id);
  }

  /** Proposes a membership change at `id`; throws what `proposeConfChange` throws. */
  proposeConfChange(id: NodeId, change: ConfChange): { index: number; term: number } {
    const result = this.node(id).raft.proposeConfChange(change);
    this.confChanges++;
    this.process(id);
    return result;
  }

  /** The application's side of a committed change: apply it, and save the membership for restarts. */
  private applyConfChange(node: TestNode, entry: Entry): void {
    try {
      node.storage.setConfState(node.raft.applyConfChange(decodeConfChange(entry.data)));
      this.confChangesApplied++;
    } catch (error) {
      if (!isConfChangeError(error)) throw error;
      this.confChangesRefused++; // the same on every node: they share the configuration
    }
  }

  /** The members (voters and learners) of the newest membership any node applied. */
  members(): NodeId[] {
    let newest: NodeView['status'] | undefined;
    for (const { raft } of this.nodes.values()) {
      const status = raft.status();
      if (newest === undefined || status.applied > newest.applied) newest = status;
    }
    return newest === undefined ? [] : allMembers(newest.confState);
  }

  /** Steps `message` into its recipient unless its link is cut. */
  send(message: Message): void {
    if (this.cut.has(`${message.from}>${message.to}`)) {
      this.dropped++;
      this.reportSnapshot(message, 'failure');
      this.check();
      return;
    }
    this.delivered++;
    this.node(message.to).raft.step(message);
    this.process(message.to);
    this.reportSnapshot(message, 'finish');
  }

  /** The transport's report on a snapshot message, as `Raft.reportSnapshot` wants it. */
  private reportSnapshot(message: Message, status: 'finish' | 'failure'): void {
    if (message.type !== 'snapshot') return;
    this.snapshotsSent++;
    this.node(message.from).raft.reportSnapshot(message.to, status);
    this.process(message.from);
  }

  /** Delivers the in-flight message at `position` (default the oldest), subject to drops and duplicates. */
  deliver(position = 0): void {
    const [message] = this.inFlight.splice(position, 1);
    if (message === undefined) return;
    if (this.dropRate > 0 && this.random() < this.dropRate) {
      this.dropped++;
      this.reportSnapshot(message, 'failure');
      this.check();
      return;
    }
    if (this.duplicateRate > 0 && this.random() < this.duplicateRate) this.inFlight.push(message);
    this.send(message);
  }

  /** Delivers in-flight messages oldest first until none is left (or `max` were delivered). */
  stabilize(max = 100_000): void {
    for (let i = 0; i < max && this.inFlight.length > 0; i++) this.deliver(0);
  }

  /** Drops the in-flight messages matching `predicate`. */
  dropWhere(predicate: (message: Message) => boolean): void {
    for (let i = this.inFlight.length - 1; i >= 0; i--) {
      if (predicate(this.inFlight[i] as Message)) this.inFlight.splice(i, 1);
    }
  }

  /** Cuts the links between `a` and `b`, both ways (or one way when `oneWay`). */
  cutLink(a: NodeId, b: NodeId, oneWay = false): void {
    this.cut.add(`${a}>${b}`);
    if (!oneWay) this.cut.add(`${b}>${a}`);
  }

  /** Cuts every link between two groups. */
  partition(...groups: readonly (readonly NodeId[])[]): void {
    for (const g of groups) for (const h of groups) if (g !== h) for (const a of g) for (const b of h) this.cutLink(a, b, true);
  }

  /** Cuts `id` off from everyone. */
  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) if (other !== id) this.cutLink(id, other);
  }

  heal(): void {
    this.cut.clear();
  }

  /** Ids of the nodes that are leaders now (several only across different terms). */
  leaders(): NodeId[] {
    return [...this.nodes.values()].filter((n) => n.raft.status().role === 'leader').map((n) => n.id);
  }

  /** The durable log of `id`, from its first index (after its snapshot) on. */
  log(id: NodeId): Entry[] {
    const { storage } = this.node(id);
    return [...storage.entries(storage.firstIndex(), storage.lastIndex() + 1)];
  }

  /** The commands `id` applied, decoded (the leaders' empty entries left out). */
  appliedCommands(id: NodeId): string[] {
    const decoder = new TextDecoder();
    return this.node(id)
      .applied.filter((e) => e.data.byteLength > 0)
      .map((e) => decoder.decode(e.data));
  }

  views(): NodeView[] {
    return [...this.nodes.values()].map((n) => ({
      status: n.raft.status(),
      log: this.log(n.id),
      firstIndex: n.storage.firstIndex(),
      applied: n.applied,
    }));
  }

  /** One random input (see {@link randomStep}). */
  randomStep(): void {
    randomStep(this);
  }
}
