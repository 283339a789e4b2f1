import { show } from '../../policies/validate.js';
import { type Clock, systemClock } from '../../time/clock.js';
import { type Random, systemRandom } from '../../time/random.js';
import type { NodeId } from '../entry.js';

/** What {@link TransportFaults.set} takes. Every field is optional; an empty rule is no fault. */
export interface TransportFaultRule {
  /** Probability in `[0, 1]` that an outgoing message is dropped. Default 0. */
  readonly drop?: number;
  /** Milliseconds every outgoing message is held before it is queued. Default 0. */
  readonly delayMs?: number;
  /**
   * Peers whose links are cut: nothing is sent to them and, unless `oneWay`, nothing from them
   * is accepted. When both ends hold the rule naming each other, the link is cut both ways even
   * with `oneWay`. Default none.
   */
  readonly partitioned?: readonly NodeId[];
  /** Cut only the outgoing direction of the `partitioned` links. Default `false`. */
  readonly oneWay?: boolean;
}

/** What {@link TransportFaults.outbound} decides for one message. */
export interface OutboundFault {
  /** Drop the message. */
  readonly drop: boolean;
  /** Hold it this long first (ms), when not dropped. */
  readonly delayMs: number;
}

/** {@link TransportFaults.describe}'s JSON. */
export interface TransportFaultsDescription {
  readonly active: boolean;
  readonly drop: number;
  readonly delayMs: number;
  readonly partitioned: readonly NodeId[];
  readonly oneWay: boolean;
  /** Messages dropped by the rule so far: outgoing (drop or partition) and incoming (partition). */
  readonly dropped: { readonly outbound: number; readonly inbound: number };
  /** Outgoing messages delayed so far. */
  readonly delayed: number;
  /** When the current rule was set (the clock's ms), or `null` when none is. */
  readonly since: number | null;
}

const NONE: Required<TransportFaultRule> = Object.freeze({ drop: 0, delayMs: 0, partitioned: Object.freeze([]) as readonly NodeId[], oneWay: false });

/**
 * The fault hook of the peer transport, for tests and chaos runs: drops, delays and cuts peer
 * links by rule. It is inert until {@link TransportFaults.set} is called (and after
 * {@link TransportFaults.clear}): `outbound` then answers "deliver now" without drawing a random
 * number. Give the same instance to the node's `HttpTransport` (outgoing) and
 * `createPeerHandler` (incoming). Randomness and time are injected, so a seeded run is repeatable.
 *
 * @example
 * const faults = new TransportFaults({ random: seededRandom(7) });
 * const transport = new HttpTransport({ id: 'a', peers, token, faults });
 * const handler = createPeerHandler({ token, receive: (m) => node.receive(m), faults });
 * faults.set({ partitioned: ['b', 'c'] }); // isolate a
 * faults.clear();                          // heal
 */
export class TransportFaults {
  readonly #random: Random;
  readonly #clock: Clock;
  #rule: Required<TransportFaultRule> = NONE;
  #cut: ReadonlySet<NodeId> = new Set();
  #active = false;
  #since: number | null = null;
  #droppedOut = 0;
  #droppedIn = 0;
  #delayed = 0;

  /**
   * @param options `random` for drops (default `Math.random`), `clock` for `since` and for
   *   the transport's delays (default the system clock)
   * @throws {TypeError} when `random` is not a function or `clock` lacks `now`/`setTimeout`
   */
  constructor(options: { readonly random?: Random; readonly clock?: Clock } = {}) {
    if (options.random !== undefined && typeof options.random !== 'function') {
      throw new TypeError(`TransportFaults: options.random must be a function returning [0, 1), got ${show(options.random)}`);
    }
    const clock = options.clock;
    if (clock !== undefined && (typeof clock?.now !== 'function' || typeof clock.setTimeout !== 'function')) {
      throw new TypeError('TransportFaults: options.clock must be a Clock (now, setTimeout, clearTimeout)');
    }
    this.#random = options.random ?? systemRandom;
    this.#clock = clock ?? systemClock;
  }

