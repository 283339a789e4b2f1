import { BulwarkError, errorGuard, nameErrorClass } from '../../errors/bulwark-error.js';
import type { HlcTimestamp } from '../clocks/hlc-timestamp.js';

/**
 * A {@link HybridLogicalClock} refused a remote timestamp whose physical part is further ahead
 * of the local physical clock than `maxDriftMs`: taking it would drag this clock (and every
 * timestamp it issues afterwards) into the future. The clock is unchanged. Usually a peer's
 * clock is wrong (or this one is); log it, alert, and drop or reject the message.
 *
 * @example
 * try {
 *   hlc.receive(message.timestamp);
 * } catch (error) {
 *   if (isClockDriftError(error)) log.warn(`peer clock ${error.driftMs} ms ahead`);
 *   else throw error;
 * }
 */
export class ClockDriftError extends BulwarkError {
  readonly code = 'ECLOCKDRIFT' as const;
  /** How far the remote timestamp is ahead of the local physical clock, in milliseconds. */
  readonly driftMs: number;

  /**
   * @param remote the refused timestamp
   * @param localWallMs the local physical clock when it was refused (epoch milliseconds)
   * @param maxDriftMs the configured bound
   */
  constructor(
    readonly remote: HlcTimestamp,
    readonly localWallMs: number,
    readonly maxDriftMs: number,
  ) {
    const driftMs = remote.wallMs - localWallMs;
    super(`Hybrid logical clock: a remote timestamp is ${driftMs} ms ahead of the local clock, more than maxDriftMs (${maxDriftMs} ms)`);
    this.driftMs = driftMs;
  }
}
nameErrorClass(ClockDriftError);

/** True when `value` is a {@link ClockDriftError} from any copy of Bulwark. */
export const isClockDriftError = errorGuard<ClockDriftError>('ECLOCKDRIFT');
