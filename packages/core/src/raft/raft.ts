import { ProposalDroppedError } from '../errors/proposal-dropped-error.js';
import { show } from '../policies/validate.js';
import { checkMessage } from './check-message.js';
import { type ConfChange, checkConfChange } from './conf-change.js';
import { type RaftConfig, resolveRaftConfig } from './config.js';
import type { Entry, NodeId } from './entry.js';
import { broadcastAppend, reportSnapshot } from './leader-replication.js';
import { transferLeadership as transferLeadershipTo } from './leadership-transfer.js';
import { toMembership } from './membership.js';
import type { Message } from './messages.js';
import type { ProgressState } from './progress.js';
import { RaftCore } from './raft-core.js';
import { type ConfState, type HardState, type RaftRole, type SoftState, hardStateEquals } from './raft-state.js';
import { requestRead } from './read-index.js';
import type { ReadState } from './read-only.js';
import { applyConfChange, maybeAutoLeave, proposeConfChange } from './reconfigure.js';
import type { Snapshot } from './snapshot.js';

/**
 * What a node asks of its caller, handed out by {@link Raft.ready}. Handle it in this order:
 *
 * 1. **Persist** `snapshot` when present (it replaces the whole log), then `entriesToPersist` (an
 *    entry at index `i` replaces every stored entry from `i` on), then `hardState` when present,
 *    durably (fsync). With `MemoryStorage`: `storage.applySnapshot(snapshot)`,
 *    `storage.append(entriesToPersist)`, `storage.setHardState(hardState)`.
 * 2. **Send** `messages`, only **after** step 1 is durable: a vote is granted, and an append
 *    acknowledged, only once the hard state and entries behind it survive a crash (Raft §5.2
 *    "persistent state", Figure 2). Messages may be lost, duplicated or reordered by the network.
 *    After sending a `snapshot` message, tell the node how it went with {@link Raft.reportSnapshot}.
 * 3. **Apply** `snapshot` to the state machine when present (restore it from `snapshot.data`),
 *    then `committedEntries`, in order (also after step 1: they may be among this Ready's
 *    `entriesToPersist`).
 * 4. Call {@link Raft.advance}.
 *
 * The node's own vote for itself and its acknowledgement of its own entries are not messages:
 * `advance()` counts them, which is why a leader never commits an entry it has not persisted,
 * even alone (etcd issue #14370).
 */
export interface Ready {
  /** The leader and role, when they changed since the last Ready; informational. */
  readonly softState: SoftState | undefined;
  /** The hard state to persist, when it changed since the last Ready. */
  readonly hardState: HardState | undefined;
  /**
   * A snapshot from the leader that replaces this node's log, when one arrived: persist it
   * before the entries, and restore the state machine from it before applying entries.
   */
  readonly snapshot: Snapshot | undefined;
  /** Entries to persist before sending anything. */
  readonly entriesToPersist: readonly Entry[];
  /** Entries committed on a quorum, to apply in order, each exactly once. */
  readonly committedEntries: readonly Entry[];
  /** Messages to send once this Ready's state is persisted. */
  readonly messages: readonly Message[];
  /**
   * Answered `readIndex()` requests: serve each read once the state machine has applied its
   * `index` (thesis §6.4 step 4). In the order the requests were confirmed.
   */
  readonly readStates: readonly ReadState[];
}

/** A snapshot of a node's state, for logs, metrics and tests. */
export interface RaftStatus {
  readonly id: NodeId;
  readonly role: RaftRole;
  readonly term: number;
  readonly vote: NodeId | undefined;
  readonly leaderId: NodeId | undefined;
  readonly commit: number;
  readonly applied: number;
  /** The node this leader is handing leadership to, while a transfer is under way. */
  readonly leadTransferee: NodeId | undefined;
  /** The first index the log holds (after the snapshot's). */
  readonly firstIndex: number;
  readonly lastIndex: number;
  /** The membership this node applied (joint while `votersOutgoing` is not empty). */
  readonly confState: Required<ConfState>;
  /** The leader's view of each member, learners included (empty unless leading). */
  readonly progress: ReadonlyMap<
    NodeId,
    { readonly match: number; readonly next: number; readonly state: ProgressState; readonly isLearner: boolean }
  >;
}

