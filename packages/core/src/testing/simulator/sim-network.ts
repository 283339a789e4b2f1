import { show } from '../../policies/validate.js';
import { DEFAULT_LINK, type LinkOptions, describeLink, resolveLink } from './link-options.js';
import { SimRandom } from './sim-random.js';
import { SimScheduler } from './sim-scheduler.js';

export type { FaultKind, FaultRecord } from './fault-record.js';
export { formatFault } from './fault-record.js';
export type { LinkOptions } from './link-options.js';
export type { SimTimer } from './sim-scheduler.js';

/** A message in transit, as handed to the `deliver` callback. */
export interface Envelope<M> {
  /** Unique per send (a duplicate keeps its original's id). */
  readonly id: number;
  readonly from: string;
  readonly to: string;
  readonly message: M;
  /** Virtual time of the send. */
  readonly sentAtMs: number;
}

/** Counts of messages, by fate. */
export interface NetworkStats {
  readonly sent: number;
  readonly delivered: number;
  readonly duplicated: number;
  readonly reordered: number;
  /** Lost by chance (`dropRate`), to a cut link, or to a crashed node. */
  readonly dropped: { readonly random: number; readonly partition: number; readonly down: number };
}

/** Options of a {@link SimNetwork}. */
export interface SimNetworkOptions<M> {
  /** The nodes, by distinct non-empty id; more can join with {@link SimNetwork.addNode}. Required. */
  readonly nodes: readonly string[];
  /** Receives every delivered message; what it throws propagates out of `step()`. Required. */
  readonly deliver: (envelope: Envelope<M>) => void;
  /** The random source for every network choice. Default `new SimRandom(seed ?? 1)`. */
  readonly random?: SimRandom;
  /** The seed when no `random` is given. Default 1. */
  readonly seed?: number;
  /** Defaults for every link (see {@link LinkOptions}). */
  readonly link?: Partial<LinkOptions>;
  /** Called when a node crashes (after its timers and held events are dropped). */
  readonly onCrash?: (node: string) => void;
  /** Called when a crashed node restarts: start it again from its durable state here. */
  readonly onRestart?: (node: string) => void;
}

const WHERE = 'SimNetwork';

/**
 * A deterministic network for simulations, independent of any protocol: one thread, virtual
 * time in ms, an event queue ordered by `(time, sequence)`, and every random choice from one
 * seeded source, so a seed replays a run exactly. Messages on each directed link get a delay
 * from a range and may be dropped, duplicated or reordered; links can be cut (partitions, one
 * way, a bridge node); nodes can be paused (their timers and deliveries wait) or crashed
 * (timers dropped, messages to them lost) and restarted through hooks. Every fault is written
 * to {@link SimNetwork.trace}.
 *
 * Nodes own timers ({@link SimNetwork.schedule} with `node`): a paused node's timers fire when it
 * resumes, a crashed node's never. Messages are checked at delivery time too, so a message in
 * flight when a partition forms is lost.
 *
 * @example
 * type Ping = { n: number };
 * const seen: string[] = [];
 * const net = new SimNetwork<Ping>({
 *   nodes: ['a', 'b', 'c'],
 *   seed: 42,
 *   link: { minDelayMs: 1, maxDelayMs: 10, dropRate: 0.1 },
 *   deliver: ({ from, to, message }) => seen.push(`${from}>${to}:${message.n}`),
 * });
 * net.partition(['a'], ['b', 'c']); // a is cut off from b and c, both ways
 * net.send('a', 'b', { n: 1 }); // lost: the link is cut
 * net.schedule(50, () => net.heal());
 * net.schedule(60, () => net.send('a', 'b', { n: 2 }), { node: 'a' });
 * net.runUntil(100); // seen: ['a>b:2'], unless the 10 % drop took it
 * net.trace; // [{ atMs: 0, kind: 'partition', … }, { atMs: 50, kind: 'heal', … }]
 *
 * @throws {TypeError | RangeError} from the constructor, for bad options (the message names them)
 */
