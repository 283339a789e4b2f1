import type { Entry, NodeId } from './entry.js';
import type { Snapshot } from './snapshot.js';

/** Fields every message carries. `term` is the sender's term (Raft §5.1: stale terms are refused). */
interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

/**
 * AppendEntries (Raft §5.3): entries after `prevLogIndex`, whose term there is `prevLogTerm`.
 * Empty `entries` is a probe. `commit` is the leader's commit index.
 */
export interface AppendMessage extends Envelope {
  readonly type: 'append';
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}

/** The follower holds the leader's log up to `index` (the last index the append covered). */
export interface AppendAcceptedMessage extends Envelope {
  readonly type: 'append-response';
  readonly reject: false;
  readonly index: number;
}

/**
 * The follower's log does not match at `index` (the append's `prevLogIndex`). The hint speeds up
 * backtracking (Raft §5.3, "the follower can include the term of the conflicting entry"):
 * `hintIndex` is the largest index ≤ `index` whose term is ≤ the append's `prevLogTerm`, and
 * `hintTerm` is the follower's term there (0 when unknown).
 */
export interface AppendRejectedMessage extends Envelope {
  readonly type: 'append-response';
  readonly reject: true;
  readonly index: number;
  readonly hintIndex: number;
  readonly hintTerm: number;
}

/** The answer to an {@link AppendMessage}. */
export type AppendResponseMessage = AppendAcceptedMessage | AppendRejectedMessage;

/**
 * RequestVote (Raft §5.2) or its pre-vote twin (thesis §9.6). A pre-vote carries the term the
 * sender would campaign in (its term + 1) without moving anyone's term.
 */
export interface VoteMessage extends Envelope {
  readonly type: 'vote' | 'pre-vote';
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
  /**
   * The candidate campaigns because the leader asked it to (leadership transfer, thesis §3.10):
   * voters answer even within a leader's lease, since that leader is handing over.
   */
  readonly transfer?: true;
}

/** The answer to a {@link VoteMessage}; `type` is `'vote-response'` or `'pre-vote-response'`. */
export interface VoteResponseMessage extends Envelope {
  readonly type: 'vote-response' | 'pre-vote-response';
  readonly granted: boolean;
}

/**
 * The leader's heartbeat (Raft §5.2). `commit` is at most what this follower is known to hold.
 * `context` names the newest ReadIndex request the round confirms (thesis §6.4); `sentAt` is the
 * leader's tick count when sent, with lease reads on (thesis §6.4.1). The follower echoes both.
 */
export interface HeartbeatMessage extends Envelope {
  readonly type: 'heartbeat';
  readonly commit: number;
  readonly context?: Uint8Array;
  readonly sentAt?: number;
}

/** The answer to a {@link HeartbeatMessage}; tells the leader the follower is alive. */
export interface HeartbeatResponseMessage extends Envelope {
  readonly type: 'heartbeat-response';
  readonly context?: Uint8Array;
  readonly sentAt?: number;
}

/**
 * A follower forwards a ReadIndex request (thesis §6.4) to its leader; `context` identifies it.
 * `safe` asks for a heartbeat round even when the leader would answer from its lease
 * (`readIndex(context, 'safe')` on a node with `readOnly: 'leaseBased'`).
 */
export interface ReadIndexMessage extends Envelope {
  readonly type: 'read-index';
  readonly context: Uint8Array;
  readonly safe?: true;
}

/** The leader's answer to a forwarded read: serve it once `index` is applied. */
export interface ReadIndexResponseMessage extends Envelope {
  readonly type: 'read-index-response';
  readonly index: number;
  readonly context: Uint8Array;
}

/**
 * InstallSnapshot (Raft §7), whole in one message as etcd-io/raft sends it: the leader's next
 * entries for this follower are compacted. The follower answers with an `append-response` whose
 * `index` is its last index once restored (or its commit index when the snapshot is stale). The
 * caller that sends it reports the outcome with `Raft.reportSnapshot`.
 */
export interface SnapshotMessage extends Envelope {
  readonly type: 'snapshot';
  readonly snapshot: Snapshot;
}

/** A follower forwards `transferLeadership(transferee)` to its leader. */
export interface TransferLeaderMessage extends Envelope {
  readonly type: 'transfer-leader';
  readonly transferee: NodeId;
}

/**
 * The leader hands over (thesis §3.10): the recipient, whose log is caught up, campaigns at once,
 * skipping the pre-vote and its election timeout (etcd's `MsgTimeoutNow`).
 */
export interface TimeoutNowMessage extends Envelope {
  readonly type: 'timeout-now';
}

/** Every message Raft nodes exchange, discriminated by `type`. */
export type Message =
  | AppendMessage
  | AppendResponseMessage
  | VoteMessage
  | VoteResponseMessage
  | HeartbeatMessage
  | HeartbeatResponseMessage
  | SnapshotMessage
  | ReadIndexMessage
  | ReadIndexResponseMessage
  | TransferLeaderMessage
  | TimeoutNowMessage;

/** Every message `type`. */
export type MessageType = Message['type'];

/** The message types `step` accepts, for validation. */
export const MESSAGE_TYPES: ReadonlySet<string> = new Set<MessageType>([
  'append',
  'append-response',
  'vote',
  'pre-vote',
  'vote-response',
  'pre-vote-response',
  'heartbeat',
  'heartbeat-response',
  'snapshot',
  'read-index',
  'read-index-response',
  'transfer-leader',
  'timeout-now',
]);