/**
 * One Raft node as a pure state machine, in the style of etcd-io/raft: feed it `tick()`, peer
 * messages through `step()` and commands through `propose()`; collect what to persist, send and
 * apply with `ready()`; acknowledge with `advance()`. It has no timers, clock, I/O or global
 * randomness: the caller owns them, so the same inputs give the same outputs.
 *
 * @example
 * const storage = new MemoryStorage({ voters: ['a'] });
 * const raft = new Raft({ id: 'a', storage, random: seededRandom(1) });
 * raft.campaign();
 * while (raft.hasReady()) {
 *   const ready = raft.ready();
 *   if (ready.snapshot) storage.applySnapshot(ready.snapshot);
 *   storage.append(ready.entriesToPersist);
 *   if (ready.hardState) storage.setHardState(ready.hardState);
 *   // send ready.messages; restore ready.snapshot, apply ready.committedEntries (a conf-change
 *   // entry through raft.applyConfChange), serve ready.readStates
 *   raft.advance();
 * }
 * raft.propose(new TextEncoder().encode('x=1'));
 *
 * @throws {TypeError | RangeError} from the constructor, for a bad {@link RaftConfig} (the message names the field)
 */
export class Raft {
  readonly #core: RaftCore;
  #softState: SoftState;
  #hardState: HardState;
  #pending: { readonly ready: Ready; readonly selfMessages: readonly Message[] } | undefined;

  constructor(config: RaftConfig) {
    this.#core = new RaftCore(resolveRaftConfig(config));
    this.#softState = this.#core.softState();
    this.#hardState = this.#core.hardState();
  }

  /** This node's id. */
  get id(): NodeId {
    return this.#core.id;
  }

  /** The current state, copied. */
  status(): RaftStatus {
    const core = this.#core;
    const progress = new Map<NodeId, { match: number; next: number; state: ProgressState; isLearner: boolean }>();
    if (core.role === 'leader') {
      for (const [id, p] of core.tracker.progress) {
        progress.set(id, { match: p.match, next: p.next, state: p.state, isLearner: p.isLearner });
      }
    }
    return {
      id: core.id,
      role: core.role,
      term: core.term,
      vote: core.vote,
      leaderId: core.leaderId,
      commit: core.log.committed,
      applied: core.log.applied,
      leadTransferee: core.leadTransferee,
      firstIndex: core.log.firstIndex(),
      lastIndex: core.log.lastIndex(),
      confState: toMembership(core.tracker.membership),
      progress,
    };
  }

  /** One logical clock tick: drives election timeouts, heartbeats and check-quorum. */
  tick(): void {
    this.#core.tick();
  }

  /** Starts an election now, as if the election timeout ran out (with a pre-vote first by default). */
  campaign(): void {
    this.#core.hup();
  }

