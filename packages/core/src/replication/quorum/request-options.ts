import type { VectorClock } from '../clocks/vector-clock.js';
import type { CausalToken } from './causal-token.js';

/**
 * How hard a request works for consistency:
 * - `'strong'`: strict quorums over the key's home replicas with R + W > N (defaults: majorities),
 *   no stand-ins; a read writes what it returns back to W replicas before answering, and a write
 *   first reads R replicas so that its stamp is after every write it could have missed. Single-key
 *   reads and writes are then linearizable (as in ABD, Attiya, Bar-Noy, Dolev 1995), concurrent
 *   writes resolved by their stamps.
 * - `'eventual'`: R = W = 1 by default, sloppy quorums with hinted handoff, read repair in the
 *   background. Concurrent writes become siblings.
 * - `'weak'`: the coordinator's own replica when it is one (R = W = 1), replication in the
 *   background, no read repair.
 */
export type ConsistencyLevel = 'strong' | 'eventual' | 'weak';

/** Options of one read or write. */
export interface RequestOptions {
  /** Default: the node's `defaultConsistency`. */
  readonly consistency?: ConsistencyLevel;
  /** Replicas of the key (N). Default: the node's `replicas`. At most the cluster's size. */
  readonly n?: number;
  /** Replies a read waits for (R). Default: a majority of N for `'strong'`, else 1. */
  readonly r?: number;
  /** Acknowledgements a write waits for (W). Default: a majority of N for `'strong'`, else 1. */
  readonly w?: number;
  /**
   * Let stand-in nodes take the place of home replicas that do not answer (sloppy quorum), with
   * a hint to hand the data over later. Default `true` for `'eventual'`, `false` otherwise; not
   * allowed with `'strong'`. A sloppy quorum may not overlap the previous one: R + W > N no
   * longer means a read sees the last write.
   */
  readonly sloppy?: boolean;
  /** The session's causal token: a read answers at or after it; a write supersedes it. */
  readonly token?: CausalToken;
  /** Give up after this long (milliseconds). Default: the node's `requestTimeoutMs`. */
  readonly timeoutMs?: number;
}

/** Options of a put or a delete. */
export interface WriteOptions extends RequestOptions {
  /** The versions this write supersedes: a get's `context`. Merged with the token's clock for the key. */
  readonly context?: VectorClock;
}

/** Request options with every default filled in. */
export interface ResolvedRequest {
  readonly consistency: ConsistencyLevel;
  readonly n: number;
  readonly r: number;
  readonly w: number;
  readonly sloppy: boolean;
  readonly timeoutMs: number;
}

/** Node-wide defaults that {@link resolveRequest} falls back on. */
export interface RequestDefaults {
  readonly consistency: ConsistencyLevel;
  readonly replicas: number;
  readonly clusterSize: number;
  readonly requestTimeoutMs: number;
}

const LEVELS: readonly ConsistencyLevel[] = ['strong', 'eventual', 'weak'];

/**
 * Fills in and checks a request's options.
 *
 * @throws RangeError naming the option: an unknown level, N/R/W out of range, R + W ≤ N or
 *   `sloppy` with `'strong'`, R or W other than 1 with `'weak'`, a bad timeout
 */
export function resolveRequest(options: RequestOptions, defaults: RequestDefaults, operation: string): ResolvedRequest {
  const consistency = options.consistency ?? defaults.consistency;
  if (!LEVELS.includes(consistency)) throw new RangeError(`${operation}: consistency must be 'strong', 'eventual' or 'weak', got ${String(consistency)}`);
  const n = options.n ?? defaults.replicas;
  checkInt(n, 1, defaults.clusterSize, `${operation}: n`);
  const majority = Math.floor(n / 2) + 1;
  const r = options.r ?? (consistency === 'strong' ? majority : 1);
  const w = options.w ?? (consistency === 'strong' ? majority : 1);
  checkInt(r, 1, n, `${operation}: r`);
  checkInt(w, 1, n, `${operation}: w`);
  const sloppy = options.sloppy ?? consistency === 'eventual';
  if (consistency === 'strong') {
    if (r + w <= n) throw new RangeError(`${operation}: 'strong' needs r + w > n, got r=${r}, w=${w}, n=${n}`);
    if (sloppy) throw new RangeError(`${operation}: 'strong' cannot use a sloppy quorum (stand-ins break r + w > n)`);
  }
  if (consistency === 'weak' && (r !== 1 || w !== 1)) throw new RangeError(`${operation}: 'weak' reads and writes one replica; r and w must be 1, got r=${r}, w=${w}`);
  const timeoutMs = options.timeoutMs ?? defaults.requestTimeoutMs;
  if (!(timeoutMs > 0)) throw new RangeError(`${operation}: timeoutMs must be a positive number, got ${timeoutMs}`);
  return { consistency, n, r, w, sloppy, timeoutMs };
}

function checkInt(value: number, min: number, max: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
}
