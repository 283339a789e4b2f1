import { HybridLogicalClock } from '../clocks/hybrid-logical-clock.js';
import { VectorClock } from '../clocks/vector-clock.js';
import { AntiEntropy } from './anti-entropy.js';
import type { AntiEntropyMetrics } from './anti-entropy.js';
import { CausalToken } from './causal-token.js';
import { Coordinator } from './coordinator.js';
import type { Pending } from './coordinator.js';
import { resolveNodeConfig } from './node-config.js';
import type { QuorumNodeConfig, ResolvedNodeConfig } from './node-config.js';
import { Replica } from './replica.js';
import { resolveRequest } from './request-options.js';
import type { RequestOptions, WriteOptions } from './request-options.js';
import type { StoreMessage } from './store-messages.js';
import type { StoreCompletion } from './store-results.js';
import type { NodeId, StoredVersion } from './stored-version.js';

/** What {@link QuorumNode.ready} hands out: messages to send, and requests that finished. */
export interface StoreReady<V> {
  readonly messages: readonly StoreMessage<V>[];
  readonly completions: readonly StoreCompletion<V>[];
}

/** Counters of a {@link QuorumNode}. */
export interface QuorumNodeMetrics {
  gets: number;
  puts: number;
  deletes: number;
  /** Requests that ended in an error. */
  failed: number;
  /** Read repairs sent (background repairs of eventual reads, and strong reads' write-backs). */
  readRepairs: number;
  /** Writes this node took as a stand-in, to hand over. */
  hintsStored: number;
  /** Versions that owners acknowledged from this node's hints. */
  hintsHandedOff: number;
  tombstonesPurged: number;
  readonly antiEntropy: AntiEntropyMetrics;
}

/**
 * One node of a Dynamo-style replicated key-value store (DeCandia et al., SOSP 2007), as a
 * deterministic state machine in the style of etcd-io/raft: no timers, no I/O, no randomness.
 * Every node is both a replica and a coordinator. The caller hands it peer messages (`step`)
 * and client requests (`get`, `put`, `delete`, which return a request id), calls `tick()`
 * regularly, and after each call drains `ready()`: the messages to send and the requests that
 * finished. Storage writes happen inside the call, before `ready()` shows a message that
 * depends on them. `QuorumStore` is the runtime that does this over a `Transport` and a clock.
 *
 * Versions carry dotted version vectors, so concurrent writes are kept as siblings, never lost
 * silently; a read's `value` resolves them by `merge` or by stamp. See `design.md` for the
 * protocol and what each consistency level guarantees.
 *
 * @example
 * const node = new QuorumNode<string>({ id: 'a', nodes: ['a', 'b', 'c'], preferenceList: () => ['a', 'b', 'c'], clock });
 * const id = node.put('greeting', 'hello', { consistency: 'strong' });
 * const { messages } = node.ready(); // send them; feed the replies to node.step()
 */
export class QuorumNode<V> {
  /** This node's id. */
  readonly id: NodeId;
  private readonly config: ResolvedNodeConfig<V>;
  private readonly replica: Replica<V>;
  private readonly hlc: HybridLogicalClock;
  private readonly coordinator: Coordinator<V>;
  private readonly antiEntropy: AntiEntropy<V>;
  private readonly incarnation: number;
  private readonly counters = { gets: 0, puts: 0, deletes: 0, failed: 0, readRepairs: 0, hintsStored: 0, hintsHandedOff: 0, tombstonesPurged: 0 };
  private readonly suspects = new Map<NodeId, number>();
  private outbox: StoreMessage<V>[] = [];
  private completions: StoreCompletion<V>[] = [];
  private readonly local: StoreMessage<V>[] = [];
  private nextRequest = 0;
  private nextPeer = 0;
  private lastMaintenanceMs: number;
  private lastAntiEntropyMs: number;

  /** @throws TypeError or RangeError for a bad option (see {@link QuorumNodeConfig}) */
  constructor(config: QuorumNodeConfig<V>) {
    this.config = resolveNodeConfig(config);
    this.id = this.config.id;
    const now = (): number => this.config.clock.now();
    this.replica = new Replica(this.config.storage, now);
    this.hlc = new HybridLogicalClock({ clock: this.config.clock, maxDriftMs: this.config.maxDriftMs });
    this.incarnation = this.config.storage.nextIncarnation();
    this.lastMaintenanceMs = this.lastAntiEntropyMs = now();
    this.coordinator = new Coordinator<V>({
      id: this.id,
      hlc: this.hlc,
      standInAfterMs: this.config.standInAfterMs,
      merge: this.config.merge,
      now,
      send: (message) => this.send(message),
      complete: (completion) => this.completions.push(completion),
      nextDot: () => this.config.storage.nextDot(),
      suspect: (node) => this.suspects.set(node, now() + this.config.suspectMs),
      isSuspected: (node) => (this.suspects.get(node) ?? -Infinity) > now(),
      metrics: this.counters,
    });
    this.antiEntropy = new AntiEntropy<V>(
      {
        id: this.id,
        replica: this.replica,
        sharedKeys: (peer) => this.sharedKeys(peer),
        shares: (key, peer) => this.shares(key, peer),
        send: (message) => this.send(message),
        now,
      },
      this.config.merkleDepth,
      this.incarnation,
    );
  }

