import type { NodeId, StoredVersion } from './stored-version.js';

/** What a replica keeps of one key. */
export interface KeyRecord<V> {
  /** The siblings: versions no other stored version supersedes. */
  readonly versions: readonly StoredVersion<V>[];
  /** When every sibling became a tombstone (epoch milliseconds), for the grace period; absent otherwise. */
  readonly deletedAtMs?: number;
}

/**
 * Where a quorum node keeps what must survive a restart: its keys, the hints it holds for
 * other nodes, and two counters it must never reuse (dots of the versions it writes, and the
 * incarnation that tells its requests apart from those of its previous lives). A durable
 * implementation must persist each write before the node sends a message that depends on it.
 */
export interface ReplicaStorage<V> {
  get(key: string): KeyRecord<V> | undefined;
  /** Stores a key's record; `undefined` removes the key. */
  set(key: string, record: KeyRecord<V> | undefined): void;
  /** Every stored key. */
  keys(): Iterable<string>;
  /** The versions held for `owner` (a hinted handoff), by key. */
  hints(owner: NodeId): ReadonlyMap<string, readonly StoredVersion<V>[]>;
  /** The owners this node holds hints for. */
  hintOwners(): Iterable<NodeId>;
  /** Stores the hinted versions of `key` for `owner`; an empty list removes them. */
  setHint(owner: NodeId, key: string, versions: readonly StoredVersion<V>[]): void;
  /** A counter never returned before by this storage (1, 2, 3, …). */
  nextDot(): number;
  /** A number never returned before by this storage, one per start of a node. */
  nextIncarnation(): number;
}

/**
 * A {@link ReplicaStorage} in memory: for tests and simulations (keep the object to "restart" a
 * node with its data), or for a cache-like store that may lose everything.
 *
 * @example
 * const storage = new MemoryReplicaStorage<string>();
 * const node = new QuorumNode({ id: 'a', nodes, preferenceList, clock, storage });
 */
export class MemoryReplicaStorage<V> implements ReplicaStorage<V> {
  private readonly records = new Map<string, KeyRecord<V>>();
  private readonly hinted = new Map<NodeId, Map<string, readonly StoredVersion<V>[]>>();
  private dots = 0;
  private incarnations = 0;

  get(key: string): KeyRecord<V> | undefined {
    return this.records.get(key);
  }

  set(key: string, record: KeyRecord<V> | undefined): void {
    if (record === undefined) this.records.delete(key);
    else this.records.set(key, record);
  }

  keys(): Iterable<string> {
    return this.records.keys();
  }

  hints(owner: NodeId): ReadonlyMap<string, readonly StoredVersion<V>[]> {
    return this.hinted.get(owner) ?? new Map();
  }

  hintOwners(): Iterable<NodeId> {
    return this.hinted.keys();
  }

  setHint(owner: NodeId, key: string, versions: readonly StoredVersion<V>[]): void {
    let byKey = this.hinted.get(owner);
    if (versions.length === 0) {
      byKey?.delete(key);
      if (byKey?.size === 0) this.hinted.delete(owner);
      return;
    }
    if (byKey === undefined) this.hinted.set(owner, (byKey = new Map()));
    byKey.set(key, versions);
  }

  nextDot(): number {
    return ++this.dots;
  }

  nextIncarnation(): number {
    return ++this.incarnations;
  }
}
