import { wrap } from '@bulwark/core';
import type { PeerState, TransportFaultsDescription } from '@bulwark/core';
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
 * and the breakers and bulkheads.
 */
export async function buildDashboard(runtime: ClusterRuntime): Promise<Dashboard> {
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
    at: new Date(runtime.clock.now()).toISOString(),
  };
}
