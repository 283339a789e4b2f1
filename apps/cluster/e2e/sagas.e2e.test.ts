// The orders saga across member processes: a member SIGKILLs itself in the middle of the pivot
// (?crash=charge: its charge is in the Raft log, its reply never sent), the launcher restarts it
// from its data directory, and its orchestrator resumes the saga from its log: charge re-runs
// with the same key (the KV dedupes it), ship runs, and every step shows in the KV exactly once.
import type { ClusterHandle } from '../src/launcher/index.js';
import { eventually, getKey, http } from './http-client.js';
import { useMemberCluster } from './member-cluster.js';

const members = useMemberCluster('sagas', { faults: true });
const must = (): ClusterHandle => members.handle();

type History = { status: string; results: Record<string, { key: string; duplicate: boolean }>; steps: Array<{ name: string; status: string; attempts: number }> };

describe('the orders saga over member processes', () => {
  it('resumes a saga whose member died mid-charge: charge, reserve and ship each applied once', members.withOutput(async () => {
    const leader = await must().waitForLeader(30_000);
    const member = must().members.find((m) => m.id !== leader.id);
    if (member === undefined) throw new Error('no follower');
    const order = { sku: 'e2e-widget', quantity: 3, cents: 1250 };

    // A follower's sagas answer 503 until they resumed (it needs to know the leader).
    const crashed = await eventually('the order to be taken', 10_000, async () => {
      try {
        const reply = await http('POST', `${member.url}/sagas/orders?id=e2e-1&crash=charge`, order);
        return reply.status === 503 ? undefined : { reply };
      } catch (error) {
        return { error }; // the member died under the request: what ?crash asks for
      }
    });
    expect(crashed).toEqual({ error: expect.objectContaining({ code: 'ECONNRESET' }) });
    await eventually(`${member.id} to exit`, 10_000, async () => (must().members.find((m) => m.id === member.id)?.pid === undefined ? true : undefined));
    // The charge it applied before dying is in the replicated KV already.
    expect((await getKey(leader.url, `orders/${member.id}/e2e-1/charge`)).status).toBe(200);
    expect((await getKey(leader.url, `orders/${member.id}/e2e-1/ship`)).status).toBe(404);

    await must().restart(member.id);
    const history = await eventually('the saga to complete after the restart', 20_000, async () => {
      const reply = await http('GET', `${member.url}/sagas/e2e-1`);
      return reply.status === 200 && (reply.body as History).status === 'completed' ? (reply.body as History) : undefined;
    });
    expect(history.steps.map((s) => [s.name, s.status])).toEqual([
      ['reserve', 'succeeded'],
      ['charge', 'succeeded'],
      ['ship', 'succeeded'],
    ]);
    // The re-run of charge found its key applied; reserve ran once, before the crash; ship once, after.
    expect(Object.fromEntries(Object.entries(history.results).map(([step, r]) => [step, r.duplicate]))).toEqual({ reserve: false, charge: true, ship: false });

    for (const m of must().members) {
      for (const step of ['reserve', 'charge', 'ship']) {
        const reply = await getKey(m.url, `orders/${member.id}/e2e-1/${step}`);
        expect({ member: m.id, step, status: reply.status, applied: JSON.parse((reply.body as { value: string }).value).applied }).toEqual({ member: m.id, step, status: 200, applied: step });
      }
      expect((await getKey(m.url, 'stock/e2e-widget/reserved')).body).toMatchObject({ value: '3' });
      expect((await getKey(m.url, 'payments/e2e-widget/cents')).body).toMatchObject({ value: '1250' });
      expect((await getKey(m.url, 'shipping/e2e-widget/parcels')).body).toMatchObject({ value: '1' });
    }
    // The same order again is answered from the log, and changes nothing.
    const again = await http('POST', `${member.url}/sagas/orders?id=e2e-1&crash=charge`, order);
    expect([again.status, (again.body as { status: string }).status]).toEqual([200, 'completed']);
    expect((await getKey(leader.url, 'payments/e2e-widget/cents')).body).toMatchObject({ value: '1250' });
  }));
});
