import { show } from '../../policies/validate.js';
import { ABORT_REASONS, type AbortReason, type Decision, type PartyId, type TxId, type TxWrite } from './types.js';

/**
 * Coordinator → participant: lock `writes` and `reads`, force PREPARED, vote. `epoch` fences
 * older coordinator incarnations; `order` ranks transactions for the ordered (wait-die) lock
 * policy (smaller is older).
 */
export interface PrepareMessage {
  readonly type: 'prepare';
  readonly txId: TxId;
  readonly from: PartyId;
  readonly to: PartyId;
  readonly epoch: number;
  readonly order: number;
  readonly writes: readonly TxWrite[];
  readonly reads: readonly string[];
}

/** Participant → coordinator: the vote on `txId` (`reads`: the read keys' values, for yes and read-only). */
export interface TransactionVoteMessage {
  readonly type: 'vote';
  readonly txId: TxId;
  readonly from: PartyId;
  readonly to: PartyId;
  readonly vote: 'yes' | 'no' | 'read-only';
  readonly reason?: AbortReason;
  readonly reads?: Readonly<Record<string, string | null>>;
}

/** Coordinator → participant: the decision (also the answer to a `status` query). */
export interface DecisionMessage {
  readonly type: 'commit' | 'abort';
  readonly txId: TxId;
  readonly from: PartyId;
  readonly to: PartyId;
  readonly epoch: number;
}

/** Participant → coordinator: the commit is applied and its record durable (the coordinator may END). */
export interface AckMessage {
  readonly type: 'ack';
  readonly txId: TxId;
  readonly from: PartyId;
  readonly to: PartyId;
}

/** Participant → coordinator (or anyone who reads the decision log): what was decided for my in-doubt `txId`? */
export interface StatusMessage {
  readonly type: 'status';
  readonly txId: TxId;
  readonly from: PartyId;
  readonly to: PartyId;
}

/** Every message of the two-phase commit protocol, discriminated by `type`. */
export type TransactionMessage = PrepareMessage | TransactionVoteMessage | DecisionMessage | AckMessage | StatusMessage;

/** The message types, for validation and routing. */
export const TRANSACTION_MESSAGE_TYPES: ReadonlySet<string> = new Set(['prepare', 'vote', 'commit', 'abort', 'ack', 'status']);

/** The decision a decision message carries. */
export const decisionOf = (message: DecisionMessage): Decision => message.type;

/**
 * Limits of {@link checkTransactionMessage} (the cluster receives messages over HTTP): ids,
 * keys and values in characters, `maxKeys` per list, and `maxMessageBytes` for the sum of every
 * key's and value's length in one message (an approximation of its size: 10 000 values of 1 MiB
 * each would pass the other limits).
 */
export const MESSAGE_LIMITS = Object.freeze({ maxIdLength: 256, maxKeyLength: 1024, maxValueLength: 1024 * 1024, maxKeys: 10_000, maxMessageBytes: 8 * 1024 * 1024 });

const fail = (field: string, expected: string, value: unknown): never => {
  throw new TypeError(`two-phase commit: message.${field} must be ${expected}, got ${show(value)}`);
};

function checkId(message: Record<string, unknown>, field: string): void {
  const value = message[field];
  if (typeof value !== 'string' || value === '' || value.length > MESSAGE_LIMITS.maxIdLength) {
    fail(field, `a non-empty string of at most ${MESSAGE_LIMITS.maxIdLength} characters`, value);
  }
}

function checkEpoch(value: unknown, field: string): void {
  if (!Number.isSafeInteger(value) || (value as number) < 0) fail(field, 'a non-negative integer', value);
}

function checkKey(value: unknown, field: string): void {
  if (typeof value !== 'string' || value === '' || value.length > MESSAGE_LIMITS.maxKeyLength) {
    fail(field, `a non-empty string of at most ${MESSAGE_LIMITS.maxKeyLength} characters`, value);
  }
}

