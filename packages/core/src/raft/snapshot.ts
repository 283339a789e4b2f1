import type { ConfState } from './raft-state.js';

/**
 * Where a snapshot stands in the log: it replaces every entry up to and including `index`, the
 * last of which had `term`, and the membership then was `confState` (Raft §7: "the last included
 * index and term" and "the latest configuration as of the last included index").
 */
export interface SnapshotMetadata {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

/**
 * The state machine's state as of `metadata.index`, opaque to Raft (`data`), with where it stands
 * in the log. The application makes one (`MemoryStorage.createSnapshot`) and compacts the log
 * behind it; a leader sends it whole, in one `snapshot` message, to a follower whose next entries
 * are compacted (etcd-io/raft's `MsgSnap`).
 */
export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  readonly data: Uint8Array;
}