  /**
   * Hands a message from a peer to the node.
   *
   * @throws {TypeError} when `message` is not a well-formed {@link Message}
   * @throws {RangeError} when it is addressed to another node or claims to come from this one
   */
  step(message: Message): void {
    checkMessage(message, this.#core.id);
    this.#core.step(message);
  }

  /**
   * Appends a command to the leader's log and replicates it. It is applied once a later `Ready`
   * lists it in `committedEntries`. A proposal can still be lost if leadership changes before it
   * commits: wait for the entry at the returned index to commit with the returned term, and
   * re-propose after a timeout otherwise.
   *
   * @param command the command's bytes, opaque to Raft
   * @returns the index and term of the new entry
   * @throws {ProposalDroppedError} when this node is not the leader (with the leader it knows of),
   *   is handing leadership over (`reason` `'transferring'`), or holds `maxUncommittedBytes` of
   *   uncommitted commands already (`'uncommitted-limit'`: retry once commits catch up)
   * @throws {TypeError} when `command` is not a `Uint8Array`
   */
  propose(command: Uint8Array): { readonly index: number; readonly term: number } {
    if (!(command instanceof Uint8Array)) {
      throw new TypeError(`Raft: propose(command) needs a Uint8Array, got ${show(command)}`);
    }
    const core = this.#core;
    if (core.role !== 'leader') throw new ProposalDroppedError('not-leader', core.leaderId, core.term);
    if (core.leadTransferee !== undefined) throw new ProposalDroppedError('transferring', core.id, core.term);
    if (!core.canAcceptUncommitted(command.byteLength)) throw new ProposalDroppedError('uncommitted-limit', core.id, core.term);
    const index = core.appendEntries([command]);
    broadcastAppend(core);
    return { index, term: core.term };
  }

  /**
   * Asks for a linearizable read (ReadIndex, Raft thesis §6.4) without writing to the log. Once
   * the leader knows it still leads, a later `Ready.readStates` holds `{ index, context }`:
   * serve the read when the state machine has applied `index`. A leader confirms with a
   * heartbeat round acknowledged by a quorum (or its lease, with `readOnly: 'leaseBased'`), and
   * only once it has committed an entry of its term; a follower forwards the request to its
   * leader. A request can be lost (the leader changes, a message is dropped): retry after a
   * timeout, with a fresh context.
   *
   * @param context identifies the request, handed back as is; unique among the reads in flight
   *   (a context already waiting at the leader is ignored)
   * @param mode per request, how the leader confirms it: `'safe'` always with a heartbeat round,
   *   `'lease'` from its lease when it holds one (needs `readOnly: 'leaseBased'`). Default: as
   *   `config.readOnly` says.
   * @throws {RangeError} when `mode` is `'lease'` but `config.readOnly` is not `'leaseBased'`
   * @throws {ProposalDroppedError} when this node knows no leader (`reason` `'not-leader'`)
   * @throws {TypeError} when `context` is not a `Uint8Array`
   * @example
   * raft.readIndex(new TextEncoder().encode('read-42'));
   * // later: for (const { index, context } of ready.readStates) serveWhenApplied(index, context);
   */
  readIndex(context: Uint8Array, mode?: 'safe' | 'lease'): void {
    if (!(context instanceof Uint8Array)) {
      throw new TypeError(`Raft: readIndex(context) needs a Uint8Array, got ${show(context)}`);
    }
    const core = this.#core;
    if (mode !== undefined && mode !== 'safe' && mode !== 'lease') {
      throw new TypeError(`Raft: readIndex(context, mode) needs mode 'safe' or 'lease', got ${show(mode)}`);
    }
    if (mode === 'lease' && core.config.readOnly !== 'leaseBased') {
      throw new RangeError("Raft: readIndex(context, 'lease') needs config.readOnly 'leaseBased' (and checkQuorum)");
    }
    const safe = mode === 'safe' && core.config.readOnly === 'leaseBased';
    if (core.role === 'leader') requestRead(core, core.id, context, safe);
    else if (core.leaderId !== undefined) {
      core.send(safe ? { type: 'read-index', to: core.leaderId, term: core.term, context, safe } : { type: 'read-index', to: core.leaderId, term: core.term, context });
    } else throw new ProposalDroppedError('not-leader', undefined, core.term);
  }

  /**
   * Hands leadership to `to` (Raft thesis §3.10): the leader stops taking proposals (they throw
   * `ProposalDroppedError` with `reason` `'transferring'`), brings `to`'s log up to date and
   * sends it `timeout-now`; `to` campaigns at once, skipping the pre-vote, and its vote requests
   * are answered even by nodes that heard from the leader recently. A transfer not done within
   * an election timeout is abandoned, and the leader takes proposals again. On a follower the
   * request goes to the leader. As in etcd, a transfer to a learner or to a node the leader does
   * not know is ignored, one to the node already being transferred to is left running, one to
   * another node replaces it, and one to the leader itself cancels it. Watch `status().leaderId`
   * (or `Ready.softState`) for the outcome.
   *
   * @throws {ProposalDroppedError} when this node knows no leader (`reason` `'not-leader'`)
   * @throws {TypeError} when `to` is not a non-empty string
   * @example
   * raft.transferLeadership('b'); // before taking node a down for maintenance
   */
  transferLeadership(to: NodeId): void {
    if (typeof to !== 'string' || to === '') {
      throw new TypeError(`Raft: transferLeadership(to) needs a node id, got ${show(to)}`);
    }
    const core = this.#core;
    if (core.role === 'leader') transferLeadershipTo(core, to);
    else if (core.leaderId !== undefined) core.send({ type: 'transfer-leader', to: core.leaderId, term: core.term, transferee: to });
    else throw new ProposalDroppedError('not-leader', undefined, core.term);
  }

  /**
   * Tells the leader how sending a `snapshot` message to `to` went: `'finish'` once the transport
   * delivered it, `'failure'` when it could not (etcd's `ReportSnapshot`). Until then the leader
   * sends `to` nothing else; afterwards it probes `to` again (after a failure, from the next
   * heartbeat response, so a broken link is not flooded with snapshots). Ignored unless this node
   * leads and a snapshot to `to` is outstanding.
   *
   * @throws {TypeError} when `to` is not a non-empty string or `status` is neither value
   */
  reportSnapshot(to: NodeId, status: 'finish' | 'failure'): void {
    if (typeof to !== 'string' || to === '') throw new TypeError(`Raft: reportSnapshot(to) needs a node id, got ${show(to)}`);
    if (status !== 'finish' && status !== 'failure') {
      throw new TypeError(`Raft: reportSnapshot(status) must be 'finish' or 'failure', got ${show(status)}`);
    }
    reportSnapshot(this.#core, to, status);
  }

  /**
   * Proposes a membership change (Raft thesis chapter 4, as etcd-io/raft does it): a simple
   * change (one step) applies at once; several steps, or a `'joint-…'` transition, go through a
   * joint configuration in which every decision needs a majority of the old voters and of the
   * new ones (§4.3), left automatically or, with `'joint-explicit'`, by proposing `{ changes: [] }`.
   * The change is a `conf-change` entry; once committed, **every** node applies it when it
   * applies that entry, with {@link Raft.applyConfChange}. One change at a time: a new one is
   * refused until the previous one is applied.
   *
   * @returns the index and term of the entry
   * @throws {ProposalDroppedError} when this node does not lead (`'not-leader'`), is
   *   transferring leadership (`'transferring'`), an earlier change is not applied yet
   *   (`'conf-change-pending'`), or the uncommitted-bytes cap is reached (`'uncommitted-limit'`)
   * @throws {ConfChangeError} when the change cannot apply to the current configuration (say,
   *   it removes the last voter, or promotes a node that is not a learner)
   * @throws {TypeError} when `change` is malformed (the message names the field)
   * @example
   * raft.proposeConfChange({ changes: [{ type: 'add-learner', node: 'd' }] }); // catch up d first
   * // … once d has caught up:
   * raft.proposeConfChange({ changes: [{ type: 'promote', node: 'd' }] });
   */
  proposeConfChange(change: ConfChange): { readonly index: number; readonly term: number } {
    return proposeConfChange(this.#core, checkConfChange(change));
  }

  /**
   * Applies a committed configuration change — call it for each `conf-change` entry of
   * `committedEntries`, in order, with the change it holds (`decodeConfChange(entry.data)`),
   * etcd's contract: the membership changes when the entry is **applied**, on every node. A
   * leader that is no longer a voter steps down. Save the returned membership where
   * `Storage.initialState()` reads it on a restart (`MemoryStorage.setConfState`), and in the
   * next snapshot.
   *
   * @returns the new membership
   * @throws {ConfChangeError} when the change cannot apply to this configuration; nothing
   *   changes, and every node throws alike at that entry, so the caller may log it and go on
   * @throws {TypeError} when `change` is malformed
   */
  applyConfChange(change: ConfChange): Required<ConfState> {
    return toMembership(applyConfChange(this.#core, checkConfChange(change)));
  }

  /** Whether {@link Raft.ready} has anything to hand out (or a Ready waits for `advance()`). */
  hasReady(): boolean {
    const core = this.#core;
    return (
      this.#pending !== undefined ||
      core.messages.length > 0 ||
      core.selfMessages.length > 0 ||
      core.log.unstableEntries().length > 0 ||
      core.log.unstableSnapshot() !== undefined ||
      core.readStates.length > 0 ||
      core.log.hasNextCommittedEntries() ||
      !hardStateEquals(core.hardState(), this.#hardState) ||
      !softStateEquals(core.softState(), this.#softState)
    );
  }

  /**
   * What to persist, send and apply now (see {@link Ready} for the order). Until `advance()`, it
   * returns the same Ready again; input stepped meanwhile waits for the next one.
   */
  ready(): Ready {
    if (this.#pending !== undefined) return this.#pending.ready;
    const core = this.#core;
    const soft = core.softState();
    const hard = core.hardState();
    const ready: Ready = {
      softState: softStateEquals(soft, this.#softState) ? undefined : soft,
      hardState: hardStateEquals(hard, this.#hardState) ? undefined : hard,
      snapshot: core.log.unstableSnapshot(),
      entriesToPersist: [...core.log.unstableEntries()],
      committedEntries: core.log.nextCommittedEntries(core.config.maxCommittedBytesPerReady),
      messages: core.messages,
      readStates: core.readStates,
    };
    this.#softState = soft;
    this.#hardState = hard;
    this.#pending = { ready, selfMessages: core.selfMessages };
    core.messages = [];
    core.selfMessages = [];
    core.readStates = [];
    return ready;
  }

  /**
   * The caller handled the last Ready: its entries and hard state are durable, its messages sent
   * and its committed entries applied. Counts the node's own votes and acknowledgements.
   *
   * @throws {Error} when no Ready is outstanding
   */
  advance(): void {
    const pending = this.#pending;
    if (pending === undefined) throw new Error('Raft: advance() called without an outstanding ready()');
    this.#pending = undefined;
    const core = this.#core;
    const { snapshot, entriesToPersist, committedEntries } = pending.ready;
    if (snapshot !== undefined) {
      core.log.stableSnapshotTo(snapshot.metadata.index);
      core.log.appliedTo(snapshot.metadata.index);
    }
    const lastPersisted = entriesToPersist[entriesToPersist.length - 1];
    if (lastPersisted !== undefined) core.log.stableTo(lastPersisted.index, lastPersisted.term);
    core.reduceUncommitted(committedEntries);
    const lastApplied = committedEntries[committedEntries.length - 1];
    if (lastApplied !== undefined) core.log.appliedTo(lastApplied.index);
    for (const message of pending.selfMessages) core.step(message);
    maybeAutoLeave(core);
  }
}

function softStateEquals(a: SoftState, b: SoftState): boolean {
  return a.leaderId === b.leaderId && a.role === b.role;
}
