import type { Clock } from '../../time/clock.js';
import type { ReplicaStorage } from './replica-storage.js';
import { MemoryReplicaStorage } from './replica-storage.js';
import type { ConsistencyLevel } from './request-options.js';
import type { NodeId } from './stored-version.js';
import { checkReplicaId } from '../validate.js';

/**
 * Where a key lives: `n` distinct node ids, best first; the first N are the key's home
 * replicas and the rest, in order, its stand-ins. It must give the same answer on every node
 * (a `HashRing`'s `preferenceList` fits; so does any deterministic function of the key).
 */
export type PreferenceList = (key: string, n: number) => readonly NodeId[];

/** Options of a {@link QuorumNode}. */
export interface QuorumNodeConfig<V> {
  /** This node's id. Required. */
  readonly id: NodeId;
  /** Every node of the cluster, this one included. Required. */
  readonly nodes: readonly NodeId[];
  /** Where each key lives. Required. */
  readonly preferenceList: PreferenceList;
  /** Reads time for the hybrid logical clock, timeouts and grace periods. Required (`systemClock`, or a `ManualClock`). */
  readonly clock: Pick<Clock, 'now'>;
  /** Where keys, hints and counters are kept. Default: a new `MemoryReplicaStorage`. */
  readonly storage?: ReplicaStorage<V>;
  /** Replicas per key (N), also for anti-entropy and hinted handoff. Default 3; at most `nodes.length`. */
  readonly replicas?: number;
  /** The level of a request that names none. Default `'strong'`. */
  readonly defaultConsistency?: ConsistencyLevel;
  /** How long a request waits for its quorum, in milliseconds. Default 1000. */
  readonly requestTimeoutMs?: number;
  /** With a sloppy quorum: how long a replica may stay silent before a stand-in is asked in its place, in milliseconds. Default 100. */
  readonly standInAfterMs?: number;
  /** How long a replica that stayed silent is passed over when choosing sloppy targets, unless heard from, in milliseconds. Default 5000. */
  readonly suspectMs?: number;
  /** How often `tick` offers held hints to their owners and sweeps expired tombstones, in milliseconds. Default 1000. */
  readonly maintenanceIntervalMs?: number;
  /** How often `tick` starts an anti-entropy exchange with the next peer, in milliseconds. Default 10 000; `Infinity` only on `startAntiEntropy()`. */
  readonly antiEntropyIntervalMs?: number;
  /**
   * How long a deleted key's tombstone is kept before the key is forgotten, in milliseconds.
   * Default 86 400 000 (a day). Anti-entropy must reach every replica within it: a replica
   * that missed the delete would otherwise bring the value back.
   */
  readonly tombstoneGraceMs?: number;
  /** The depth of the anti-entropy Merkle trees (fanout 16: 16^depth leaves). Default 2. */
  readonly merkleDepth?: number;
  /** The hybrid logical clock's bound on a peer's clock being ahead, in milliseconds. Default 60 000. */
  readonly maxDriftMs?: number;
  /**
   * Merges concurrent values into one on read (a CRDT's merge, say). Default: none, and a
   * read's `value` is the sibling with the greatest stamp (last writer wins).
   */
  readonly merge?: (values: readonly V[]) => V;
}

/** {@link QuorumNodeConfig} with every default filled in. */
export interface ResolvedNodeConfig<V> extends Required<Omit<QuorumNodeConfig<V>, 'merge' | 'maxDriftMs'>> {
  readonly merge: ((values: readonly V[]) => V) | undefined;
  readonly maxDriftMs: number | undefined;
}

/**
 * Fills in and checks a node's options.
 *
 * @throws TypeError for a missing or malformed required option; RangeError for a value out of range (naming it)
 */
export function resolveNodeConfig<V>(config: QuorumNodeConfig<V>): ResolvedNodeConfig<V> {
  if (typeof config !== 'object' || config === null) throw new TypeError('QuorumNode: config must be an object');
  const id = checkReplicaId(config.id, 'QuorumNode: id');
  if (!Array.isArray(config.nodes) || config.nodes.length === 0) throw new TypeError('QuorumNode: nodes must be a non-empty array of node ids');
  config.nodes.forEach((node, i) => checkReplicaId(node, `QuorumNode: nodes[${i}]`));
  if (new Set(config.nodes).size !== config.nodes.length) throw new TypeError('QuorumNode: nodes must not list a node twice');
  if (!config.nodes.includes(id)) throw new TypeError(`QuorumNode: nodes must include this node's id ${JSON.stringify(id)}`);
  if (typeof config.preferenceList !== 'function') throw new TypeError('QuorumNode: preferenceList must be a function (key, n) => node ids');
  if (typeof config.clock?.now !== 'function') throw new TypeError('QuorumNode: clock must have a now() method');
  const replicas = config.replicas ?? 3;
  if (!Number.isSafeInteger(replicas) || replicas < 1 || replicas > config.nodes.length) {
    throw new RangeError(`QuorumNode: replicas must be an integer in [1, ${config.nodes.length}] (the number of nodes), got ${replicas}`);
  }
  const defaultConsistency = config.defaultConsistency ?? 'strong';
  if (!['strong', 'eventual', 'weak'].includes(defaultConsistency)) {
    throw new RangeError(`QuorumNode: defaultConsistency must be 'strong', 'eventual' or 'weak', got ${String(defaultConsistency)}`);
  }
  const ms = (name: keyof QuorumNodeConfig<V>, fallback: number, allowInfinity = false): number => {
    const value = (config[name] as number | undefined) ?? fallback;
    if (!(value > 0) || (!allowInfinity && !Number.isFinite(value))) throw new RangeError(`QuorumNode: ${name} must be a positive${allowInfinity ? '' : ' finite'} number, got ${value}`);
    return value;
  };
  const merkleDepth = config.merkleDepth ?? 2;
  if (!Number.isSafeInteger(merkleDepth) || merkleDepth < 0 || merkleDepth > 5) throw new RangeError(`QuorumNode: merkleDepth must be an integer in [0, 5], got ${merkleDepth}`);
  if (config.merge !== undefined && typeof config.merge !== 'function') throw new TypeError('QuorumNode: merge must be a function');
  return {
    id,
    nodes: [...config.nodes],
    preferenceList: config.preferenceList,
    clock: config.clock,
    storage: config.storage ?? new MemoryReplicaStorage<V>(),
    replicas,
    defaultConsistency,
    requestTimeoutMs: ms('requestTimeoutMs', 1000),
    standInAfterMs: ms('standInAfterMs', 100),
    suspectMs: ms('suspectMs', 5000),
    maintenanceIntervalMs: ms('maintenanceIntervalMs', 1000),
    antiEntropyIntervalMs: ms('antiEntropyIntervalMs', 10_000, true),
    tombstoneGraceMs: ms('tombstoneGraceMs', 86_400_000, true),
    merkleDepth,
    maxDriftMs: config.maxDriftMs,
    merge: config.merge,
  };
}
