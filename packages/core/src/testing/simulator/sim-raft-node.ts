import { isProposalDroppedError } from '../../errors/proposal-dropped-error.js';
import { type ConfChange, decodeConfChange } from '../../raft/conf-change.js';
import { isConfChangeError } from '../../raft/errors/conf-change-error.js';
import type { RaftConfig } from '../../raft/config.js';
import type { Entry, NodeId } from '../../raft/entry.js';
import type { Message } from '../../raft/messages.js';
import { Raft, type Ready } from '../../raft/raft.js';
import type { ConfState, SoftState } from '../../raft/raft-state.js';
import type { SessionTableOptions } from '../../raft/sessions/session-table.js';
import type { ClusterChecker } from './cluster-checker.js';
import { decodeKvCommand, encodeKvCommand } from './kv-command.js';
import type { KvCommand, KvResult } from './kv-command.js';
import { KvStateMachine } from './kv-state-machine.js';
import type { MsRange } from './nemesis.js';
import { type ClientCall, type ServerReply, type SimMessage, callKey } from './sim-message.js';
import type { SimNetwork } from './sim-network.js';
import type { SimRandom } from './sim-random.js';
import { SimStorage, type SimStorageBug } from './sim-storage.js';
import { ReadQueue } from './read-queue.js';

/**
 * Test-only bugs a simulation can plant, each breaking one safety rule, to show its checks fail:
 * the storage bugs of {@link SimStorageBug}; `ack-before-fsync`, a node that sends a Ready's
 * messages (vote grants, append acknowledgements) before its writes are durable; `no-dedup`,
 * a state machine without client sessions, which runs a retried command again; and
 * `commit-previous-term`, a leader that commits an earlier term's entry by counting its replicas
 * (the Raft paper's Figure 8, §5.4.2).
 */
export type SimulationBug = SimStorageBug | 'ack-before-fsync' | 'no-dedup' | 'commit-previous-term';

/** Raft options a simulation passes to every node. */
export type SimRaftConfig = Partial<Omit<RaftConfig, 'id' | 'storage' | 'random' | 'applied'>>;

/** What a node needs from its simulation. */
export interface NodeContext {
  readonly network: SimNetwork<SimMessage>;
  readonly checker: ClusterChecker;
  /** The stream for Raft seeds, fsync latencies and torn writes. */
  readonly random: SimRandom;
  readonly voters: readonly NodeId[];
  readonly tickMs: number;
  readonly fsyncMs: MsRange;
  readonly raft: SimRaftConfig;
  readonly sessions: SessionTableOptions;
  /** Compact the log once this many entries were applied since the last snapshot (0: never). */
  readonly snapshotEvery: number;
  /** Called when a node applied the configuration change at `index`, with the membership it reached. */
  readonly onConfChange: (id: NodeId, index: number, confState: Required<ConfState>) => void;
  readonly bug: SimulationBug | undefined;
}

/**
 * One simulated server: a {@link Raft} node on a {@link SimStorage}, driven by the Ready contract
 * with an fsync that takes virtual time, a {@link KvStateMachine} it applies committed entries to
 * (snapshotting it and compacting the log every `snapshotEvery` entries), and the client requests
 * it proposes as leader. Reads go through the log like writes. Internal to the simulator.
 */
export class SimRaftNode {
  readonly storage: SimStorage;
  raft: Raft | undefined;
  kv: KvStateMachine;
  /** Restarts so far. */
  incarnation = 0;
  /** The last index the state machine holds. */
  appliedIndex = 0;
  /** Snapshots this node took (compactions) and installed from a leader. */
  readonly snapshots = { taken: 0, installed: 0 };
  /** Configuration changes this node applied, and those it refused (every node refuses alike). */
  readonly confChanges = { applied: 0, refused: 0 };
  /** Shut down for good after it left the cluster (the operator stops a removed server). */
  retired = false;
  private syncing = false;
  private leading = false;
  private leaderId: NodeId | undefined;
  /** Requests this node proposed, by call key, with the client to answer. */
  private readonly waiters = new Map<string, NodeId>();
  /** Its ReadIndex reads, asked and confirmed. */
  private readonly readQueue = new ReadQueue();
  private reads = 0;
  private readonly tickIntervalMs: number;

