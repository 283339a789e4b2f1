import { show } from '../../policies/validate.js';
import { EventQueue, type QueuedEvent } from './event-queue.js';
import type { FaultKind, FaultRecord } from './fault-record.js';

/** A scheduled callback; {@link SimTimer.cancel} stops it (doing nothing once it has run). */
export interface SimTimer {
  readonly atMs: number;
  cancel(): void;
}

/** Options of a {@link SimScheduler}. */
export interface SimSchedulerOptions {
  /** Called when a node crashes (after its timers and held events are dropped). */
  readonly onCrash?: ((node: string) => void) | undefined;
  /** Called when a crashed node restarts: start it again from its durable state here. */
  readonly onRestart?: ((node: string) => void) | undefined;
}

interface NodeState {
  up: boolean;
  paused: boolean;
  /** Incarnation: bumped by each crash, so timers of the old one never fire. */
  epoch: number;
  held: QueuedEvent[];
}

/**
 * Virtual time and the nodes that live in it, the base of {@link SimNetwork}: an event queue
 * ordered by `(time, sequence)`, timers that belong to nodes (held while a node is paused,
 * dropped when it crashes), node pauses, crashes and restarts (with hooks), the fault trace and
 * the run's digest. Protocol-independent, and deterministic: nothing reads a clock.
 *
 * @example
 * const time = new SimScheduler({ onRestart: (node) => console.log(`${node} is back`) });
 * time.addNode('a');
 * time.schedule(10, () => console.log('tick'), { node: 'a' });
 * time.pause('a');
 * time.schedule(50, () => time.resume('a')); // the tick runs at 50
 * time.runUntil(100);
 */
export class SimScheduler {
  protected readonly queue = new EventQueue();
  protected readonly state = new Map<string, NodeState>();
  private readonly onCrash: ((node: string) => void) | undefined;
  private readonly onRestart: ((node: string) => void) | undefined;
  private readonly faults: FaultRecord[] = [];
  protected readonly faultCount = new Map<string, number>();
  protected clock = 0;
  private eventsRun = 0;
  private hash = 0x811c9dc5;

  /** @throws {TypeError} when a hook is not a function */
  constructor(options: SimSchedulerOptions = {}, protected readonly where = 'SimScheduler') {
    if (options.onCrash !== undefined && typeof options.onCrash !== 'function') {
      throw new TypeError(`${where}: options.onCrash must be a function, got ${show(options.onCrash)}`);
    }
    if (options.onRestart !== undefined && typeof options.onRestart !== 'function') {
      throw new TypeError(`${where}: options.onRestart must be a function, got ${show(options.onRestart)}`);
    }
    this.onCrash = options.onCrash;
    this.onRestart = options.onRestart;
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

  /**
   * Adds a node (up, with no cut links).
   *
   * @throws {TypeError} when `id` is not a non-empty string
   * @throws {RangeError} when a node with that id exists
   */
  addNode(id: string): void {
    if (typeof id !== 'string' || id === '') throw new TypeError(`${this.where}: a node id must be a non-empty string, got ${show(id)}`);
    if (this.state.has(id)) throw new RangeError(`${this.where}: node ${show(id)} exists already`);
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

  // --- Time --------------------------------------------------------------------------------------

  /**
   * Runs `callback` after `delayMs` of virtual time. With `node`, the timer belongs to it: it waits
   * while the node is paused and is dropped if the node crashes first.
   *
   * @throws {RangeError} when `delayMs` is negative or not finite, or `node` is unknown
   */
  schedule(delayMs: number, callback: () => void, options: { readonly node?: string } = {}): SimTimer {
    if (typeof delayMs !== 'number' || !(delayMs >= 0) || delayMs === Infinity) {
      throw new RangeError(`${this.where}: schedule() needs a finite delayMs ≥ 0, got ${show(delayMs)}`);
    }
    if (typeof callback !== 'function') throw new TypeError(`${this.where}: schedule() needs a callback function`);
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
    if (typeof kind !== 'string' || kind === '') throw new TypeError(`${this.where}: recordFault() needs a kind, got ${show(kind)}`);
    this.record(kind, nodes, detail);
  }

  protected record(kind: FaultKind, nodes: readonly string[], detail: string): void {
    this.faults.push({ atMs: this.clock, kind, nodes: [...nodes], detail });
    this.faultCount.set(kind, (this.faultCount.get(kind) ?? 0) + 1);
    for (let i = 0; i < kind.length; i++) this.mix(kind.charCodeAt(i));
  }

  protected node(id: string): NodeState {
    const state = this.state.get(id);
    if (state === undefined) throw new RangeError(`${this.where}: unknown node ${show(id)}`);
    return state;
  }

  /** FNV-1a over the 32-bit pieces of `value`. */
  protected mix(value: number): void {
    let h = this.hash;
    let v = value >>> 0;
    for (let i = 0; i < 4; i++) {
      h = Math.imul(h ^ (v & 0xff), 0x01000193);
      v >>>= 8;
    }
    this.hash = h;
  }
}