  /**
   * Starts a read of `key`; its outcome comes out of `ready()` under the returned request id.
   *
   * @throws RangeError or TypeError for bad options (see {@link RequestOptions}) or a bad preference list
   */
  get(key: string, options: RequestOptions = {}): string {
    this.counters.gets++;
    return this.begin('get', key, undefined, options);
  }

  /**
   * Starts a write of `value` to `key`, superseding what `options.context` and the token cover.
   *
   * @throws TypeError for an `undefined` value (use `delete`); RangeError or TypeError for bad options
   */
  put(key: string, value: V, options: WriteOptions = {}): string {
    if (value === undefined) throw new TypeError('QuorumNode.put: value must not be undefined (use delete)');
    this.counters.puts++;
    return this.begin('put', key, value, options);
  }

  /** Starts a delete of `key`: a tombstone superseding what `options.context` and the token cover. */
  delete(key: string, options: WriteOptions = {}): string {
    this.counters.deletes++;
    return this.begin('delete', key, undefined, options);
  }

  /**
   * Takes in a message from a peer.
   *
   * @throws TypeError for a message addressed to another node
   */
  step(message: StoreMessage<V>): void {
    if (message?.to !== this.id) throw new TypeError(`QuorumNode.step: a message for ${JSON.stringify(message?.to)} was delivered to ${JSON.stringify(this.id)}`);
    this.suspects.delete(message.from);
    this.local.push(message);
    this.drainLocal();
  }

  /**
   * Moves time on: times out requests, asks stand-ins for silent replicas, offers hints to
   * their owners and sweeps expired tombstones (every `maintenanceIntervalMs`), and starts an
   * anti-entropy exchange every `antiEntropyIntervalMs`.
   */
  tick(): void {
    const now = this.config.clock.now();
    this.coordinator.tick();
    this.antiEntropy.expire(this.config.requestTimeoutMs);
    if (now - this.lastMaintenanceMs >= this.config.maintenanceIntervalMs) {
      this.lastMaintenanceMs = now;
      this.offerHints();
      this.counters.tombstonesPurged += this.replica.purgeTombstones(this.config.tombstoneGraceMs);
    }
    if (now - this.lastAntiEntropyMs >= this.config.antiEntropyIntervalMs) {
      this.lastAntiEntropyMs = now;
      this.startAntiEntropy();
    }
    this.drainLocal();
  }

  /**
   * Starts a Merkle-tree anti-entropy exchange with `peer` (default: the next peer, round
   * robin). Returns the exchange id, or `undefined` if this node has no peer.
   *
   * @throws TypeError for a peer that is not a node of the cluster, or this node itself
   */
  startAntiEntropy(peer?: NodeId): string | undefined {
    const peers = this.config.nodes.filter((node) => node !== this.id);
    if (peer !== undefined && !peers.includes(peer)) throw new TypeError(`QuorumNode.startAntiEntropy: ${JSON.stringify(peer)} is not a peer of ${JSON.stringify(this.id)}`);
    const chosen = peer ?? peers[this.nextPeer++ % peers.length];
    if (chosen === undefined) return undefined;
    const id = this.antiEntropy.start(chosen);
    this.drainLocal();
    return id;
  }

  /** Offers every held hint to its owner now (as `tick` does every `maintenanceIntervalMs`). */
  offerHints(): void {
    for (const [owner, byKey] of this.replica.hints()) {
      for (const [key, versions] of byKey) this.send({ type: 'handoff', from: this.id, to: owner, key, versions });
    }
    this.drainLocal();
  }

  /** True when `ready()` has messages or completions. */
  hasReady(): boolean {
    return this.outbox.length > 0 || this.completions.length > 0;
  }

  /** Hands out the messages to send and the finished requests since the last call. */
  ready(): StoreReady<V> {
    const ready = { messages: this.outbox, completions: this.completions };
    this.outbox = [];
    this.completions = [];
    return ready;
  }

  /** This node's own versions of `key` (not its hints): for tests, debugging and convergence checks. */
  localVersions(key: string): readonly StoredVersion<V>[] {
    return this.replica.versions(key);
  }

  /** The keys this node stores (tombstoned keys included, until purged). */
  localKeys(): string[] {
    return [...this.replica.keys()];
  }

  /** How many (owner, key) hints this node holds as a stand-in. */
  get hintCount(): number {
    return this.replica.hintCount();
  }

  /** How many requests this node is coordinating. */
  get pendingRequests(): number {
    return this.coordinator.pending.size;
  }

  /** Live counters (a copy). */
  metrics(): QuorumNodeMetrics {
    return { ...this.counters, antiEntropy: { ...this.antiEntropy.metrics } };
  }