  /** The clock delays are timed on. */
  get clock(): Clock {
    return this.#clock;
  }

  /** True while a rule is set. */
  get active(): boolean {
    return this.#active;
  }

  /**
   * Replaces the rule (fields left out are off, not kept from the previous rule).
   *
   * @throws {TypeError} when a field has the wrong type, {@link RangeError} when `drop` is outside
   *   `[0, 1]` or `delayMs` is negative (the message names the field); the rule is then unchanged
   */
  set(rule: TransportFaultRule): void {
    if (typeof rule !== 'object' || rule === null) throw new TypeError(`TransportFaults: set(rule) needs an object, got ${show(rule)}`);
    const drop = rule.drop ?? 0;
    if (typeof drop !== 'number' || Number.isNaN(drop)) throw new TypeError(`TransportFaults: rule.drop must be a number in [0, 1], got ${show(rule.drop)}`);
    if (drop < 0 || drop > 1) throw new RangeError(`TransportFaults: rule.drop must be a number in [0, 1], got ${show(drop)}`);
    const delayMs = rule.delayMs ?? 0;
    if (typeof delayMs !== 'number' || Number.isNaN(delayMs)) throw new TypeError(`TransportFaults: rule.delayMs must be a number ≥ 0, got ${show(rule.delayMs)}`);
    if (delayMs < 0 || !Number.isFinite(delayMs)) throw new RangeError(`TransportFaults: rule.delayMs must be a finite number ≥ 0, got ${show(delayMs)}`);
    const partitioned = rule.partitioned ?? [];
    if (!Array.isArray(partitioned) || !partitioned.every((id) => typeof id === 'string' && id !== '')) {
      throw new TypeError(`TransportFaults: rule.partitioned must be an array of node ids, got ${show(rule.partitioned)}`);
    }
    const oneWay = rule.oneWay ?? false;
    if (typeof oneWay !== 'boolean') throw new TypeError(`TransportFaults: rule.oneWay must be a boolean, got ${show(rule.oneWay)}`);
    this.#rule = Object.freeze({ drop, delayMs, partitioned: Object.freeze([...new Set(partitioned)]), oneWay });
    this.#cut = new Set(partitioned);
    this.#active = drop > 0 || delayMs > 0 || partitioned.length > 0;
    this.#since = this.#clock.now();
  }

  /** Removes the rule: everything is delivered again. The counters are kept. */
  clear(): void {
    this.#rule = NONE;
    this.#cut = new Set();
    this.#active = false;
    this.#since = null;
  }

  /** What to do with a message to `to`: drop it, or deliver it after `delayMs` (counted). */
  outbound(to: NodeId): OutboundFault {
    if (!this.#active) return DELIVER;
    if (this.#cut.has(to) || (this.#rule.drop > 0 && this.#random() < this.#rule.drop)) {
      this.#droppedOut++;
      return DROPPED;
    }
    if (this.#rule.delayMs > 0) {
      this.#delayed++;
      return { drop: false, delayMs: this.#rule.delayMs };
    }
    return DELIVER;
  }

  /** Whether a message from `from` is accepted (false, counted, when its link is cut inbound). */
  inbound(from: NodeId): boolean {
    if (!this.#active || this.#rule.oneWay || !this.#cut.has(from)) return true;
    this.#droppedIn++;
    return false;
  }

  /** The rule and the counters, as JSON for an operator endpoint. */
  describe(): TransportFaultsDescription {
    const { drop, delayMs, partitioned, oneWay } = this.#rule;
    return {
      active: this.#active,
      drop,
      delayMs,
      partitioned: [...partitioned],
      oneWay,
      dropped: { outbound: this.#droppedOut, inbound: this.#droppedIn },
      delayed: this.#delayed,
      since: this.#since,
    };
  }
}

const DELIVER: OutboundFault = Object.freeze({ drop: false, delayMs: 0 });
const DROPPED: OutboundFault = Object.freeze({ drop: true, delayMs: 0 });