export class SimNetwork<M> extends SimScheduler {
  /** The random source of every network choice (use forks of it for other concerns). */
  readonly random: SimRandom;
  private readonly deliverFn: (envelope: Envelope<M>) => void;
  private defaultLink: LinkOptions;
  private readonly linkOverrides = new Map<string, LinkOptions>();
  private readonly cut = new Set<string>();
  /** Per link, the latest arrival time of a FIFO message (a later one may not arrive before it). */
  private readonly lastArrival = new Map<string, number>();
  private nextId = 0;
  private counts = { sent: 0, delivered: 0, duplicated: 0, reordered: 0, random: 0, partition: 0, down: 0 };

  constructor(options: SimNetworkOptions<M>) {
    if (typeof options !== 'object' || options === null) throw new TypeError(`${WHERE}: options must be an object`);
    super(options, WHERE);
    if (!Array.isArray(options.nodes)) throw new TypeError(`${WHERE}: options.nodes must be an array of node ids`);
    if (typeof options.deliver !== 'function') throw new TypeError(`${WHERE}: options.deliver must be a function, got ${show(options.deliver)}`);
    if (options.random !== undefined && !(options.random instanceof SimRandom)) {
      throw new TypeError(`${WHERE}: options.random must be a SimRandom, got ${show(options.random)}`);
    }
    this.random = options.random ?? new SimRandom(options.seed ?? 1);
    this.deliverFn = options.deliver;
    this.defaultLink = resolveLink(WHERE, DEFAULT_LINK, options.link, 'options.link');
    for (const node of options.nodes) this.addNode(node);
  }

  /** Message counts so far. */
  get stats(): NetworkStats {
    const c = this.counts;
    return {
      sent: c.sent,
      delivered: c.delivered,
      duplicated: c.duplicated,
      reordered: c.reordered,
      dropped: { random: c.random, partition: c.partition, down: c.down },
    };
  }