  constructor(
    readonly id: NodeId,
    private readonly ctx: NodeContext,
  ) {
    const storageBug = ctx.bug === 'forget-vote' || ctx.bug === 'lying-fsync' ? ctx.bug : undefined;
    this.storage = new SimStorage({ voters: ctx.voters, bug: storageBug });
    this.kv = this.newStateMachine();
    // Clock-rate skew: each node ticks at its own pace, within 10 % of tickMs.
    const skew = Math.max(1, Math.round(ctx.tickMs / 10));
    this.tickIntervalMs = Math.max(1, ctx.tickMs + ctx.random.int(-skew, skew));
  }

  /** Starts (or restarts) from what the disk holds durably; the state machine replays the log. */
  start(): void {
    if (this.retired) return;
    const storage = this.storage.recover();
    // The state machine restarts from the snapshot on disk, Raft from the index after it.
    const snapshot = storage.snapshot();
    this.kv = this.newStateMachine();
    this.kv.restore(snapshot.data);
    this.appliedIndex = snapshot.metadata.index;
    // A crash may have kept a snapshot from the leader but not the hard state after it (a torn
    // Ready), so the snapshot can be past the stored commit index; Raft takes the snapshot's
    // index as applied and committed by itself, and refuses an `applied` past the stored commit.
    const applied = Math.min(this.appliedIndex, storage.initialState().hardState.commit);
    this.raft = new Raft({ ...this.ctx.raft, id: this.id, storage, random: this.ctx.random.fork().next, applied });
    this.incarnation++;
    this.syncing = false;
    this.leading = false;
    this.leaderId = undefined;
    this.ctx.checker.started(this.id, this.appliedIndex, this.raft.status());
    this.scheduleTick();
    this.process();
  }

  /** The server left the cluster and is shut down: it neither ticks nor answers again. */
  retire(): void {
    this.retired = true;
    this.raft = undefined;
    this.waiters.clear();
    this.readQueue.clear();
  }

  /** The machine crashed: volatile state goes, the disk keeps what it made durable (and some luck). */
  crash(): void {
    if (this.retired) return;
    this.raft = undefined;
    this.waiters.clear();
    this.readQueue.clear();
    this.syncing = false;
    this.leading = false;
    this.storage.crash(this.ctx.random);
    this.ctx.checker.afterCrash(this);
  }

  /** Handles a message from the network. */
  receive(from: NodeId, message: SimMessage): void {
    const raft = this.raft;
    if (raft === undefined) return; // down or retired
    if (message.kind === 'raft') raft.step(message.message);
    else if (message.kind === 'request') this.request(from, message.call, raft);
    this.process();
    this.observe();
  }

  private newStateMachine(): KvStateMachine {
    return new KvStateMachine({ sessions: this.ctx.sessions, dedup: this.ctx.bug !== 'no-dedup' });
  }

  /**
   * Ticks every `tickIntervalMs` by the node's own (monotonic) clock; after a pause it ticks for
   * the time it missed, as a runtime counting ticks by its clock does (the lease-read assumption).
   */
  private scheduleTick(): void {
    const scheduledAt = this.ctx.network.now;
    this.ctx.network.schedule(
      this.tickIntervalMs,
      () => {
        if (this.retired) return;
        const missed = Math.min(MAX_CATCH_UP_TICKS, Math.floor((this.ctx.network.now - scheduledAt) / this.tickIntervalMs));
        for (let i = 0; i < Math.max(1, missed); i++) {
          this.raft?.tick();
          this.process();
          this.observe();
        }
        this.scheduleTick();
      },
      { node: this.id },
    );
  }

  private observe(): void {
    if (this.raft !== undefined) this.ctx.checker.observe(this.id, this.raft.status());
  }

