import { ManualClock } from '@bulwark/core/testing';
import type { SagaSummary } from '@bulwark/core';
import type { ClusterRuntime } from './cluster-runtime.js';
import { buildDashboard } from './dashboard.js';
import type { DashboardSources } from './dashboard.js';

/** A one-member runtime: only what the dashboard reads. */
function runtime(): ClusterRuntime {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const self = { id: 'a', role: 'leader', leader: 'a', term: 2, members: [{ id: 'a' }] };
  return {
    clock,
    config: { peers: new Map([['a', 'http://127.0.0.1:1']]) },
    status: () => self,
    memberUrl: () => 'http://127.0.0.1:1',
    registry: { all: () => [] },
    peerStates: () => [],
    elections: { recent: () => [] },
    snapshotIndex: () => 0,
    faults: undefined,
  } as unknown as ClusterRuntime;
}

describe('buildDashboard', () => {
  it('lists the recent transactions and sagas of its sources, times as ISO strings, absent fields as null', async () => {
    const at = Date.UTC(2026, 0, 1, 0, 0, 5);
    const limits: Array<number | undefined> = [];
    const sagas: SagaSummary[] = [
      { id: 'o-2', saga: 'orders', status: 'compensated', startedAt: at, endedAt: at + 1000, failedStep: 'charge' },
      { id: 'o-1', saga: 'orders', status: 'running', startedAt: at - 1000 },
    ];
    const sources: DashboardSources = {
      transactions: { recent: () => [{ id: 'tx-1', status: 'committed', participants: ['a', 'b'], atMs: at }, { id: 'tx-0', status: 'aborted', reason: 'no', participants: ['b'], atMs: at - 1 }] },
      sagas: {
        recent: (limit) => {
          limits.push(limit);
          return sagas;
        },
      },
    };
    const dashboard = await buildDashboard(runtime(), sources);
    expect(dashboard.transactions).toEqual([
      { id: 'tx-1', status: 'committed', reason: null, participants: ['a', 'b'], at: '2026-01-01T00:00:05.000Z' },
      { id: 'tx-0', status: 'aborted', reason: 'no', participants: ['b'], at: '2026-01-01T00:00:04.999Z' },
    ]);
    expect(dashboard.sagas).toEqual([
      { id: 'o-2', saga: 'orders', status: 'compensated', failedStep: 'charge', startedAt: '2026-01-01T00:00:05.000Z', endedAt: '2026-01-01T00:00:06.000Z' },
      { id: 'o-1', saga: 'orders', status: 'running', failedStep: null, startedAt: '2026-01-01T00:00:04.000Z', endedAt: null },
    ]);
    expect(limits).toEqual([20]);
    expect(dashboard).toMatchObject({ leader: 'a', members: [{ id: 'a', reachable: true }], at: '2026-01-01T00:00:00.000Z' });
  });

  it('lists none without sources', async () => {
    const dashboard = await buildDashboard(runtime());
    expect([dashboard.transactions, dashboard.sagas]).toEqual([[], []]);
  });
});
