import type { DottedVersionVector } from '../clocks/dotted-version-vector.js';
import { dotKey } from '../clocks/dotted-version-vector.js';
import type { LwwStamp } from '../crdt/lww-stamp.js';
import { compareStamps } from '../crdt/lww-stamp.js';

/** A node of a quorum store, by id. */
export type NodeId = string;

/**
 * One version of a key as replicas store it: the value (or a tombstone), its dotted version
 * vector (which versions it supersedes), and a last-writer-wins stamp that orders concurrent
 * versions when one value is wanted.
 */
export interface StoredVersion<V> {
  readonly version: DottedVersionVector;
  /** The hybrid logical clock timestamp of the write and the coordinator that made it. */
  readonly stamp: LwwStamp;
  /** `true` for a tombstone: the key was deleted. */
  readonly deleted: boolean;
  /** The value; `undefined` for a tombstone. */
  readonly value: V | undefined;
}

/** The version with the greatest stamp: the last-writer-wins choice among siblings. */
export function newestVersion<V>(versions: readonly StoredVersion<V>[]): StoredVersion<V> | undefined {
  let best: StoredVersion<V> | undefined;
  for (const v of versions) if (best === undefined || compareStamps(v.stamp, best.stamp) > 0) best = v;
  return best;
}

/** The greatest stamp among versions, if any. */
export function newestStamp(versions: readonly StoredVersion<unknown>[]): LwwStamp | undefined {
  return newestVersion(versions)?.stamp;
}

/** A string naming exactly this set of versions (their dots, sorted): equal sets, equal strings. */
export function versionsDigest(versions: readonly StoredVersion<unknown>[]): string {
  return versions
    .map((v) => dotKey(v.version.dot))
    .sort()
    .join(',');
}
