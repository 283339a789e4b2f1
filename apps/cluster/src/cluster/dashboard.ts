import { wrap } from '@bulwark/core';
import type { PeerState, SagaSummary, TransportFaultsDescription } from '@bulwark/core';
import type { ClusterRuntime } from './cluster-runtime.js';
import type { ClusterStatus } from './cluster-status.js';
import type { ElectionRecord } from './election-log.js';

/** A member as the dashboard sees it: its own `/cluster/status`, fetched now, or why not. */
export interface DashboardMember {
  readonly id: string;
  readonly url: string | null;
  readonly reachable: boolean;
  readonly status: ClusterStatus | null;
  readonly error?: string;
}

/** A breaker's state: those of the registry (forwarding, dashboard polls) and the transport's peer links. */
export interface DashboardBreaker {
  readonly name: string;
  readonly kind: 'policy' | 'peer-link';
  readonly state: string;
}

/** A bulkhead's occupancy and limits. */
export interface DashboardBulkhead {
  readonly name: string;
  readonly active: number;
  readonly queued: number;
  readonly maxConcurrent: number;
  /** null when unbounded. */
  readonly maxQueued: number | null;
}

/** A finished transaction this member coordinated, as the dashboard lists it. */
export interface DashboardTransaction {
  readonly id: string;
  readonly status: 'committed' | 'aborted' | 'in-doubt';
  readonly reason: string | null;
  readonly participants: readonly string[];
  readonly at: string;
}

/** A saga of this member's log, as the dashboard lists it. */
export interface DashboardSaga {
  readonly id: string;
  readonly saga: string;
  readonly status: SagaSummary['status'];
  readonly failedStep: string | null;
  readonly startedAt: string;
  readonly endedAt: string | null;
}

/** Where the dashboard reads this member's transactions and sagas (either may be absent). */
export interface DashboardSources {
  readonly transactions?: { recent(): ReadonlyArray<{ readonly id: string; readonly status: DashboardTransaction['status']; readonly reason?: string; readonly participants: readonly string[]; readonly atMs: number }> };
  readonly sagas?: { recent(limit?: number): readonly SagaSummary[] };
}

/** How many recent sagas the dashboard lists. */
const RECENT_SAGAS = 20;

/** The body of `GET /cluster/dashboard`, what the status page at `/` shows. */
export interface Dashboard {
  readonly self: ClusterStatus;
  readonly leader: string | null;
  readonly members: readonly DashboardMember[];
  readonly elections: readonly ElectionRecord[];
  readonly breakers: readonly DashboardBreaker[];
  readonly bulkheads: readonly DashboardBulkhead[];
  readonly peers: readonly PeerState[];
  readonly snapshotIndex: number;
  /** The fault hook's rule, or null when faults are not enabled. */
  readonly faults: TransportFaultsDescription | null;
  /** The last finished transactions this member coordinated, newest first. */
  readonly transactions: readonly DashboardTransaction[];
  /** The newest sagas of this member's log (running and ended), at most 20. */
  readonly sagas: readonly DashboardSaga[];
  readonly at: string;
}

const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);

async function fetchStatus(runtime: ClusterRuntime, id: string, url: string): Promise<DashboardMember> {
  const policy = wrap(runtime.registry.timeout('peer-status'), runtime.registry.breaker(`peer-status:${id}`));
  try {
    const status = await policy.execute(async ({ signal }) => {
      const response = await fetch(`${url}/cluster/status`, { signal });
      if (!response.ok) throw new Error(`answered ${response.status}`);
      return (await response.json()) as ClusterStatus;
    });
    return { id, url, reachable: true, status };
  } catch (error) {
    return { id, url, reachable: false, status: null, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Builds the dashboard: this member's status, every other member's own status (fetched
 * concurrently through the `peer-status` timeout and a breaker per member), recent elections,
 * the breakers and bulkheads, and the member's recent transactions and sagas (from `sources`).
 */
export async function buildDashboard(runtime: ClusterRuntime, sources: DashboardSources = {}): Promise<Dashboard> {
  const self = runtime.status();
  const ids = new Set([...self.members.map((m) => m.id), ...runtime.config.peers.keys()]);
  const members = await Promise.all(
    [...ids].map(async (id): Promise<DashboardMember> => {
      if (id === self.id) return { id, url: runtime.memberUrl(id) ?? null, reachable: true, status: self };
      const url = runtime.memberUrl(id);
      if (url === undefined) return { id, url: null, reachable: false, status: null, error: 'no known URL' };
      return fetchStatus(runtime, id, url);
    }),
  );
  const breakers: DashboardBreaker[] = [];
  const bulkheads: DashboardBulkhead[] = [];
  for (const entry of runtime.registry.all()) {
    if (entry.kind === 'breaker') breakers.push({ name: entry.name, kind: 'policy', state: entry.policy.state });
    if (entry.kind === 'bulkhead') {
      const m = entry.policy.metrics();
      bulkheads.push({ name: entry.name, active: m.activeCount, queued: m.queuedCount, maxConcurrent: m.maxConcurrent, maxQueued: finite(m.maxQueued) });
    }
  }
  const peers = runtime.peerStates();
  for (const peer of peers) breakers.push({ name: `peer:${peer.id}`, kind: 'peer-link', state: peer.breaker });
  return {
    self,
    leader: self.leader,
    members,
    elections: runtime.elections.recent(),
    breakers,
    bulkheads,
    peers,
    snapshotIndex: runtime.snapshotIndex(),
    faults: runtime.faults?.describe() ?? null,
    transactions: (sources.transactions?.recent() ?? []).map((t) => ({
      id: t.id,
      status: t.status,
      reason: t.reason ?? null,
      participants: [...t.participants],
      at: new Date(t.atMs).toISOString(),
    })),
    sagas: (sources.sagas?.recent(RECENT_SAGAS) ?? []).map((s) => ({
      id: s.id,
      saga: s.saga,
      status: s.status,
      failedStep: s.failedStep ?? null,
      startedAt: new Date(s.startedAt).toISOString(),
      endedAt: s.endedAt === undefined ? null : new Date(s.endedAt).toISOString(),
    })),
    at: new Date(runtime.clock.now()).toISOString(),
  };
}
