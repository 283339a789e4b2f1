import { show } from '../../policies/validate.js';
import { EventQueue, type QueuedEvent } from './event-queue.js';
import { SimRandom } from './sim-random.js';

/**
 * How one directed link treats a message. Each message's delay is drawn in
 * `[minDelayMs, maxDelayMs]`; messages keep their order on the link (FIFO) unless chosen to be
 * reordered.
 */
export interface LinkOptions {
  /** Shortest delay, in virtual ms. Default 1. */
  readonly minDelayMs: number;
  /** Longest delay, in virtual ms (≥ `minDelayMs`). Default 5. */
  readonly maxDelayMs: number;
  /** Chance a message is lost, in `[0, 1]`. Default 0. */
  readonly dropRate: number;
  /** Chance a message is delivered twice (each copy with its own delay), in `[0, 1]`. Default 0. */
  readonly duplicateRate: number;
  /** Chance a message ignores FIFO order on its link (it may overtake or be overtaken). Default 0. */
  readonly reorderRate: number;
}

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

/**
 * What a fault record says happened. The network records its own kinds; protocol faults
 * recorded through {@link SimNetwork.recordFault} may use any name (`'transfer-leader'`).
 */
export type FaultKind =
  | 'partition'
  | 'isolate'
  | 'one-way'
  | 'bridge'
  | 'heal'
  | 'link'
  | 'pause'
  | 'resume'
  | 'crash'
  | 'restart'
  | (string & {});

/** One entry of the fault trace: when, what, to whom. */
export interface FaultRecord {
  readonly atMs: number;
  readonly kind: FaultKind;
  readonly nodes: readonly string[];
  readonly detail: string;
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

/** A scheduled callback; {@link SimTimer.cancel} stops it (doing nothing once it has run). */
export interface SimTimer {
  readonly atMs: number;
  cancel(): void;
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

const DEFAULT_LINK: LinkOptions = { minDelayMs: 1, maxDelayMs: 5, dropRate: 0, duplicateRate: 0, reorderRate: 0 };
const WHERE = 'SimNetwork';

interface NodeState {
  up: boolean;
  paused: boolean;
  /** Incarnation: bumped by each crash, so timers of the old one never fire. */
  epoch: number;
  held: QueuedEvent[];
}

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
export class SimNetwork<M> {
  /** The random source of every network choice (use forks of it for other concerns). */
  readonly random: SimRandom;
  private readonly queue = new EventQueue();
  private readonly state = new Map<string, NodeState>();
  private readonly deliverFn: (envelope: Envelope<M>) => void;
  private readonly onCrash: ((node: string) => void) | undefined;
  private readonly onRestart: ((node: string) => void) | undefined;
  private defaultLink: LinkOptions;
  private readonly linkOverrides = new Map<string, LinkOptions>();
  private readonly cut = new Set<string>();
  /** Per link, the latest arrival time of a FIFO message (a later one may not arrive before it). */
  private readonly lastArrival = new Map<string, number>();
  private readonly faults: FaultRecord[] = [];
  private readonly faultCount = new Map<string, number>();
  private clock = 0;
  private nextId = 0;
  private eventsRun = 0;
  private hash = 0x811c9dc5;
  private counts = { sent: 0, delivered: 0, duplicated: 0, reordered: 0, random: 0, partition: 0, down: 0 };

  constructor(options: SimNetworkOptions<M>) {
    if (typeof options !== 'object' || options === null) throw new TypeError(`${WHERE}: options must be an object`);
    if (!Array.isArray(options.nodes)) throw new TypeError(`${WHERE}: options.nodes must be an array of node ids`);
    if (typeof options.deliver !== 'function') throw new TypeError(`${WHERE}: options.deliver must be a function, got ${show(options.deliver)}`);
    if (options.onCrash !== undefined && typeof options.onCrash !== 'function') {
      throw new TypeError(`${WHERE}: options.onCrash must be a function, got ${show(options.onCrash)}`);
    }
    if (options.onRestart !== undefined && typeof options.onRestart !== 'function') {
      throw new TypeError(`${WHERE}: options.onRestart must be a function, got ${show(options.onRestart)}`);
    }
    if (options.random !== undefined && !(options.random instanceof SimRandom)) {
      throw new TypeError(`${WHERE}: options.random must be a SimRandom, got ${show(options.random)}`);
    }
    this.random = options.random ?? new SimRandom(options.seed ?? 1);
    this.deliverFn = options.deliver;
    this.onCrash = options.onCrash;
    this.onRestart = options.onRestart;
    this.defaultLink = resolveLink(DEFAULT_LINK, options.link, 'options.link');
    for (const node of options.nodes) this.addNode(node);
  }

  /** Virtual time, in ms; only moves as events run. */
  get now(): number {
    return this.clock;
  }

  /** Every node id, in the order they joined. */
  get nodes(): readonly string[] {
    return [...this.state.keys()];
  }

  /** The faults injected so far, in order. */
  get trace(): readonly FaultRecord[] {
    return this.faults;
  }

