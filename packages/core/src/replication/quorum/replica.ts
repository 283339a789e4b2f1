import type { Dot } from '../clocks/dotted-version-vector.js';
import { dotKey } from '../clocks/dotted-version-vector.js';
import { syncSiblings } from '../clocks/dvv-siblings.js';
import type { KeyRecord, ReplicaStorage } from './replica-storage.js';
import type { NodeId, StoredVersion } from './stored-version.js';
import { versionsDigest } from './stored-version.js';

/**
 * The replica side of a quorum node: merges versions into storage with the DVV kernel, keeps
 * hints for other nodes, and tracks tombstones for their grace period. Not exported: the node
 * drives it.
 */
export class Replica<V> {
  /** Bumped on every change of the stored keys (not of hints): Merkle trees cached against it. */
  dataVersion = 0;

  constructor(
    private readonly storage: ReplicaStorage<V>,
    private readonly now: () => number,
  ) {}

  /** This replica's own versions of `key`. */
  versions(key: string): readonly StoredVersion<V>[] {
    return this.storage.get(key)?.versions ?? [];
  }

  /** What this node answers a read with: its own versions and any it holds for others. */
  readView(key: string): readonly StoredVersion<V>[] {
    let view = this.versions(key);
    for (const owner of this.storage.hintOwners()) {
      const hinted = this.storage.hints(owner).get(key);
      if (hinted !== undefined) view = syncSiblings(view, hinted);
    }
    return view;
  }

  /** Every stored key. */
  keys(): Iterable<string> {
    return this.storage.keys();
  }

  /** A digest of the key's versions (equal sets, equal digests). */
  digest(key: string): string {
    return versionsDigest(this.versions(key));
  }

  /** Merges `incoming` into the key's versions; true if that changed them. */
  apply(key: string, incoming: readonly StoredVersion<V>[]): boolean {
    const record = this.storage.get(key);
    const before = record?.versions ?? [];
    const after = syncSiblings(before, incoming);
    if (versionsDigest(after) === versionsDigest(before)) return false;
    const allDeleted = after.length > 0 && after.every((v) => v.deleted);
    const next: KeyRecord<V> = allDeleted ? { versions: after, deletedAtMs: record?.deletedAtMs ?? this.now() } : { versions: after };
    this.storage.set(key, next);
    this.dataVersion++;
    return true;
  }

  /** Keeps `incoming` for `owner`, to hand over later. */
  applyHint(owner: NodeId, key: string, incoming: readonly StoredVersion<V>[]): void {
    const before = this.storage.hints(owner).get(key) ?? [];
    this.storage.setHint(owner, key, syncSiblings(before, incoming));
  }

  /** The hints held, by owner then key. */
  hints(): Array<[NodeId, ReadonlyMap<string, readonly StoredVersion<V>[]>]> {
    return [...this.storage.hintOwners()].map((owner) => [owner, this.storage.hints(owner)]);
  }

  /** How many (owner, key) hints are held. */
  hintCount(): number {
    let count = 0;
    for (const owner of this.storage.hintOwners()) count += this.storage.hints(owner).size;
    return count;
  }

  /** Drops the hinted versions `owner` acknowledged; returns how many went. */
  dropHandedOff(owner: NodeId, key: string, dots: readonly Dot[]): number {
    const held = this.storage.hints(owner).get(key);
    if (held === undefined) return 0;
    const acked = new Set(dots.map(dotKey));
    const left = held.filter((v) => !acked.has(dotKey(v.version.dot)));
    this.storage.setHint(owner, key, left);
    return held.length - left.length;
  }

  /** Removes keys whose versions have all been tombstones for `graceMs`; returns how many. */
  purgeTombstones(graceMs: number): number {
    const now = this.now();
    const expired: string[] = [];
    for (const key of this.storage.keys()) {
      const deletedAt = this.storage.get(key)?.deletedAtMs;
      if (deletedAt !== undefined && now - deletedAt >= graceMs) expired.push(key);
    }
    for (const key of expired) this.storage.set(key, undefined);
    if (expired.length > 0) this.dataVersion++;
    return expired.length;
  }
}
