import type { NodeId } from '../../raft/entry.js';
import type { SimHistoryEvent } from './sim-client.js';
import type { NetworkStats } from './sim-network.js';

/** What a simulated run did, when it passed every check. */
export interface RaftSimulationReport {
  readonly seed: number;
  /** Client operations: invoked, and how they ended (`info`: unknown outcome). */
  readonly operations: { readonly invoked: number; readonly ok: number; readonly fail: number; readonly info: number };
  /** Faults injected, by kind (the network's trace kinds, plus `drop`, `duplicate`, `reorder`). */
  readonly faults: Readonly<Record<string, number>>;
  readonly messages: NetworkStats;
  /** Virtual time the run took. */
  readonly simulatedMs: number;
  /** Network events run (deliveries and timers). */
  readonly events: number;
  /** Invariant checks run. */
  readonly checks: number;
  /** How long after the faults healed a leader that every member followed was seen. */
  readonly leaderAfterHealMs: number;
  /** Disk writes that crashes lost before they were synced. */
  readonly lostWrites: number;
  /** Snapshots taken (log compactions) and installed by followers from a leader (InstallSnapshot). */
  readonly snapshots: { readonly taken: number; readonly installed: number };
  /** Gets answered by ReadIndex rather than through the log (a retried get may be answered twice). */
  readonly readIndexReads: number;
  /** Configuration changes applied (counted once per change, by the first node to apply it), and the final members. */
  readonly membership: { readonly changes: number; readonly members: readonly NodeId[] };
  /** The client history, in order. */
  readonly history: readonly SimHistoryEvent[];
  /** Faults and client events, one per line, in time order. */
  readonly trace: readonly string[];
  /** The network's fingerprint of the whole run: equal digests, equal runs. */
  readonly digest: number;
}
