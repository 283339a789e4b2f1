import type { DottedVersionVector } from '../clocks/dotted-version-vector.js';
import type { VectorClock } from '../clocks/vector-clock.js';
import type { ClockDriftError } from '../errors/clock-drift-error.js';
import type { QuorumNotReachedError } from '../errors/quorum-not-reached-error.js';
import type { CausalToken } from './causal-token.js';

/** What a get returns. */
export interface GetResult<V> {
  readonly key: string;
  /**
   * One value: the configured `merge` of the siblings, or else the sibling with the greatest
   * stamp (last writer wins). `undefined` when the key does not exist or was deleted.
   */
  readonly value: V | undefined;
  /** Every concurrent value (tombstones left out), the greatest stamp first. */
  readonly siblings: readonly V[];
  /** The versions read: pass it to a put to supersede all of them. */
  readonly context: VectorClock;
  /** The session's token after this read. */
  readonly token: CausalToken;
  /** How many replicas answered before the result was given. */
  readonly replies: number;
}

/** What a put or a delete returns. */
export interface WriteResult {
  readonly key: string;
  /** The new version's clock. */
  readonly version: DottedVersionVector;
  /** The session's token after this write. */
  readonly token: CausalToken;
  /** How many replicas had acknowledged when the result was given. */
  readonly acks: number;
}

/** Why a request failed: no quorum in time or no replica caught up with the token, a peer clock too far ahead, or a context naming a version this node never wrote. */
export type StoreRequestError = QuorumNotReachedError | ClockDriftError | RangeError;

/** The outcome of one request, as {@link QuorumNode.ready} reports it. */
export type StoreCompletion<V> =
  | { readonly requestId: string; readonly kind: 'get'; readonly ok: true; readonly result: GetResult<V> }
  | { readonly requestId: string; readonly kind: 'put' | 'delete'; readonly ok: true; readonly result: WriteResult }
  | { readonly requestId: string; readonly kind: 'get' | 'put' | 'delete'; readonly ok: false; readonly error: StoreRequestError };