  /** The key's home replicas and then its stand-ins. */
  preferenceListOf(key: string): NodeId[] {
    const list = this.config.preferenceList(key, this.config.nodes.length);
    if (!Array.isArray(list)) throw new TypeError(`QuorumNode: preferenceList(${JSON.stringify(key)}) must return an array of node ids`);
    const seen = new Set<NodeId>();
    for (const node of list) {
      if (!this.config.nodes.includes(node)) throw new TypeError(`QuorumNode: preferenceList(${JSON.stringify(key)}) returned ${JSON.stringify(node)}, which is not a node of the cluster`);
      if (seen.has(node)) throw new TypeError(`QuorumNode: preferenceList(${JSON.stringify(key)}) returned ${JSON.stringify(node)} twice`);
      seen.add(node);
    }
    return list as NodeId[];
  }

  private begin(kind: Pending<V>['kind'], key: string, value: V | undefined, options: WriteOptions): string {
    if (typeof key !== 'string') throw new TypeError(`QuorumNode.${kind}: key must be a string`);
    const request = resolveRequest(options ?? {}, {
      consistency: this.config.defaultConsistency,
      replicas: this.config.replicas,
      clusterSize: this.config.nodes.length,
      requestTimeoutMs: this.config.requestTimeoutMs,
    }, `QuorumNode.${kind}`);
    const token = options.token ?? CausalToken.empty;
    if (!(token instanceof CausalToken)) throw new TypeError(`QuorumNode.${kind}: token must be a CausalToken`);
    if (options.context !== undefined && !(options.context instanceof VectorClock)) throw new TypeError(`QuorumNode.${kind}: context must be a VectorClock`);
    const extended = this.preferenceListOf(key);
    if (extended.length < request.n) throw new RangeError(`QuorumNode.${kind}: preferenceList(${JSON.stringify(key)}) gave ${extended.length} nodes, fewer than n = ${request.n}`);
    const id = `${this.id}.${this.incarnation}.${++this.nextRequest}`;
    this.coordinator.start({
      id,
      kind,
      key,
      request,
      token,
      deadline: this.config.clock.now() + request.timeoutMs,
      extended,
      home: extended.slice(0, request.n),
      value,
      context: token.for(key).merge(options.context ?? VectorClock.empty),
      phase: 'read',
      targets: [],
      hintFor: new Map(),
      sentAt: new Map(),
      replaced: new Set(),
      replies: new Map(),
      merged: [],
      acks: new Set(),
      payload: [],
      result: undefined,
      done: false,
    });
    this.drainLocal();
    return id;
  }

  private send(message: StoreMessage<V>): void {
    // Messages to this node are handled here, not sent: the coordinator is its own replica.
    if (message.to === this.id) this.local.push(message);
    else this.outbox.push(message);
  }

  private drainLocal(): void {
    for (let message = this.local.shift(); message !== undefined; message = this.local.shift()) this.handle(message);
  }

  private handle(message: StoreMessage<V>): void {
    switch (message.type) {
      case 'read':
        this.send({ type: 'read-reply', from: this.id, to: message.from, requestId: message.requestId, key: message.key, versions: this.replica.readView(message.key) });
        return;
      case 'write':
        if (message.hintFor !== undefined && message.hintFor !== this.id) {
          this.replica.applyHint(message.hintFor, message.key, message.versions);
          this.counters.hintsStored++;
        } else {
          this.replica.apply(message.key, message.versions);
        }
        if (message.requestId !== undefined) this.send({ type: 'write-ack', from: this.id, to: message.from, requestId: message.requestId, key: message.key });
        return;
      case 'read-reply':
        return this.coordinator.onReadReply(message, message.requestId.slice(-1));
      case 'write-ack':
        return this.coordinator.onWriteAck(message, message.requestId.slice(-1));
      case 'handoff':
        this.replica.apply(message.key, message.versions);
        this.send({ type: 'handoff-ack', from: this.id, to: message.from, key: message.key, dots: message.versions.map((v) => [v.version.dot.replica, v.version.dot.counter]) });
        return;
      case 'handoff-ack':
        this.counters.hintsHandedOff += this.replica.dropHandedOff(message.from, message.key, message.dots.map(([replica, counter]) => ({ replica, counter })));
        return;
      case 'tree-request':
        return this.antiEntropy.onTreeRequest(message);
      case 'tree-reply':
        return this.antiEntropy.onTreeReply(message);
      case 'keys-request':
        return this.antiEntropy.onKeysRequest(message);
      case 'keys-reply':
        return this.antiEntropy.onKeysReply(message);
      default:
        throw new TypeError(`QuorumNode.step: unknown message type ${JSON.stringify((message as { type?: unknown }).type)}`);
    }
  }

  private sharedKeys(peer: NodeId): string[] {
    return [...this.replica.keys()].filter((key) => this.shares(key, peer));
  }

  private shares(key: string, peer: NodeId): boolean {
    const home = this.preferenceListOf(key).slice(0, this.config.replicas);
    return home.includes(this.id) && home.includes(peer);
  }
}
