import { BulwarkError, errorGuard, nameErrorClass } from '../../errors/bulwark-error.js';

/**
 * `Storage.snapshot()` cannot hand out a snapshot right now — say, one is still being written
 * (etcd-io/raft's `ErrSnapshotTemporarilyUnavailable`). Raft catches it: the leader leaves the
 * follower waiting and asks again on its next heartbeat response or proposal.
 *
 * @example
 * snapshot(): Snapshot {
 *   if (this.writing) throw new SnapshotTemporarilyUnavailableError();
 *   return this.latest;
 * }
 */
export class SnapshotTemporarilyUnavailableError extends BulwarkError {
  readonly code = 'ERAFTSNAPSHOTUNAVAILABLE' as const;

  constructor() {
    super('Raft storage: the snapshot is temporarily unavailable; Raft asks again later');
  }
}
nameErrorClass(SnapshotTemporarilyUnavailableError);

/** True when `value` is a {@link SnapshotTemporarilyUnavailableError} from any copy of Bulwark. */
export const isSnapshotTemporarilyUnavailableError = errorGuard<SnapshotTemporarilyUnavailableError>(
  'ERAFTSNAPSHOTUNAVAILABLE',
);
