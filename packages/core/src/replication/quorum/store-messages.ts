import type { DotJSON } from '../clocks/dotted-version-vector.js';
import type { NodeId, StoredVersion } from './stored-version.js';

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
}

/** A coordinator asks a replica for its versions of a key. */
export interface ReadMessage extends Envelope {
  readonly type: 'read';
  readonly requestId: string;
  readonly key: string;
}

/** A replica's versions of a key (its own, and any it holds as a stand-in). */
export interface ReadReplyMessage<V> extends Envelope {
  readonly type: 'read-reply';
  readonly requestId: string;
  readonly key: string;
  readonly versions: readonly StoredVersion<V>[];
}

/**
 * Versions for a replica to merge into its own: a write, a read repair, or anti-entropy. With
 * `hintFor`, the receiver is a stand-in and keeps them for that node. With a `requestId`, the
 * receiver acknowledges.
 */
export interface WriteMessage<V> extends Envelope {
  readonly type: 'write';
  readonly requestId?: string;
  readonly key: string;
  readonly versions: readonly StoredVersion<V>[];
  readonly hintFor?: NodeId;
}

/** A replica stored a write. */
export interface WriteAckMessage extends Envelope {
  readonly type: 'write-ack';
  readonly requestId: string;
  readonly key: string;
}

/** A stand-in hands over the versions it held for the receiver. */
export interface HandoffMessage<V> extends Envelope {
  readonly type: 'handoff';
  readonly key: string;
  readonly versions: readonly StoredVersion<V>[];
}

/** The owner stored handed-over versions; the stand-in may drop them. */
export interface HandoffAckMessage extends Envelope {
  readonly type: 'handoff-ack';
  readonly key: string;
  readonly dots: readonly DotJSON[];
}

/** Anti-entropy: the initiator asks for the hashes of some Merkle tree nodes at one level. */
export interface TreeRequestMessage extends Envelope {
  readonly type: 'tree-request';
  readonly exchangeId: string;
  readonly level: number;
  readonly indices: readonly number[];
}

/** Anti-entropy: the hashes asked for, over the keys both nodes replicate. */
export interface TreeReplyMessage extends Envelope {
  readonly type: 'tree-reply';
  readonly exchangeId: string;
  readonly level: number;
  readonly hashes: readonly (readonly [index: number, hash: number])[];
}

/** Anti-entropy: the initiator asks for the keys under some leaves. */
export interface KeysRequestMessage extends Envelope {
  readonly type: 'keys-request';
  readonly exchangeId: string;
  readonly leaves: readonly number[];
}

/** Anti-entropy: the responder's versions of every shared key under the leaves asked for. */
export interface KeysReplyMessage<V> extends Envelope {
  readonly type: 'keys-reply';
  readonly exchangeId: string;
  readonly leaves: readonly number[];
  readonly entries: readonly (readonly [key: string, versions: readonly StoredVersion<V>[]])[];
}

/**
 * Every message quorum nodes exchange, discriminated by `type`. Messages hold live objects
 * (`DottedVersionVector`s inside the versions): an in-process network passes them as they are;
 * a real transport must encode them (the clocks have `toJSON`/`fromJSON`).
 */
export type StoreMessage<V> =
  | ReadMessage
  | ReadReplyMessage<V>
  | WriteMessage<V>
  | WriteAckMessage
  | HandoffMessage<V>
  | HandoffAckMessage
  | TreeRequestMessage
  | TreeReplyMessage
  | KeysRequestMessage
  | KeysReplyMessage<V>;