function checkValue(value: unknown, field: string): void {
  if (value !== null && (typeof value !== 'string' || value.length > MESSAGE_LIMITS.maxValueLength)) {
    fail(field, `a string of at most ${MESSAGE_LIMITS.maxValueLength} characters or null`, value);
  }
}

// Adds a key's or value's length to the message's running total and checks the total limit.
function count(total: { n: number }, value: string | null): void {
  total.n += value === null ? 0 : value.length;
  if (total.n > MESSAGE_LIMITS.maxMessageBytes) fail('', `at most ${MESSAGE_LIMITS.maxMessageBytes} bytes of keys and values in all`, `more (${total.n} so far)`);
}

function checkArray(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value) || value.length > MESSAGE_LIMITS.maxKeys) fail(field, `an array of at most ${MESSAGE_LIMITS.maxKeys} items`, value);
  return value as unknown[];
}

/**
 * Checks that `value` is a well-formed {@link TransactionMessage} (a transport decoded it from the
 * network: the cluster's HTTP endpoints call this before handing it to a runtime). Unknown extra
 * fields are allowed and ignored.
 *
 * @returns `value`, typed
 * @throws {TypeError} naming the first bad field, e.g. `two-phase commit: message.writes[0].key must be …`
 * @example
 * app.post('/2pc/prepare', (req, res) => {
 *   try { participant.receive(checkTransactionMessage(req.body)); res.status(202).end(); }
 *   catch (error) { res.status(400).json({ error: String(error) }); }
 * });
 */
export function checkTransactionMessage(value: unknown): TransactionMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('', 'an object', value);
  const message = value as Record<string, unknown>;
  if (typeof message.type !== 'string' || !TRANSACTION_MESSAGE_TYPES.has(message.type)) {
    fail('type', `one of ${[...TRANSACTION_MESSAGE_TYPES].join(', ')}`, message.type);
  }
  checkId(message, 'txId');
  checkId(message, 'from');
  checkId(message, 'to');
  switch (message.type) {
    case 'prepare': {
      checkEpoch(message.epoch, 'epoch');
      checkEpoch(message.order, 'order');
      const writes = checkArray(message.writes, 'writes');
      const total = { n: 0 };
      const seen = new Set<string>();
      writes.forEach((write, i) => {
        if (typeof write !== 'object' || write === null) fail(`writes[${i}]`, 'an object { key, value }', write);
        const w = write as Record<string, unknown>;
        checkKey(w.key, `writes[${i}].key`);
        checkValue(w.value, `writes[${i}].value`);
        if (seen.has(w.key as string)) fail(`writes[${i}].key`, 'a key written once per transaction', w.key);
        seen.add(w.key as string);
        count(total, w.key as string);
        count(total, w.value as string | null);
      });
      checkArray(message.reads, 'reads').forEach((key, i) => {
        checkKey(key, `reads[${i}]`);
        count(total, key as string);
      });
      break;
    }
    case 'vote': {
      if (message.vote !== 'yes' && message.vote !== 'no' && message.vote !== 'read-only') fail('vote', "'yes', 'no' or 'read-only'", message.vote);
      if (message.reason !== undefined && (typeof message.reason !== 'string' || !ABORT_REASONS.has(message.reason))) {
        fail('reason', `one of ${[...ABORT_REASONS].join(', ')}`, message.reason);
      }
      if (message.reads !== undefined) {
        if (typeof message.reads !== 'object' || message.reads === null || Array.isArray(message.reads)) fail('reads', 'an object of key → value', message.reads);
        const entries = Object.entries(message.reads as Record<string, unknown>);
        if (entries.length > MESSAGE_LIMITS.maxKeys) fail('reads', `an object of at most ${MESSAGE_LIMITS.maxKeys} keys`, entries.length);
        const total = { n: 0 };
        for (const [key, v] of entries) {
          checkKey(key, 'reads key');
          checkValue(v, `reads[${JSON.stringify(key)}]`);
          count(total, key);
          count(total, v as string | null);
        }
      }
      break;
    }
    case 'commit':
    case 'abort':
      checkEpoch(message.epoch, 'epoch');
      break;
    default:
      break;
  }
  return value as TransactionMessage;
}