  /**
   * Counts of faults by kind: the trace's kinds, plus `drop` (random losses), `duplicate` and
   * `reorder` for message-level faults.
   */
  faultCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [kind, n] of this.faultCount) out[kind] = n;
    if (this.counts.random > 0) out['drop'] = this.counts.random;
    if (this.counts.duplicated > 0) out['duplicate'] = this.counts.duplicated;
    if (this.counts.reordered > 0) out['reorder'] = this.counts.reordered;
    return out;
  }

  /** Whether a message from `from` to `to` would pass the cuts now (drops aside). */
  canReach(from: string, to: string): boolean {
    this.node(from);
    this.node(to);
    return !this.cut.has(linkKey(from, to));
  }

  // --- Messages ----------------------------------------------------------------------------------

  /**
   * Sends `message` from `from` to `to`: dropped at once if `from` is down, the link is cut or the
   * drop chance says so; otherwise delivered after the link's delay (twice if duplicated), unless
   * by then `to` is down or the link cut.
   *
   * @throws {RangeError} for an unknown node
   */
  send(from: string, to: string, message: M): void {
    const sender = this.node(from);
    this.node(to);
    this.counts.sent++;
    const id = this.nextId++;
    if (!sender.up) {
      this.counts.down++;
      return;
    }
    const key = linkKey(from, to);
    if (this.cut.has(key)) {
      this.counts.partition++;
      return;
    }
    const link = this.linkOverrides.get(key) ?? this.defaultLink;
    if (this.random.chance(link.dropRate)) {
      this.counts.random++;
      return;
    }
    const envelope: Envelope<M> = { id, from, to, message, sentAtMs: this.clock };
    this.enqueue(key, link, envelope);
    if (this.random.chance(link.duplicateRate)) {
      this.counts.duplicated++;
      this.enqueue(key, link, envelope);
    }
  }

  private enqueue(key: string, link: LinkOptions, envelope: Envelope<M>): void {
    let at = this.clock + this.random.int(link.minDelayMs, link.maxDelayMs);
    if (this.random.chance(link.reorderRate)) {
      this.counts.reordered++;
    } else {
      at = Math.max(at, this.lastArrival.get(key) ?? 0);
      this.lastArrival.set(key, at);
    }
    this.queue.push(at, () => this.arrive(key, envelope), envelope.to, undefined);
  }

  private arrive(key: string, envelope: Envelope<M>): void {
    if (!this.node(envelope.to).up) {
      this.counts.down++;
      return;
    }
    if (this.cut.has(key)) {
      this.counts.partition++;
      return;
    }
    this.counts.delivered++;
    this.mix(envelope.id);
    this.deliverFn(envelope);
  }

  // --- Links -------------------------------------------------------------------------------------

  /**
   * Cuts every link between nodes of different groups, both ways (adding to the cuts already
   * made; {@link SimNetwork.heal} first to replace them). Nodes in no group keep their links.
   *
   * @throws {RangeError} for an unknown node, or a node in two groups
   */
  partition(...groups: readonly (readonly string[])[]): void {
    const seen = new Set<string>();
    for (const group of groups) {
      for (const id of group) {
        this.node(id);
        if (seen.has(id)) throw new RangeError(`${WHERE}: partition() has ${show(id)} in two groups`);
        seen.add(id);
      }
    }
    for (const g of groups) for (const h of groups) if (g !== h) for (const a of g) for (const b of h) this.cut.add(linkKey(a, b));
    this.record('partition', [...seen], groups.map((g) => g.join(' ')).join(' | '));
  }

  /** Cuts `node` off from every other node, both ways. */
  isolate(node: string): void {
    this.node(node);
    for (const other of this.state.keys()) {
      if (other === node) continue;
      this.cut.add(linkKey(node, other));
      this.cut.add(linkKey(other, node));
    }
    this.record('isolate', [node], node);
  }

  /** Cuts the link `from → to` only: `to` can still reach `from`. */
  cutOneWay(from: string, to: string): void {
    this.node(from);
    this.node(to);
    this.cut.add(linkKey(from, to));
    this.record('one-way', [from, to], `${from} -/> ${to}`);
  }

  /**
   * A bridge (Jepsen's nemesis): `left` and `right` cannot reach each other, but `via` reaches
   * and is reached by both, so each side sees a majority through it.
   *
   * @throws {RangeError} for an unknown node, or `via` in `left` or `right`
   */
  bridge(left: readonly string[], via: string, right: readonly string[]): void {
    this.node(via);
    if (left.includes(via) || right.includes(via)) throw new RangeError(`${WHERE}: bridge() node ${show(via)} is in a group`);
    for (const a of left) {
      this.node(a);
      for (const b of right) {
        this.node(b);
        this.cut.add(linkKey(a, b));
        this.cut.add(linkKey(b, a));
      }
    }
    this.record('bridge', [...left, via, ...right], `${left.join(' ')} <${via}> ${right.join(' ')}`);
  }

  /**
   * Changes how `from → to` treats messages from now on (delay, drops, duplicates, reordering);
   * unset fields keep the default link's. Undone by {@link SimNetwork.heal}.
   *
   * @throws {TypeError | RangeError} for bad options or an unknown node
   */
  configureLink(from: string, to: string, options: Partial<LinkOptions>): void {
    this.node(from);
    this.node(to);
    const link = resolveLink(WHERE, this.defaultLink, options, 'configureLink() options');
    this.linkOverrides.set(linkKey(from, to), link);
    this.record('link', [from, to], `${from} > ${to} ${describeLink(link)}`);
  }

  /**
   * Changes the default link for every link without an override (not a fault: not traced).
   *
   * @throws {TypeError | RangeError} for bad options
   */
  setDefaultLink(options: Partial<LinkOptions>): void {
    this.defaultLink = resolveLink(WHERE, this.defaultLink, options, 'setDefaultLink() options');
  }

  /** Restores every cut link and removes every {@link SimNetwork.configureLink} override. */
  heal(): void {
    if (this.cut.size === 0 && this.linkOverrides.size === 0) return;
    this.cut.clear();
    this.linkOverrides.clear();
    this.record('heal', [], '');
  }

}

function linkKey(from: string, to: string): string {
  return `${from}\u0000${to}`;
}
