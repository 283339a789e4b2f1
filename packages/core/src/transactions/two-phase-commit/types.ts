/** A transaction's id: unique per transaction, chosen by the client or the coordinator. */
export type TxId = string;

/** A participant's (or a coordinator's) id, as the transport addresses it. */
export type PartyId = string;

/** A two-phase commit outcome. */
export type Decision = 'commit' | 'abort';

/** One write of a transaction at one participant: a `null` value deletes the key. */
export interface TxWrite {
  readonly key: string;
  readonly value: string | null;
}

/** What one participant does in a transaction: the keys it writes, and keys it reads (locked, read at prepare). */
export interface ParticipantWork {
  readonly writes: readonly TxWrite[];
  readonly reads?: readonly string[];
}

/**
 * A participant's vote: `yes` (PREPARED is durable; it will commit if told to), `no` (it aborted,
 * with a reason), or `read-only` (it writes nothing: it released its read locks and drops out of
 * phase two — presumed abort's read-only optimisation).
 */
export type VoteValue = 'yes' | 'no' | 'read-only';

/** Why a participant voted no (or a coordinator aborted). */
export type AbortReason =
  /** a key was locked by another transaction (no-wait), or by an older one (ordered: wait-die) */
  | 'lock-conflict'
  /** waited `maxLockWaitTicks` for its locks */
  | 'lock-timeout'
  /** the prepare came from an older coordinator epoch than one already seen (fencing) */
  | 'stale-epoch'
  /** the transaction was aborted here already (a late or duplicate prepare) */
  | 'aborted'
  /** the participant's store failed to read the keys */
  | 'store-failed'
  /** the coordinator's deadline passed before every vote came in */
  | 'timeout'
  /** a participant voted no (the coordinator's reason when it aborts on a no vote) */
  | 'vote-no'
  /** the caller aborted it */
  | 'requested';

/** The reasons a participant may give with a `no` vote (also used in messages). */
export const ABORT_REASONS: ReadonlySet<string> = new Set<AbortReason>([
  'lock-conflict',
  'lock-timeout',
  'stale-epoch',
  'aborted',
  'store-failed',
  'timeout',
  'vote-no',
  'requested',
]);

/** A participant's vote as the coordinator reports it. */
export interface VoteReport {
  readonly vote: VoteValue;
  readonly reason?: AbortReason;
  /** The values of the participant's read keys at prepare (`null`: absent), for `yes` and `read-only` votes. */
  readonly reads?: Readonly<Record<string, string | null>>;
}