  /** A client request: propose it when leading, or say who leads. */
  private request(client: NodeId, call: ClientCall, raft: Raft): void {
    const key = callKey(call);
    if (call.type === 'op' && call.op.op === 'get' && call.readIndex === true) {
      this.readIndex(client, key, call.op.key, raft);
      return;
    }
    const status = raft.status();
    if (status.role !== 'leader') {
      this.reply(client, key, { status: 'not-leader', leaderId: status.leaderId });
      return;
    }
    // The leader stamps the command with its clock: session expiry runs on these stamps.
    const command: KvCommand = { ...call, timeMs: this.ctx.network.now };
    try {
      raft.propose(encodeKvCommand(command));
    } catch (error) {
      if (!isProposalDroppedError(error)) throw error;
      this.reply(client, key, { status: 'not-leader', leaderId: error.leaderId });
      return;
    }
    this.waiters.set(key, client);
  }

  /**
   * A `get` by ReadIndex, on any node: the leader confirms it still leads (a follower asks its
   * leader), then the read waits for this node's state machine to reach the read index.
   */
  private readIndex(client: NodeId, key: string, kvKey: string, raft: Raft): void {
    const context = `${this.id}/${this.incarnation}/${++this.reads}`;
    try {
      raft.readIndex(encoder.encode(context));
    } catch (error) {
      if (!isProposalDroppedError(error)) throw error;
      this.reply(client, key, { status: 'not-leader', leaderId: error.leaderId });
      return;
    }
    this.readQueue.ask(context, { client, key, kvKey });
  }

  /**
   * Proposes a membership change (thesis chapter 4) if this node is up and leads; returns what
   * happened: `'proposed'`, or why not (`'not-leader'`, `'conf-change-pending'`, `'transferring'`,
   * `'invalid'`).
   */
  proposeConfChange(change: ConfChange): string {
    const raft = this.raft;
    if (raft === undefined || raft.status().role !== 'leader') return 'not-leader';
    try {
      raft.proposeConfChange(change);
    } catch (error) {
      if (isProposalDroppedError(error)) return error.reason;
      if (isConfChangeError(error)) return 'invalid';
      throw error;
    }
    this.process();
    this.observe();
    return 'proposed';
  }

  /** Transfers leadership to `to` (thesis §3.10), if this node is up and leads. */
  transferLeadership(to: NodeId): void {
    const raft = this.raft;
    if (raft === undefined || raft.status().role !== 'leader') return;
    raft.transferLeadership(to);
    this.process();
    this.observe();
  }

  /** Handles Readies until none is left or an fsync is under way. */
  private process(): void {
    const raft = this.raft;
    if (raft === undefined || this.syncing) return;
    while (raft.hasReady()) {
      const ready = raft.ready();
      if (ready.softState !== undefined) this.roleChanged(ready.softState);
      this.storage.write(ready.snapshot, ready.entriesToPersist, ready.hardState);
      this.ctx.checker.afterWrite(this, raft.status(), ready.entriesToPersist);
      if (ready.snapshot === undefined && ready.entriesToPersist.length === 0 && ready.hardState === undefined) {
        this.finish(raft, ready, true);
        continue;
      }
      // The planted bug: acknowledge (vote, append response) before the writes are durable.
      const early = this.ctx.bug === 'ack-before-fsync';
      if (early) this.send(ready.messages);
      this.syncing = true;
      const latency = this.ctx.random.int(this.ctx.fsyncMs.min, this.ctx.fsyncMs.max);
      this.ctx.network.schedule(latency, () => this.synced(raft, ready, !early), { node: this.id });
      return;
    }
  }

  private synced(raft: Raft, ready: Ready, send: boolean): void {
    if (this.raft !== raft) return; // retired meanwhile
    const lowest = ready.snapshot !== undefined ? 1 : (ready.entriesToPersist[0]?.index ?? Infinity);
    this.storage.sync();
    this.ctx.checker.afterSync(this, lowest);
    this.syncing = false;
    this.finish(raft, ready, send);
    this.process();
    this.observe();
  }

