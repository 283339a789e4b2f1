import { ManualClock } from '../../testing/manual-clock.js';
import { seededRandom } from '../../testing/seeded-random.js';
import type { Random } from '../../time/random.js';
import { hash53 } from './merkle-tree.js';
import type { PreferenceList, QuorumNodeConfig } from './node-config.js';
import { QuorumNode } from './quorum-node.js';
import { MemoryReplicaStorage } from './replica-storage.js';
import type { StoreMessage } from './store-messages.js';
import type { StoreCompletion } from './store-results.js';
import type { NodeId } from './stored-version.js';
import { versionsDigest } from './stored-version.js';

/** Options of a {@link SimCluster}. */
export interface SimClusterOptions<V> {
  readonly ids: readonly NodeId[];
  /** Seeds every choice of the network. Default 1. */
  readonly seed?: number;
  /** Node options (the cluster supplies id, nodes, clock, storage and, unless given, the preference list). */
  readonly config?: Partial<Omit<QuorumNodeConfig<V>, 'id' | 'nodes' | 'clock' | 'storage'>>;
  /** A message's delay is drawn in [1, maxDelayMs] milliseconds. Default 5. */
  readonly maxDelayMs?: number;
  /** Chance that a message is lost. Default 0. */
  readonly dropRate?: number;
  /** Chance that a message is delivered twice. Default 0. */
  readonly duplicateRate?: number;
  /** How often every live node ticks, in milliseconds. Default 10. */
  readonly tickMs?: number;
  /** Each node's clock is off the virtual time by a constant drawn in [-maxClockSkewMs, maxClockSkewMs]. Default 0. */
  readonly maxClockSkewMs?: number;
}

interface InFlight<V> {
  readonly message: StoreMessage<V>;
  readonly deliverAt: number;
  readonly seq: number;
}

/**
 * Rendezvous hashing (Thaler, Ravishankar 1998) over `nodes`: each key ranks every node by a
 * hash of the pair. A deterministic preference list for tests; the store takes any.
 */
export function rendezvousPreferenceList(nodes: readonly NodeId[]): PreferenceList {
  const cache = new Map<string, readonly NodeId[]>();
  return (key, n) => {
    let ranked = cache.get(key);
    if (ranked === undefined) {
      ranked = [...nodes]
        .map((node) => [node, hash53(`${key}\u0000${node}`)] as const)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .map(([node]) => node);
      cache.set(key, ranked);
    }
    return ranked.slice(0, n);
  };
}

/**
 * A deterministic, single-threaded cluster of quorum nodes for tests and simulations (not
 * exported; it will move onto the shared simulator's network once that lands): virtual time on
 * one `ManualClock` (each node's clock optionally skewed), seeded message delays (so reordering), loss and duplication, partitions
 * checked at delivery, and crash-restart that keeps a node's storage and loses everything else.
 */
export class SimCluster<V> {
  readonly clock = new ManualClock(1_000_000);
  readonly random: Random;
  readonly nodes = new Map<NodeId, QuorumNode<V>>();
  readonly storages = new Map<NodeId, MemoryReplicaStorage<V>>();
  readonly completions = new Map<string, StoreCompletion<V>>();
  readonly preferenceList: PreferenceList;
  readonly ids: readonly NodeId[];
  private readonly crashed = new Set<NodeId>();
  private readonly skews = new Map<NodeId, number>();
  private groups: ReadonlyMap<NodeId, number> | undefined;
  private inFlight: InFlight<V>[] = [];
  private seq = 0;
  private nextTickAt: number;
  private readonly options: SimClusterOptions<V>;
  delivered = 0;
  dropped = 0;
  /** Chance that a message is lost (changeable during a run). */
  dropRate: number;
  /** Chance that a message is delivered twice (changeable during a run). */
  duplicateRate: number;

  constructor(options: SimClusterOptions<V>) {
    this.options = options;
    this.ids = options.ids;
    this.dropRate = options.dropRate ?? 0;
    this.duplicateRate = options.duplicateRate ?? 0;
    this.random = seededRandom(options.seed ?? 1);
    this.preferenceList = options.config?.preferenceList ?? rendezvousPreferenceList(options.ids);
    for (const id of options.ids) {
      this.skews.set(id, Math.round((this.random() * 2 - 1) * (options.maxClockSkewMs ?? 0)));
      this.storages.set(id, new MemoryReplicaStorage<V>());
      this.start(id);
    }
    this.nextTickAt = this.clock.now() + (options.tickMs ?? 10);
  }

  /** The live node `id`. @throws Error if it is crashed */
  node(id: NodeId): QuorumNode<V> {
    const node = this.nodes.get(id);
    if (node === undefined || this.crashed.has(id)) throw new Error(`SimCluster: node ${id} is down`);
    return node;
  }

  /** How far node `id`'s clock is off the virtual time, in milliseconds. */
  skewOf(id: NodeId): number {
    return this.skews.get(id) ?? 0;
  }

  isUp(id: NodeId): boolean {
    return !this.crashed.has(id);
  }

