import type { Clock } from '../../time/clock.js';
import { ClockDriftError } from '../errors/clock-drift-error.js';
import type { HlcTimestamp } from './hlc-timestamp.js';
import { hlcFromJSON } from './hlc-timestamp.js';

/** Options of {@link HybridLogicalClock}. */
export interface HybridLogicalClockOptions {
  /** The physical clock (only `now()` is read). Required: pass `systemClock`, or a `ManualClock` in tests. */
  readonly clock: Pick<Clock, 'now'>;
  /**
   * The most a remote timestamp's physical part may be ahead of the local physical clock, in
   * milliseconds; {@link HybridLogicalClock.receive} throws `ClockDriftError` beyond it. Default
   * 60 000 (one minute); `Infinity` accepts any timestamp. Choose it above the real clock offset
   * between your machines (NTP keeps it to tens of milliseconds) plus message delays.
   */
  readonly maxDriftMs?: number;
  /** The last timestamp issued before a restart, so the clock never goes back. Default: none. */
  readonly last?: HlcTimestamp;
}

/**
 * A hybrid logical clock (Kulkarni et al., OPODIS 2014): timestamps that respect causality like
 * a Lamport clock (a receive is after the send) and stay within the physical clock's offset of
 * wall time, in a fixed size (physical milliseconds and a counter). Each call returns a
 * timestamp strictly after every timestamp this clock issued or received, even when the
 * physical clock stalls or steps back. The physical clock is injected and read as whole
 * milliseconds.
 *
 * The clock object is mutable (it remembers the last timestamp); the timestamps are frozen.
 *
 * @example
 * const hlc = new HybridLogicalClock({ clock: systemClock });
 * const sent = hlc.now();              // stamp an outgoing message
 * const after = peer.receive(sent);    // on the peer: after `sent` and after its own history
 */
export class HybridLogicalClock {
  private readonly clock: Pick<Clock, 'now'>;
  /** The configured drift bound, in milliseconds. */
  readonly maxDriftMs: number;
  private lastWallMs: number;
  private lastLogical: number;

  /**
   * @throws TypeError if `clock` has no `now()`; RangeError for a negative or NaN `maxDriftMs`,
   *   TypeError for a malformed `last`
   */
  constructor(options: HybridLogicalClockOptions) {
    if (typeof options?.clock?.now !== 'function') throw new TypeError('HybridLogicalClock: clock must have a now() method');
    const maxDriftMs = options.maxDriftMs ?? 60_000;
    if (!(maxDriftMs >= 0)) throw new RangeError(`HybridLogicalClock: maxDriftMs must be a non-negative number, got ${maxDriftMs}`);
    this.clock = options.clock;
    this.maxDriftMs = maxDriftMs;
    const last = options.last === undefined ? { wallMs: 0, logical: 0 } : hlcFromJSON(options.last, 'HybridLogicalClock: last');
    this.lastWallMs = last.wallMs;
    this.lastLogical = last.logical;
  }

  /** The last timestamp issued or received (`{0, 0}` before the first). */
  get last(): HlcTimestamp {
    return Object.freeze({ wallMs: this.lastWallMs, logical: this.lastLogical });
  }

  /** A timestamp for a local event or a message about to be sent. */
  now(): HlcTimestamp {
    const physical = this.physical();
    if (physical > this.lastWallMs) {
      this.lastWallMs = physical;
      this.lastLogical = 0;
    } else {
      this.bumpLogical();
    }
    return this.last;
  }

  /**
   * Takes in a timestamp received from another clock and returns a timestamp for the receive
   * event, after both `remote` and everything this clock issued.
   *
   * @throws ClockDriftError if `remote.wallMs` is more than `maxDriftMs` ahead of the physical
   *   clock (the clock is unchanged); TypeError for a malformed timestamp
   */
  receive(remote: HlcTimestamp): HlcTimestamp {
    const theirs = hlcFromJSON(remote, 'HybridLogicalClock.receive: remote');
    const physical = this.physical();
    if (theirs.wallMs - physical > this.maxDriftMs) throw new ClockDriftError(theirs, physical, this.maxDriftMs);
    const wallMs = Math.max(this.lastWallMs, theirs.wallMs, physical);
    // Kulkarni et al., Figure 5: the counter continues whichever timestamps share the new wall time.
    let logical: number;
    if (wallMs === this.lastWallMs && wallMs === theirs.wallMs) logical = Math.max(this.lastLogical, theirs.logical) + 1;
    else if (wallMs === this.lastWallMs) logical = this.lastLogical + 1;
    else if (wallMs === theirs.wallMs) logical = theirs.logical + 1;
    else logical = 0;
    if (!Number.isSafeInteger(logical)) throw new RangeError('HybridLogicalClock: the logical counter passed Number.MAX_SAFE_INTEGER');
    this.lastWallMs = wallMs;
    this.lastLogical = logical;
    return this.last;
  }

  private bumpLogical(): void {
    if (this.lastLogical === Number.MAX_SAFE_INTEGER) throw new RangeError('HybridLogicalClock: the logical counter passed Number.MAX_SAFE_INTEGER');
    this.lastLogical++;
  }

  private physical(): number {
    const now = this.clock.now();
    if (!Number.isFinite(now)) throw new RangeError(`HybridLogicalClock: clock.now() returned ${now}`);
    return Math.max(0, Math.floor(now));
  }
}
