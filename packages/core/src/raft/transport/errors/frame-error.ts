import { BulwarkError, errorGuard, nameErrorClass } from '../../../errors/bulwark-error.js';

/**
 * A peer request's body is not a well-formed Raft message frame (see `message-codec.ts`): bad
 * magic or version, a field cut short, an unknown message or entry type, a number out of range,
 * bytes left over. `createPeerHandler` answers it with 400 and the reason; nothing is delivered.
 *
 * @example
 * try {
 *   decodeFrame(body);
 * } catch (error) {
 *   if (isFrameError(error)) console.warn(`bad frame at byte ${error.offset}: ${error.reason}`);
 * }
 */
export class FrameError extends BulwarkError {
  readonly code = 'ERAFTFRAME' as const;

  /**
   * @param reason what is wrong
   * @param offset the byte offset in the frame where decoding stopped
   */
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`Raft transport: bad message frame at byte ${offset}: ${reason}`);
  }
}
nameErrorClass(FrameError);

/** True when `value` is a {@link FrameError} from any copy of Bulwark. */
export const isFrameError = errorGuard<FrameError>('ERAFTFRAME');