  /** Runs `fn` on live node `id`, then collects what it produced. */
  at<T>(id: NodeId, fn: (node: QuorumNode<V>) => T): T {
    const result = fn(this.node(id));
    this.collect(id);
    return result;
  }

  /** Splits the network: nodes talk only within their group (nodes in no group are cut off from all). */
  partition(groups: readonly (readonly NodeId[])[]): void {
    const map = new Map<NodeId, number>();
    groups.forEach((group, i) => group.forEach((id) => map.set(id, i)));
    this.groups = map;
  }

  heal(): void {
    this.groups = undefined;
  }

  canTalk(a: NodeId, b: NodeId): boolean {
    if (this.groups === undefined || a === b) return true;
    const ga = this.groups.get(a);
    return ga !== undefined && ga === this.groups.get(b);
  }

  /** Stops a node: it loses pending requests and unsent messages, keeps its storage. */
  crash(id: NodeId): void {
    this.crashed.add(id);
  }

  /** Starts a crashed node again from its storage. */
  restart(id: NodeId): void {
    if (!this.crashed.delete(id)) return;
    this.start(id);
  }

  get inFlightCount(): number {
    return this.inFlight.length;
  }

  /** Moves virtual time on by `ms`, delivering messages and ticking nodes on the way. */
  run(ms: number): void {
    const until = this.clock.now() + ms;
    for (;;) {
      const nextMessage = this.inFlight.length > 0 ? this.inFlight[0].deliverAt : Infinity;
      const next = Math.min(nextMessage, this.nextTickAt);
      if (next > until) break;
      this.clock.advance(next - this.clock.now());
      if (nextMessage <= this.nextTickAt) this.deliver(this.inFlight.shift() as InFlight<V>);
      else this.tickAll();
    }
    this.clock.advance(until - this.clock.now());
  }

  /** Runs until no message is in flight (at most `limitMs` of virtual time). */
  runUntilQuiet(limitMs = 60_000): void {
    const until = this.clock.now() + limitMs;
    while (this.inFlight.length > 0 && this.clock.now() < until) this.run(Math.min(10, until - this.clock.now()));
  }

  /** Runs until request `id` has completed (at most `limitMs`); returns its completion, if any. */
  runUntilDone(id: string, limitMs = 60_000): StoreCompletion<V> | undefined {
    const until = this.clock.now() + limitMs;
    while (!this.completions.has(id) && this.clock.now() < until) this.run(1);
    return this.completions.get(id);
  }

  /** True when, for every key any node stores, the live home replicas hold the same versions. */
  converged(keys: Iterable<string>, replicas: number): boolean {
    for (const key of keys) {
      const home = this.preferenceList(key, replicas);
      const digests = new Set(home.map((id) => versionsDigest(this.nodes.get(id)?.localVersions(key) ?? [])));
      if (digests.size > 1) return false;
    }
    return true;
  }

  /** Every key any node stores. */
  allKeys(): Set<string> {
    const keys = new Set<string>();
    for (const node of this.nodes.values()) for (const key of node.localKeys()) keys.add(key);
    return keys;
  }

  private start(id: NodeId): void {
    const skew = this.skews.get(id) ?? 0;
    const node = new QuorumNode<V>({
      antiEntropyIntervalMs: Infinity,
      ...this.options.config,
      preferenceList: this.preferenceList,
      id,
      nodes: this.ids,
      clock: skew === 0 ? this.clock : { now: () => this.clock.now() + skew },
      storage: this.storages.get(id),
    });
    this.nodes.set(id, node);
  }

  private tickAll(): void {
    this.nextTickAt = this.clock.now() + (this.options.tickMs ?? 10);
    for (const id of this.ids) {
      if (this.crashed.has(id)) continue;
      this.nodes.get(id)?.tick();
      this.collect(id);
    }
  }

  private deliver(item: InFlight<V>): void {
    const { message } = item;
    if (this.crashed.has(message.to) || !this.canTalk(message.from, message.to)) {
      this.dropped++;
      return;
    }
    this.delivered++;
    this.nodes.get(message.to)?.step(message);
    this.collect(message.to);
  }

  /** Takes a node's ready output: completions kept, messages put in flight. */
  collect(id: NodeId): void {
    const node = this.nodes.get(id);
    if (node === undefined || this.crashed.has(id)) return;
    const { messages, completions } = node.ready();
    for (const completion of completions) this.completions.set(completion.requestId, completion);
    for (const message of messages) {
      if (this.random() < this.dropRate) {
        this.dropped++;
        continue;
      }
      this.enqueue(message);
      if (this.random() < this.duplicateRate) this.enqueue(message);
    }
  }

  private enqueue(message: StoreMessage<V>): void {
    const delay = 1 + Math.floor(this.random() * (this.options.maxDelayMs ?? 5));
    const item = { message, deliverAt: this.clock.now() + delay, seq: this.seq++ };
    // Keep the queue sorted by (deliverAt, seq).
    let i = this.inFlight.length;
    while (i > 0 && this.inFlight[i - 1].deliverAt > item.deliverAt) i--;
    this.inFlight.splice(i, 0, item);
  }
}
