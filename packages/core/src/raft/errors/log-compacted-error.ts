import { BulwarkError, errorGuard, nameErrorClass } from '../../errors/bulwark-error.js';

/**
 * A {@link Storage} read asked for an entry that was folded into a snapshot and discarded
 * (etcd-io/raft's `ErrCompacted`). Raft catches it where it may happen — a leader then sends the
 * follower a snapshot instead of entries — so callers meet it only from their own reads, or from
 * `MemoryStorage.compact` called with an index already compacted.
 *
 * @example
 * try {
 *   storage.entries(1, 5);
 * } catch (error) {
 *   if (isLogCompactedError(error)) console.log(`entries before ${error.firstIndex} are gone`);
 * }
 */
export class LogCompactedError extends BulwarkError {
  readonly code = 'ERAFTLOGCOMPACTED' as const;

  /**
   * @param index the index asked for
   * @param firstIndex the first index the storage still holds
   */
  constructor(
    readonly index: number,
    readonly firstIndex: number,
  ) {
    super(`Raft storage: index ${index} is compacted (the first index held is ${firstIndex})`);
  }
}
nameErrorClass(LogCompactedError);

/** True when `value` is a {@link LogCompactedError} from any copy of Bulwark. */
export const isLogCompactedError = errorGuard<LogCompactedError>('ERAFTLOGCOMPACTED');
