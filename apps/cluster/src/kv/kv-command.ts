/**
 * The commands the KV state machine replicates, and their byte encoding (JSON, UTF-8). A command
 * carries the client's request id when it has one, so that a retry is answered from the
 * request table instead of running twice.
 */
export type KvCommand =
  | { readonly op: 'put'; readonly key: string; readonly value: string; readonly requestId?: string }
  | { readonly op: 'delete'; readonly key: string; readonly requestId?: string }
  | { readonly op: 'cas'; readonly key: string; readonly expected: string | null; readonly value: string; readonly requestId?: string }
  /** Records a member's base URL in the replicated state, so every node can reach a member added at run time. */
  | { readonly op: 'member-url'; readonly id: string; readonly url: string | null }
  /**
   * A committed transaction's writes at one participant, applied together (a `null` value
   * deletes). Runs once per `(txId, participant)`: a participant that re-applies after a restart
   * changes nothing.
   */
  | { readonly op: 'txn-apply'; readonly txId: string; readonly participant: string; readonly writes: readonly TxnWrite[] }
  /**
   * A two-phase commit decision, replicated so that any member can answer an in-doubt
   * participant. The first decision recorded for a transaction wins; a later one changes nothing
   * and is answered with the first.
   */
  | {
      readonly op: 'txn-decision';
      readonly txId: string;
      readonly decision: TxnDecision;
      readonly participants: readonly string[];
      /** The member whose coordinator recorded it (a restarted coordinator resumes its own). */
      readonly coordinator: string;
    }
  /** Hands a coordinator a new epoch, greater than every one it had before (fencing after a restart). */
  | { readonly op: 'txn-epoch'; readonly coordinator: string }
  /** Forgets a decision once every participant has acknowledged it (the END record of presumed abort). */
  | { readonly op: 'txn-end'; readonly txId: string }
  /**
   * A saga step's effect at its participant, applied atomically with an optional counter change.
   * `key` is the step's record (`orders/<memberId>/<sagaId>/<step>`); `value` is a JSON object
   * naming the step's `idempotencyKey`, which says whose step a stored value is.
   * `action`: writes `value` only if `key` is absent; a value of the same idempotency key answers
   * `duplicate` (or `refused` when it is the compensation's tombstone); any other value answers
   * `conflict` and changes nothing. `compensate`: writes the tombstone `value` (it starts with
   * {@link SAGA_TOMBSTONE_PREFIX}) and reverts the counter only if the stored value is this
   * step's action (`undone`); an absent key just gets the tombstone (`tombstoned`), so a late
   * action is refused; this step's tombstone answers `duplicate`; another value `conflict`.
   */
  | { readonly op: 'saga-step'; readonly phase: SagaStepPhase; readonly key: string; readonly value: string; readonly idempotencyKey: string; readonly counter?: SagaCounter };

/** Which half of a saga step a `saga-step` command is. */
export type SagaStepPhase = 'action' | 'compensate';

/** A counter key changed with a `saga-step` (absent counts as 0; the value is a decimal safe integer, and a step whose result would not be one is answered `bad-counter`). */
export interface SagaCounter {
  readonly key: string;
  /** Added by the action; subtracted by a compensation that undoes it. A safe integer. */
  readonly delta: number;
}

/** How every compensation tombstone starts; an action's value never does. */
export const SAGA_TOMBSTONE_PREFIX = '{"compensated":';

/** The `idempotencyKey` a stored saga-step value names, or `undefined` when it is not such a value (another write put it there). */
export function sagaValueOwner(value: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const owner = (parsed as Record<string, unknown>).idempotencyKey;
  return typeof owner === 'string' ? owner : undefined;
}

/** One write of a transaction: a `null` value deletes the key. */
export interface TxnWrite {
  readonly key: string;
  readonly value: string | null;
}

/** A two-phase commit outcome. */
export type TxnDecision = 'commit' | 'abort';

