import type { NodeId } from './entry.js';

/**
 * A linearizable read's answer (thesis §6.4): once the state machine has applied `index`, a read
 * of it reflects every write that completed before the request. `context` is the caller's request
 * id, handed back as given.
 */
export interface ReadState {
  readonly index: number;
  readonly context: Uint8Array;
}

/** A read the leader is confirming: who asked (itself or a follower), and the commit index then. */
export interface ReadRequest {
  readonly from: NodeId;
  readonly index: number;
  readonly context: Uint8Array;
}

/**
 * The leader's ReadIndex requests waiting for a heartbeat round to confirm its leadership
 * (etcd-io/raft `read_only.go`). Requests are confirmed in the order they came: a quorum's
 * acknowledgement of one request's heartbeat also confirms every earlier one, since those
 * heartbeats were sent before it (§6.4 step 3).
 *
 * Invariants: `queue` holds the keys of `pending`, oldest first; a request's `index` is at most
 * the leader's commit index when it is confirmed.
 */
export class ReadOnlyQueue {
  private readonly pending = new Map<string, { readonly request: ReadRequest; readonly acks: Set<NodeId> }>();
  private queue: string[] = [];

  /** How many requests wait. */
  get size(): number {
    return this.queue.length;
  }

  /** Queues a request; a context already waiting is ignored (contexts must be unique). */
  add(request: ReadRequest): void {
    const key = contextKey(request.context);
    if (this.pending.has(key)) return;
    this.pending.set(key, { request, acks: new Set() });
    this.queue.push(key);
  }

  /** Records `from`'s acknowledgement of the heartbeat for `context`; returns who acknowledged it so far. */
  recvAck(from: NodeId, context: Uint8Array): ReadonlySet<NodeId> | undefined {
    const waiting = this.pending.get(contextKey(context));
    if (waiting === undefined) return undefined;
    waiting.acks.add(from);
    return waiting.acks;
  }

  /** Removes and returns every request up to and including the one for `context`, oldest first. */
  advance(context: Uint8Array): ReadRequest[] {
    const at = this.queue.indexOf(contextKey(context));
    if (at < 0) return [];
    const done = this.queue.slice(0, at + 1);
    this.queue = this.queue.slice(at + 1);
    return done.map((key) => {
      const { request } = this.pending.get(key) as { request: ReadRequest };
      this.pending.delete(key);
      return request;
    });
  }

  /** The newest waiting context: periodic heartbeats carry it, so a lost round is retried. */
  lastPendingContext(): Uint8Array | undefined {
    const key = this.queue[this.queue.length - 1];
    return key === undefined ? undefined : this.pending.get(key)?.request.context;
  }
}

/** A map key for a context's bytes. */
function contextKey(context: Uint8Array): string {
  let key = '';
  for (let i = 0; i < context.length; i++) key += String.fromCharCode(context[i] as number);
  return key;
}
