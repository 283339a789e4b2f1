/** The identity of a Raft node: any non-empty string, unique in the cluster and never reused. */
export type NodeId = string;

/**
 * What an entry carries: `'normal'` is a user command (or the empty no-op a new leader
 * appends); `'conf-change'` is a membership change (`data` is an encoded `ConfChange`: decode it
 * with `decodeConfChange` and hand it to `Raft.applyConfChange` when the entry is applied).
 */
export type EntryType = 'normal' | 'conf-change';

/**
 * One entry of the replicated log.
 *
 * Invariant (Log Matching, Raft §5.3): two logs holding an entry with the same `index` and `term`
 * hold the same entry there and agree on every entry before it.
 */
export interface Entry {
  /** Position in the log, from 1. */
  readonly index: number;
  /** The leader's term when the entry was created. */
  readonly term: number;
  readonly type: EntryType;
  /** The command, opaque to Raft; empty for a new leader's no-op entry (Raft §8). */
  readonly data: Uint8Array;
}

/** The size of an entry in bytes, as counted by the batching limits: its command's length. */
export function entrySize(entry: Entry): number {
  return entry.data.byteLength;
}

/** The size of some entries, as counted by the batching and flow-control limits. */
export function payloadSize(entries: readonly Entry[]): number {
  let bytes = 0;
  for (const entry of entries) bytes += entrySize(entry);
  return bytes;
}