/** What applying a command answered. `revision` is the Raft index of the change. */
export type KvResult =
  | { readonly type: 'ok'; readonly key: string; readonly revision: number }
  | { readonly type: 'not-found'; readonly key: string }
  | { readonly type: 'mismatch'; readonly key: string; readonly current: { readonly value: string; readonly revision: number } | null }
  /** The request id was used before for another operation or key: nothing ran. */
  | { readonly type: 'request-id-reused'; readonly requestId: string }
  /** The entry could not be decoded as a command: nothing ran (never produced by this app's own proposals). */
  | { readonly type: 'invalid' }
  | { readonly type: 'member-url'; readonly id: string }
  /** `duplicate`: these writes had been applied before, and nothing changed. */
  | { readonly type: 'txn-applied'; readonly txId: string; readonly revision: number; readonly duplicate: boolean }
  /** The transaction's decision as recorded; `first` is false when an earlier decision stood. */
  | { readonly type: 'txn-decision'; readonly txId: string; readonly decision: TxnDecision; readonly first: boolean }
  | { readonly type: 'txn-ended'; readonly txId: string }
  | { readonly type: 'txn-epoch'; readonly coordinator: string; readonly epoch: number }
  /**
   * A `saga-step`'s answer: `applied` (action written), `undone` (compensation reverted it),
   * `tombstoned` (compensation of an action never applied), `duplicate` (already so: nothing
   * changed), `refused` (an action after its compensation: nothing changed), `conflict` (`key`
   * holds a value of another idempotency key: nothing changed), `bad-counter` (the counter key
   * holds no integer, or the result would not be a safe integer: nothing changed). `value` is
   * what `key` holds afterwards.
   */
  | {
      readonly type: 'saga-step';
      readonly key: string;
      readonly outcome: 'applied' | 'undone' | 'tombstoned' | 'duplicate' | 'refused' | 'conflict' | 'bad-counter';
      readonly value: string | null;
      readonly revision: number;
    };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The bytes of a command, for `RaftNode.propose`. */
export function encodeCommand(command: KvCommand): Uint8Array {
  return encoder.encode(JSON.stringify(command));
}

const isString = (value: unknown): value is string => typeof value === 'string';
const optionalString = (value: unknown): boolean => value === undefined || typeof value === 'string';

function isTxnWrite(value: unknown): value is TxnWrite {
  if (typeof value !== 'object' || value === null) return false;
  const w = value as Record<string, unknown>;
  return isString(w.key) && (w.value === null || isString(w.value));
}

function isSagaCounter(value: unknown): value is SagaCounter {
  if (typeof value !== 'object' || value === null) return false;
  const counter = value as Record<string, unknown>;
  return isString(counter.key) && Number.isSafeInteger(counter.delta);
}

/** The command in `bytes`, or `undefined` when they are not one (bad UTF-8, bad JSON, wrong fields). */
export function decodeCommand(bytes: Uint8Array): KvCommand | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes));
  } catch {
    return undefined;
  }
  return commandFromJson(parsed);
}

/** The command a parsed JSON value is, or `undefined` when it is not one (wrong or missing fields). */
export function commandFromJson(parsed: unknown): KvCommand | undefined {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const c = parsed as Record<string, unknown>;
  switch (c.op) {
    case 'put':
      return isString(c.key) && isString(c.value) && optionalString(c.requestId) ? (c as KvCommand) : undefined;
    case 'delete':
      return isString(c.key) && optionalString(c.requestId) ? (c as KvCommand) : undefined;
    case 'cas':
      return isString(c.key) && isString(c.value) && (c.expected === null || isString(c.expected)) && optionalString(c.requestId)
        ? (c as KvCommand)
        : undefined;
    case 'member-url':
      return isString(c.id) && (c.url === null || isString(c.url)) ? (c as KvCommand) : undefined;
    case 'txn-apply':
      return isString(c.txId) && isString(c.participant) && Array.isArray(c.writes) && c.writes.every(isTxnWrite) ? (c as KvCommand) : undefined;
    case 'txn-decision':
      return isString(c.txId) &&
        (c.decision === 'commit' || c.decision === 'abort') &&
        Array.isArray(c.participants) &&
        c.participants.every(isString) &&
        isString(c.coordinator)
        ? (c as KvCommand)
        : undefined;
    case 'txn-epoch':
      return isString(c.coordinator) ? (c as KvCommand) : undefined;
    case 'txn-end':
      return isString(c.txId) ? (c as KvCommand) : undefined;
    case 'saga-step':
      return (c.phase === 'action' || c.phase === 'compensate') &&
        isString(c.key) &&
        isString(c.value) &&
        isString(c.idempotencyKey) &&
        c.value.startsWith(SAGA_TOMBSTONE_PREFIX) === (c.phase === 'compensate') &&
        sagaValueOwner(c.value) === c.idempotencyKey &&
        (c.counter === undefined || isSagaCounter(c.counter))
        ? (c as KvCommand)
        : undefined;
    default:
      return undefined;
  }
}