  /** Events run so far (timers and deliveries). */
  get eventCount(): number {
    return this.eventsRun;
  }

  /** Events waiting in the queue: cancelled ones not yet discarded count, those a paused node holds do not. */
  get pendingEvents(): number {
    return this.queue.size;
  }

  /**
   * A 32-bit fingerprint of everything that ran (each event's time and order, each delivery's
   * message id): two runs with the same digest took the same course.
   */
  get digest(): number {
    return this.hash >>> 0;
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

  /**
   * Adds a node (up, with no cut links).
   *
   * @throws {TypeError} when `id` is not a non-empty string
   * @throws {RangeError} when a node with that id exists
   */
  addNode(id: string): void {
    if (typeof id !== 'string' || id === '') throw new TypeError(`${WHERE}: a node id must be a non-empty string, got ${show(id)}`);
    if (this.state.has(id)) throw new RangeError(`${WHERE}: node ${show(id)} exists already`);
    this.state.set(id, { up: true, paused: false, epoch: 0, held: [] });
  }

  /** Whether `node` is up (not crashed); a paused node is up. */
  isUp(node: string): boolean {
    return this.node(node).up;
  }

  /** Whether `node` is paused. */
  isPaused(node: string): boolean {
    return this.node(node).paused;
  }

  /** Whether a message from `from` to `to` would pass the cuts now (drops aside). */
  canReach(from: string, to: string): boolean {
    this.node(from);
    this.node(to);
    return !this.cut.has(linkKey(from, to));
  }

  // --- Time --------------------------------------------------------------------------------------

  /**
   * Runs `callback` after `delayMs` of virtual time. With `node`, the timer belongs to it: it waits
   * while the node is paused and is dropped if the node crashes first.
   *
   * @throws {RangeError} when `delayMs` is negative or not finite, or `node` is unknown
   */
  schedule(delayMs: number, callback: () => void, options: { readonly node?: string } = {}): SimTimer {
    if (typeof delayMs !== 'number' || !(delayMs >= 0) || delayMs === Infinity) {
      throw new RangeError(`${WHERE}: schedule() needs a finite delayMs ≥ 0, got ${show(delayMs)}`);
    }
    if (typeof callback !== 'function') throw new TypeError(`${WHERE}: schedule() needs a callback function`);
    const owner = options.node;
    const epoch = owner === undefined ? undefined : this.node(owner).epoch;
    const event = this.queue.push(this.clock + delayMs, callback, owner, epoch);
    return {
      atMs: event.at,
      cancel: () => {
        event.handle.cancelled = true;
      },
    };
  }

  /** Runs the next event; returns `false` when none is left. */
  step(): boolean {
    for (;;) {
      const event = this.queue.pop();
      if (event === undefined) return false;
      if (this.runEvent(event)) return true;
    }
  }

  /**
   * Runs every event due up to `timeMs`, then sets the clock there. With `stopWhen`, stops early
   * (clock at the last event run) as soon as it returns true after an event.
   *
   * @returns whether `stopWhen` stopped the run
   */
  runUntil(timeMs: number, stopWhen?: () => boolean): boolean {
    for (;;) {
      const next = this.queue.peek();
      if (next === undefined || next.at > timeMs) break;
      this.queue.pop();
      if (this.runEvent(next) && stopWhen?.() === true) return true;
    }
    if (timeMs > this.clock) this.clock = timeMs;
    return false;
  }

  /** {@link SimNetwork.runUntil} `now + durationMs`. */
  runFor(durationMs: number, stopWhen?: () => boolean): boolean {
    return this.runUntil(this.clock + durationMs, stopWhen);
  }

  /** Returns whether the event ran (rather than being cancelled, stale or held). */
  private runEvent(event: QueuedEvent): boolean {
    if (event.handle.cancelled) return false;
    const owner = event.owner === undefined ? undefined : this.state.get(event.owner);
    if (owner !== undefined && event.epoch !== undefined && event.epoch !== owner.epoch) return false;
    if (event.at > this.clock) this.clock = event.at;
    if (owner?.paused === true) {
      owner.held.push(event);
      return false;
    }
    this.eventsRun++;
    this.mix(event.at);
    this.mix(event.seq);
    event.run();
    return true;
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
    const link = resolveLink(this.defaultLink, options, 'configureLink() options');
    this.linkOverrides.set(linkKey(from, to), link);
    this.record('link', [from, to], `${from} > ${to} ${describeLink(link)}`);
  }

  /**
   * Changes the default link for every link without an override (not a fault: not traced).
   *
   * @throws {TypeError | RangeError} for bad options
   */
  setDefaultLink(options: Partial<LinkOptions>): void {
    this.defaultLink = resolveLink(this.defaultLink, options, 'setDefaultLink() options');
  }

  /** Restores every cut link and removes every {@link SimNetwork.configureLink} override. */
  heal(): void {
    if (this.cut.size === 0 && this.linkOverrides.size === 0) return;
    this.cut.clear();
    this.linkOverrides.clear();
    this.record('heal', [], '');
  }

  // --- Nodes -------------------------------------------------------------------------------------

  /**
   * Freezes `node` (a GC pause, SIGSTOP): its timers and the messages delivered to it wait until
   * {@link SimNetwork.resume}. Returns `false` (and records nothing) if it is already paused or down.
   */
  pause(node: string): boolean {
    const state = this.node(node);
    if (state.paused || !state.up) return false;
    state.paused = true;
    this.record('pause', [node], node);
    return true;
  }

  /** Unfreezes `node`: what waited runs now, in its original order. Returns `false` if it was not paused. */
  resume(node: string): boolean {
    const state = this.node(node);
    if (!state.paused) return false;
    state.paused = false;
    const held = state.held;
    state.held = [];
    for (const event of held) this.queue.push(this.clock, event.run, event.owner, event.epoch, event.handle);
    this.record('resume', [node], node);
    return true;
  }

  /**
   * Crashes `node`: its timers and waiting events are dropped, messages to it are lost until it
   * restarts, then `onCrash` runs (where the caller drops its volatile state). Returns `false` if
   * it is already down.
   */
  crash(node: string): boolean {
    const state = this.node(node);
    if (!state.up) return false;
    state.up = false;
    state.paused = false;
    state.epoch++;
    state.held = [];
    this.record('crash', [node], node);
    this.onCrash?.(node);
    return true;
  }

  /** Starts a crashed `node` again and runs `onRestart`. Returns `false` if it is up. */
  restart(node: string): boolean {
    const state = this.node(node);
    if (state.up) return false;
    state.up = true;
    this.record('restart', [node], node);
    this.onRestart?.(node);
    return true;
  }

  /** Writes a protocol-level fault to the trace (a leadership transfer, a membership change). */
  recordFault(kind: FaultKind, nodes: readonly string[], detail = ''): void {
    if (typeof kind !== 'string' || kind === '') throw new TypeError(`${WHERE}: recordFault() needs a kind, got ${show(kind)}`);
    this.record(kind, nodes, detail);
  }

  private record(kind: FaultKind, nodes: readonly string[], detail: string): void {
    this.faults.push({ atMs: this.clock, kind, nodes: [...nodes], detail });
    this.faultCount.set(kind, (this.faultCount.get(kind) ?? 0) + 1);
    for (let i = 0; i < kind.length; i++) this.mix(kind.charCodeAt(i));
  }

  private node(id: string): NodeState {
    const state = this.state.get(id);
    if (state === undefined) throw new RangeError(`${WHERE}: unknown node ${show(id)}`);
    return state;
  }

  /** FNV-1a over the 32-bit pieces of `value`. */
  private mix(value: number): void {
    let h = this.hash;
    let v = value >>> 0;
    for (let i = 0; i < 4; i++) {
      h = Math.imul(h ^ (v & 0xff), 0x01000193);
      v >>>= 8;
    }
    this.hash = h;
  }
}

/** Formats a fault record as one line: `  120ms partition a b | c d e`. */
export function formatFault(record: FaultRecord): string {
  const detail = record.detail === '' ? '' : ` ${record.detail}`;
  return `${String(record.atMs).padStart(7)}ms ${record.kind}${detail}`;
}

function linkKey(from: string, to: string): string {
  return `${from}\u0000${to}`;
}

function describeLink(link: LinkOptions): string {
  return `delay ${link.minDelayMs}-${link.maxDelayMs}ms drop ${link.dropRate} dup ${link.duplicateRate} reorder ${link.reorderRate}`;
}

function resolveLink(base: LinkOptions, options: Partial<LinkOptions> | undefined, where: string): LinkOptions {
  if (options === undefined) return base;
  if (typeof options !== 'object' || options === null) throw new TypeError(`${WHERE}: ${where} must be an object, got ${show(options)}`);
  const merged = { ...base, ...options };
  for (const name of ['minDelayMs', 'maxDelayMs'] as const) {
    const value: unknown = merged[name];
    if (typeof value !== 'number') throw new TypeError(`${WHERE}: ${where}.${name} must be a number of ms, got ${show(value)}`);
    if (!(value >= 0) || value === Infinity) throw new RangeError(`${WHERE}: ${where}.${name} must be a finite number ≥ 0, got ${show(value)}`);
  }
  if (merged.maxDelayMs < merged.minDelayMs) {
    throw new RangeError(`${WHERE}: ${where}.maxDelayMs must be ≥ minDelayMs (${merged.minDelayMs}), got ${merged.maxDelayMs}`);
  }
  for (const name of ['dropRate', 'duplicateRate', 'reorderRate'] as const) {
    const value: unknown = merged[name];
    if (typeof value !== 'number') throw new TypeError(`${WHERE}: ${where}.${name} must be a number from 0 to 1, got ${show(value)}`);
    if (!(value >= 0 && value <= 1)) throw new RangeError(`${WHERE}: ${where}.${name} must be a number from 0 to 1, got ${show(value)}`);
  }
  return merged;
}