  /**
   * The Ready's state is durable: send its messages, restore its snapshot, apply its committed
   * entries, advance; then report the snapshots sent and compact when due.
   */
  private finish(raft: Raft, ready: Ready, send: boolean): void {
    if (send) this.send(ready.messages);
    if (ready.snapshot !== undefined) {
      this.kv.restore(ready.snapshot.data);
      this.appliedIndex = ready.snapshot.metadata.index;
      this.ctx.checker.afterRestore(this.id, ready.snapshot.metadata);
      this.snapshots.installed++;
    }
    for (const entry of ready.committedEntries) this.apply(entry);
    this.readQueue.confirm(ready.readStates);
    this.serveReads();
    raft.advance();
    for (const message of ready.messages) {
      // The transport's report: delivered unless the link is cut or the follower down now (it
      // may still be lost on the way; the leader then probes and sends it again).
      if (message.type !== 'snapshot') continue;
      const reachable = this.ctx.network.canReach(this.id, message.to) && this.ctx.network.isUp(message.to);
      raft.reportSnapshot(message.to, reachable ? 'finish' : 'failure');
    }
    this.maybeCompact();
  }

  /** The application's compaction: a snapshot of the state machine, then the log behind it goes. */
  private maybeCompact(): void {
    const every = this.ctx.snapshotEvery;
    const live = this.storage.live;
    if (every === 0 || this.appliedIndex - live.snapshot().metadata.index < every) return;
    this.storage.compact(this.appliedIndex, live.initialState().confState, this.kv.snapshot());
    this.snapshots.taken++;
  }

  /** Answers the confirmed reads whose index the state machine has reached (thesis §6.4 step 4). */
  private serveReads(): void {
    this.readQueue.serve(this.appliedIndex, (read) => this.reply(read.client, read.key, { status: 'ok', output: this.kv.get(read.kvKey) }));
  }

  /** Gets this node served by ReadIndex. */
  get readIndexReads(): number {
    return this.readQueue.served;
  }

  private send(messages: readonly Message[]): void {
    for (const message of messages) this.ctx.network.send(this.id, message.to, { kind: 'raft', message });
  }

  private apply(entry: Entry): void {
    this.ctx.checker.afterApply(this.id, entry);
    this.appliedIndex = entry.index;
    if (entry.type === 'conf-change') {
      this.applyConfChange(entry);
      return;
    }
    const command = decodeKvCommand(entry.data);
    if (command === undefined) return; // a new leader's empty entry
    const result = this.kv.apply(entry.index, command);
    const key = callKey(command);
    const client = this.waiters.get(key);
    if (client === undefined) return;
    this.waiters.delete(key);
    this.reply(client, key, replyFor(result));
  }

  /** Every node applies a committed configuration change (etcd's contract), and saves the membership. */
  private applyConfChange(entry: Entry): void {
    const raft = this.raft as Raft;
    let confState: Required<ConfState>;
    try {
      confState = raft.applyConfChange(decodeConfChange(entry.data));
    } catch (error) {
      if (!isConfChangeError(error)) throw error;
      this.confChanges.refused++; // every node refuses it alike: they share the configuration
      return;
    }
    this.confChanges.applied++;
    this.storage.saveConfState(confState);
    this.ctx.onConfChange(this.id, entry.index, confState);
  }

  /** Leadership lost: the requests proposed here may or may not commit; say so. */
  private roleChanged(soft: SoftState): void {
    const leading = soft.role === 'leader';
    if (this.leading && !leading) {
      for (const [key, client] of this.waiters) this.reply(client, key, { status: 'dropped' });
      this.waiters.clear();
    }
    if (soft.leaderId !== this.leaderId) {
      this.readQueue.forgetUnconfirmed();
      this.leaderId = soft.leaderId;
    }
    this.leading = leading;
  }

  private reply(client: NodeId, key: string, reply: ServerReply): void {
    this.ctx.network.send(this.id, client, { kind: 'reply', key, reply });
  }
}

const encoder = new TextEncoder();
/** Most ticks a node catches up at once after a pause (a pause of 1000 ticks is as good as any longer). */
const MAX_CATCH_UP_TICKS = 1000;

function replyFor(result: KvResult): ServerReply {
  switch (result.status) {
    case 'registered':
      return result;
    case 'ok':
      return result;
    case 'expired':
      return result;
    case 'stale':
      return { status: 'dropped' };
  }
}
