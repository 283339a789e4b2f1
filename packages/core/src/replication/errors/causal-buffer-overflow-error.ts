import { BulwarkError, errorGuard, nameErrorClass } from '../../errors/bulwark-error.js';

/**
 * A {@link CausalDeliveryBuffer} (or the `CausalEventLog` on top of it) was handed an event it
 * cannot deliver yet while it already holds `maxBuffered` events. The event was not kept: the
 * buffer never drops what it holds to make room, so what it delivers stays a causal order. The
 * caller should drop the event and get it again later (a resend, a re-request of what
 * `delivered` lacks, or anti-entropy), once the events it waits for have arrived.
 *
 * @example
 * try {
 *   for (const event of log.receive(incoming)) apply(event);
 * } catch (error) {
 *   if (isCausalBufferOverflowError(error)) requestResend(incoming.replica, log.clock);
 *   else throw error;
 * }
 */
export class CausalBufferOverflowError extends BulwarkError {
  readonly code = 'ECAUSALBUFFERFULL' as const;

  /**
   * @param maxBuffered the configured bound
   * @param replica the refused event's replica
   * @param counter the refused event's counter at that replica
   */
  constructor(
    readonly maxBuffered: number,
    readonly replica: string,
    readonly counter: number,
  ) {
    super(`Causal delivery buffer is full (maxBuffered ${maxBuffered}): event ${counter} of ${JSON.stringify(replica)} was refused`);
  }
}
nameErrorClass(CausalBufferOverflowError);

/** True when `value` is a {@link CausalBufferOverflowError} from any copy of Bulwark. */
export const isCausalBufferOverflowError = errorGuard<CausalBufferOverflowError>('ECAUSALBUFFERFULL');
