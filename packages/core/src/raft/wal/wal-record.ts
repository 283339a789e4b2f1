import { crc32 } from 'node:zlib';
import type { Entry } from '../entry.js';
import type { ConfState, HardState } from '../raft-state.js';
import type { SnapshotMetadata } from '../snapshot.js';

/**
 * What a WAL record holds: a batch of entries (one `append`), the hard state, the membership, or
 * a snapshot's metadata (`kind`: `'applied'` replaced the whole log, `'created'` folded the log up
 * to its index, `'header'` repeats the current snapshot at the top of a new segment).
 */
export type WalRecord =
  | { readonly type: 'entries'; readonly entries: readonly Entry[] }
  | { readonly type: 'hard-state'; readonly hardState: HardState }
  | { readonly type: 'conf-state'; readonly confState: ConfState }
  | { readonly type: 'snapshot'; readonly kind: 'applied' | 'created' | 'header'; readonly metadata: SnapshotMetadata };

/** Bytes before the payload: `u32 length`, `u32 crc32(type byte + payload)`, `u8 type` (little-endian). */
export const RECORD_HEADER_BYTES = 9;

const TYPE_CODES = { entries: 1, 'hard-state': 2, 'conf-state': 3, snapshot: 4, 'snapshot-file': 5 } as const;
const ENTRY_TYPES = ['normal', 'conf-change'] as const;
const json = { encode: (v: unknown) => new TextEncoder().encode(JSON.stringify(v)), decode: (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b)) as unknown };

/** Frames `payload`: length, checksum, type, payload. */
export function frame(typeCode: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER_BYTES + payload.byteLength);
  const view = new DataView(out.buffer);
  out[8] = typeCode;
  out.set(payload, RECORD_HEADER_BYTES);
  view.setUint32(0, payload.byteLength, true);
  view.setUint32(4, crc32(out.subarray(8)), true);
  return out;
}

/** The result of reading one frame at `offset`: a record, a torn tail (cut short), or a bad checksum. */
export type FrameRead =
  | { readonly status: 'ok'; readonly typeCode: number; readonly payload: Uint8Array; readonly next: number }
  | { readonly status: 'short' }
  | { readonly status: 'bad-checksum'; readonly end: number };

/** Reads the frame at `offset` of `bytes` (`offset < bytes.length`). */
export function readFrame(bytes: Uint8Array, offset: number): FrameRead {
  if (bytes.byteLength - offset < RECORD_HEADER_BYTES) return { status: 'short' };
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset);
  const length = view.getUint32(0, true);
  const end = offset + RECORD_HEADER_BYTES + length;
  if (end > bytes.byteLength) return { status: 'short' };
  if (crc32(bytes.subarray(offset + 8, end)) !== view.getUint32(4, true)) return { status: 'bad-checksum', end };
  return { status: 'ok', typeCode: bytes[offset + 8] as number, payload: bytes.subarray(offset + RECORD_HEADER_BYTES, end), next: end };
}

/** Encodes a record as one frame. */
export function encodeRecord(record: WalRecord): Uint8Array {
  switch (record.type) {
    case 'entries':
      return frame(TYPE_CODES.entries, encodeEntries(record.entries));
    case 'hard-state': {
      const { term, vote, commit } = record.hardState;
      return frame(TYPE_CODES['hard-state'], json.encode({ term, vote: vote ?? null, commit }));
    }
    case 'conf-state':
      return frame(TYPE_CODES['conf-state'], json.encode(record.confState));
    case 'snapshot':
      return frame(TYPE_CODES.snapshot, json.encode({ kind: record.kind, ...record.metadata }));
  }
}

/** Decodes a frame's payload, or returns `undefined` for an unknown type code. */
export function decodeRecord(typeCode: number, payload: Uint8Array): WalRecord | undefined {
  switch (typeCode) {
    case TYPE_CODES.entries:
      return { type: 'entries', entries: decodeEntries(payload) };
    case TYPE_CODES['hard-state']: {
      const { term, vote, commit } = json.decode(payload) as { term: number; vote: string | null; commit: number };
      return { type: 'hard-state', hardState: { term, vote: vote ?? undefined, commit } };
    }
    case TYPE_CODES['conf-state']:
      return { type: 'conf-state', confState: json.decode(payload) as ConfState };
    case TYPE_CODES.snapshot: {
      const { kind, index, term, confState } = json.decode(payload) as { kind: 'applied' | 'created' | 'header' } & SnapshotMetadata;
      return { type: 'snapshot', kind, metadata: { index, term, confState } };
    }
    default:
      return undefined;
  }
}

/** A snapshot file's content: one frame holding the metadata and the state machine's data. */
export function encodeSnapshotFile(metadata: SnapshotMetadata, data: Uint8Array): Uint8Array {
  const meta = json.encode(metadata);
  const payload = new Uint8Array(4 + meta.byteLength + data.byteLength);
  new DataView(payload.buffer).setUint32(0, meta.byteLength, true);
  payload.set(meta, 4);
  payload.set(data, 4 + meta.byteLength);
  return frame(TYPE_CODES['snapshot-file'], payload);
}

/** Reads a snapshot file back, or `undefined` when it is cut short, damaged or not a snapshot file. */
export function decodeSnapshotFile(bytes: Uint8Array): { metadata: SnapshotMetadata; data: Uint8Array } | undefined {
  if (bytes.byteLength === 0) return undefined;
  const read = readFrame(bytes, 0);
  if (read.status !== 'ok' || read.typeCode !== TYPE_CODES['snapshot-file'] || read.next !== bytes.byteLength) return undefined;
  const metaLength = new DataView(read.payload.buffer, read.payload.byteOffset).getUint32(0, true);
  const metadata = json.decode(read.payload.subarray(4, 4 + metaLength)) as SnapshotMetadata;
  return { metadata, data: read.payload.slice(4 + metaLength) };
}

/** The highest entry index in an `entries` frame's payload (0 for other types). */
export function maxEntryIndex(record: WalRecord): number {
  return record.type === 'entries' && record.entries.length > 0 ? (record.entries.at(-1) as Entry).index : 0;
}

// Entries: u32 count, then per entry f64 index, f64 term, u8 type, u32 length, data.
// Indexes and terms are integers below 2^53, exact in a float64.
function encodeEntries(entries: readonly Entry[]): Uint8Array {
  let size = 4;
  for (const entry of entries) size += 21 + entry.data.byteLength;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, entries.length, true);
  let at = 4;
  for (const entry of entries) {
    view.setFloat64(at, entry.index, true);
    view.setFloat64(at + 8, entry.term, true);
    out[at + 16] = ENTRY_TYPES.indexOf(entry.type);
    view.setUint32(at + 17, entry.data.byteLength, true);
    out.set(entry.data, at + 21);
    at += 21 + entry.data.byteLength;
  }
  return out;
}

function decodeEntries(payload: Uint8Array): Entry[] {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const count = view.getUint32(0, true);
  const entries: Entry[] = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    const length = view.getUint32(at + 17, true);
    entries.push({
      index: view.getFloat64(at, true),
      term: view.getFloat64(at + 8, true),
      type: ENTRY_TYPES[payload[at + 16] as number] ?? 'normal',
      data: payload.slice(at + 21, at + 21 + length),
    });
    at += 21 + length;
  }
  return entries;
}
