import type { Clock, TimerHandle } from '../../time/clock.js';
import type { QuorumNodeConfig } from './node-config.js';
import { QuorumNode } from './quorum-node.js';
import type { RequestOptions, WriteOptions } from './request-options.js';
import type { StoreMessage } from './store-messages.js';
import type { GetResult, StoreCompletion, WriteResult } from './store-results.js';

/**
 * How a {@link QuorumStore} reaches its peers: best effort (messages may be lost, delayed,
 * duplicated or reordered; the protocol copes). The receiving side hands each message to its
 * store's `receive`. A deterministic simulated network, an in-process bus or an HTTP client fit.
 */
export interface StoreTransport<V> {
  /** Sends `message` to `message.to`. Must not throw for an unreachable peer. */
  send(message: StoreMessage<V>): void;
}

/** Options of a {@link QuorumStore}: a node's, plus its transport and timer. */
export interface QuorumStoreOptions<V> extends Omit<QuorumNodeConfig<V>, 'clock'> {
  /** Sends messages to peers. Required. */
  readonly transport: StoreTransport<V>;
  /** Time and timers (`systemClock`, or a `ManualClock` in tests). Required. */
  readonly clock: Clock;
  /** How often the node ticks, in milliseconds. Default 10. */
  readonly tickMs?: number;
}

interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * The runtime around a {@link QuorumNode}: promises for `get`, `put` and `delete`, a timer that
 * ticks the node every `tickMs` (armed on the injected clock, never keeping the process alive
 * with `systemClock`), and message passing through a {@link StoreTransport}.
 *
 * @example
 * const store = new QuorumStore<string>({ id: 'a', nodes, preferenceList: ring.preferenceList, clock: systemClock, transport });
 * peerServer.on('message', (message) => store.receive(message));
 * const { token } = await store.put('cart', 'apples');
 * const { value } = await store.get('cart', { token });
 */
export class QuorumStore<V> {
  /** The state machine this store drives. */
  readonly node: QuorumNode<V>;
  private readonly transport: StoreTransport<V>;
  private readonly clock: Clock;
  private readonly tickMs: number;
  private readonly waiters = new Map<string, Waiter>();
  private timer: TimerHandle | undefined;
  private closed = false;

  /** @throws TypeError or RangeError for a bad option (naming it) */
  constructor(options: QuorumStoreOptions<V>) {
    if (typeof options?.transport?.send !== 'function') throw new TypeError('QuorumStore: transport must have a send(message) method');
    if (typeof options.clock?.setTimeout !== 'function' || typeof options.clock.clearTimeout !== 'function') {
      throw new TypeError('QuorumStore: clock must be a Clock (now, setTimeout, clearTimeout)');
    }
    const tickMs = options.tickMs ?? 10;
    if (!(tickMs > 0) || !Number.isFinite(tickMs)) throw new RangeError(`QuorumStore: tickMs must be a positive finite number, got ${tickMs}`);
    this.node = new QuorumNode<V>(options);
    this.transport = options.transport;
    this.clock = options.clock;
    this.tickMs = tickMs;
    this.arm();
  }

  /**
   * Reads `key`.
   *
   * @returns the value, its siblings, the context to write back with, and the session's new token
   * @throws (rejects) QuorumNotReachedError when R replies (or a reply at the token) did not come in time
   */
  get(key: string, options?: RequestOptions): Promise<GetResult<V>> {
    return this.request(() => this.node.get(key, options)) as Promise<GetResult<V>>;
  }

  /**
   * Writes `value` to `key`, superseding what `options.context` and the token cover.
   *
   * @throws (rejects) QuorumNotReachedError when W acknowledgements did not come in time (the write may have landed)
   */
  put(key: string, value: V, options?: WriteOptions): Promise<WriteResult> {
    return this.request(() => this.node.put(key, value, options)) as Promise<WriteResult>;
  }

  /** Deletes `key` (a tombstone). @throws (rejects) QuorumNotReachedError as `put` does */
  delete(key: string, options?: WriteOptions): Promise<WriteResult> {
    return this.request(() => this.node.delete(key, options)) as Promise<WriteResult>;
  }

  /** Hands the node a message that arrived from a peer (ignored once closed). */
  receive(message: StoreMessage<V>): void {
    if (this.closed) return;
    this.node.step(message);
    this.flush();
  }

  /** How many requests wait for their outcome. */
  get pending(): number {
    return this.waiters.size;
  }

  /** Stops the timer; requests still waiting reject with an `Error`. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const error = new Error('QuorumStore: closed before the request completed');
    for (const waiter of this.waiters.values()) waiter.reject(error);
    this.waiters.clear();
  }

  private request(start: () => string): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('QuorumStore: closed'));
    let id: string;
    try {
      id = start();
    } catch (error) {
      return Promise.reject(error);
    }
    const promise = new Promise((resolve, reject) => this.waiters.set(id, { resolve, reject }));
    this.flush();
    return promise;
  }

  private arm(): void {
    this.timer = this.clock.setTimeout(() => {
      if (this.closed) return;
      this.node.tick();
      this.flush();
      this.arm();
    }, this.tickMs);
  }

  private flush(): void {
    while (this.node.hasReady()) {
      const { messages, completions } = this.node.ready();
      for (const message of messages) this.transport.send(message);
      for (const completion of completions) this.settle(completion);
    }
  }

  private settle(completion: StoreCompletion<V>): void {
    const waiter = this.waiters.get(completion.requestId);
    if (waiter === undefined) return;
    this.waiters.delete(completion.requestId);
    if (completion.ok) waiter.resolve(completion.result);
    else waiter.reject(completion.error);
  }
}
