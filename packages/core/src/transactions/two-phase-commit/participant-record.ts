import { TransactionRecordError } from './errors/transaction-record-error.js';
import type { PartyId, TxId, TxWrite } from './types.js';

/**
 * A participant's log records:
 * - `prepared` (forced before the yes vote): the redo (`writes`), the undo (`undo`: the written
 *   keys' before-images), the read keys and values, the coordinator and its epoch, the order;
 * - `committed` (forced before the ack): the writes are applied to the store;
 * - `aborted` (not forced: presumed abort — if lost, a `prepared` one asks again and hears abort);
 * - `epoch` (not forced; rides on the next forced write): the highest epoch seen from a
 *   coordinator, so that fencing survives compaction and restarts.
 */
export type ParticipantRecord =
  | {
      readonly type: 'prepared';
      readonly txId: TxId;
      readonly coordinator: PartyId;
      readonly epoch: number;
      readonly order: number;
      readonly writes: readonly TxWrite[];
      readonly reads: readonly string[];
      readonly undo: readonly TxWrite[];
      readonly readValues: Readonly<Record<string, string | null>>;
    }
  | { readonly type: 'committed'; readonly txId: TxId }
  | { readonly type: 'aborted'; readonly txId: TxId }
  | { readonly type: 'epoch'; readonly coordinator: PartyId; readonly epoch: number };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The bytes of a record (JSON, UTF-8). */
export function encodeParticipantRecord(record: ParticipantRecord): Uint8Array {
  return encoder.encode(JSON.stringify(record));
}

const isWrite = (w: unknown): boolean =>
  typeof w === 'object' && w !== null && typeof (w as TxWrite).key === 'string' && ((w as TxWrite).value === null || typeof (w as TxWrite).value === 'string');

/**
 * Decodes and checks a record replayed from the log.
 *
 * @param index its position, for the error
 * @throws {TransactionRecordError} when it is not a participant record
 */
export function decodeParticipantRecord(bytes: Uint8Array, index: number): ParticipantRecord {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw new TransactionRecordError('participant', index, `not JSON (${String(error)})`);
  }
  const r = value as Record<string, unknown>;
  if (typeof r === 'object' && r !== null && r.type === 'epoch') {
    if (typeof r.coordinator !== 'string' || r.coordinator === '' || !Number.isSafeInteger(r.epoch) || (r.epoch as number) < 0) {
      throw new TransactionRecordError('participant', index, `an epoch record with a missing or bad field: ${JSON.stringify(r).slice(0, 200)}`);
    }
    return { type: 'epoch', coordinator: r.coordinator, epoch: r.epoch as number };
  }
  if (typeof r !== 'object' || r === null || typeof r.txId !== 'string' || r.txId === '') {
    throw new TransactionRecordError('participant', index, 'no txId');
  }
  switch (r.type) {
    case 'committed':
    case 'aborted':
      return { type: r.type, txId: r.txId };
    case 'prepared':
      if (
        typeof r.coordinator !== 'string' ||
        !Number.isSafeInteger(r.epoch) ||
        (r.epoch as number) < 0 ||
        typeof r.order !== 'number' ||
        !Number.isFinite(r.order) ||
        !Array.isArray(r.writes) ||
        !r.writes.every(isWrite) ||
        !Array.isArray(r.reads) ||
        !r.reads.every((k) => typeof k === 'string') ||
        !Array.isArray(r.undo) ||
        !r.undo.every(isWrite) ||
        typeof r.readValues !== 'object' ||
        r.readValues === null ||
        Array.isArray(r.readValues) ||
        !Object.values(r.readValues).every((v) => v === null || typeof v === 'string')
      ) {
        throw new TransactionRecordError('participant', index, `a prepared record with a missing or bad field: ${JSON.stringify(r).slice(0, 200)}`);
      }
      return value as ParticipantRecord;
    default:
      throw new TransactionRecordError('participant', index, `unknown type ${JSON.stringify(r.type)}`);
  }
}
