import { BulwarkError, errorGuard, nameErrorClass } from '../../errors/bulwark-error.js';

/**
 * A transaction log (a {@link RecordLog}, or a `FileDecisionLog` on one) failed an I/O call and
 * stopped: what its failed call left on disk is unknown (as after a crash), so every later call
 * throws this too rather than answer from memory what the disk may not hold. Recover by closing
 * it and opening the directory again (the replay finds what is durable). `cause` holds the
 * first failure.
 *
 * @example
 * try {
 *   log.sync();
 * } catch (error) {
 *   if (isRecordLogFailedError(error)) restartFromDisk(error.dir);
 * }
 */
export class RecordLogFailedError extends BulwarkError {
  readonly code = 'ERECORDLOGFAILED' as const;

  /**
   * @param dir the log's directory
   * @param cause the first I/O failure
   */
  constructor(
    readonly dir: string,
    cause: unknown,
  ) {
    super(`record log in ${dir} failed (reopen it to recover): ${String(cause)}`, { cause });
  }
}
nameErrorClass(RecordLogFailedError);

/** True when `value` is a {@link RecordLogFailedError} from any copy of Bulwark. */
export const isRecordLogFailedError = errorGuard<RecordLogFailedError>('ERECORDLOGFAILED');
