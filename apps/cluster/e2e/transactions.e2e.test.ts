// Two-phase commit across three member processes of the built app, with the coordinator
// SIGKILLed mid-transaction and restarted: once after its decision was recorded (the commit
// messages held back by the test fault), once while the votes were coming in (one prepare held
// back). Each transaction must resolve the same way on every member, and its locks must go.
import { HashRing } from '@bulwark/core';
import type { ClusterHandle } from '../src/launcher/index.js';
import { eventually, http } from './http-client.js';
import { useMemberCluster } from './member-cluster.js';
import { transactionId } from '../src/transactions/transactions-service.js';

const members = useMemberCluster('transactions', { faults: true });
const must = (): ClusterHandle => members.handle();
const urlOf = (id: string): string => members.urlOf(id);
const withOutput = (step: () => Promise<void>) => members.withOutput(step);

// The app's owner rule (src/transactions/key-owners.ts): a ring of 64 virtual nodes per voter.
const ring = new HashRing({ virtualNodes: 64 });
for (const id of ['n1', 'n2', 'n3']) ring.add(id);
let counter = 0;
function keyOwnedBy(owner: string): string {
  for (;;) {
    const key = `k-${counter++}`;
    if (ring.get(key) === owner) return key;
  }
}

/** The members that are not `id`. */
const othersThan = (id: string): string[] => must().members.map((m) => m.id).filter((m) => m !== id);

/** POST /transactions at `id` until its coordinator is up (it needs a leader once). */
async function transact(id: string, body: unknown, query = ''): Promise<{ status: number; body: Record<string, unknown> }> {
  return eventually(`POST /transactions at ${id}`, 30_000, async () => {
    const reply = await http('POST', `${urlOf(id)}/transactions${query}`, body);
    if (reply.status === 503 && (reply.body as { error?: { code?: string } }).error?.code === 'ETXNUNAVAILABLE') return undefined;
    return { status: reply.status, body: reply.body as Record<string, unknown> };
  });
}

/** Members `ids` (default all) answer GET /transactions/:id with `status`, and the keys read as `values` (null: absent). */
async function resolvedEverywhere(txId: string, status: 'committed' | 'aborted', values: Record<string, string | null>, ids?: readonly string[]): Promise<void> {
  for (const m of must().members.filter((member) => ids === undefined || ids.includes(member.id))) {
    await eventually(`${txId} ${status} at ${m.id}`, 30_000, async () => {
      const reply = await http('GET', `${m.url}/transactions/${txId}`);
      return reply.status === 200 && (reply.body as { status?: unknown }).status === status ? reply : undefined;
    });
    for (const [key, value] of Object.entries(values)) {
      const reply = await eventually(`GET ${key} at ${m.id}`, 10_000, async () => {
        const r = await http('GET', `${m.url}/kv/${key}`);
        return r.status === 503 ? undefined : r;
      });
      if (value === null) expect({ member: m.id, key, status: reply.status }).toEqual({ member: m.id, key, status: 404 });
      else expect({ member: m.id, key, body: reply.body }).toMatchObject({ member: m.id, key, body: { key, value } });
    }
  }
}

describe('two-phase commit across three member processes, the coordinator SIGKILLed mid-transaction', () => {
  it('after its decision: the participants learn the commit from the log, and the restarted coordinator finishes phase two', withOutput(async () => {
    const leader = await must().waitForLeader(30_000);
    const coordinator = othersThan(leader.id)[0] as string;
    const [p1, p2] = othersThan(coordinator) as [string, string];
    const a = keyOwnedBy(p1);
    const b = keyOwnedBy(p2);
    // Committed, but not applied within the deadline: the participants never got the commit.
    const writes = [{ key: a, value: 'A' }, { key: b, value: 'B' }];
    const decided = transactionId({ id: 'tx-decided', writes, reads: [] }) as string;
    const reply = await transact(coordinator, { id: 'tx-decided', writes, timeoutMs: 1500 }, '?hold=decision');
    expect(reply).toMatchObject({ status: 200, body: { id: decided, status: 'committed', applied: false } });
    await must().kill(coordinator, 'SIGKILL');
    // In doubt, each participant asks the dead coordinator, then its own member, which reads the log.
    for (const id of [p1, p2]) {
      await eventually(`${a} and ${b} applied, read at ${id}`, 30_000, async () => {
        const [ra, rb] = [await http('GET', `${urlOf(id)}/kv/${a}`), await http('GET', `${urlOf(id)}/kv/${b}`)];
        return ra.status === 200 && rb.status === 200 ? [ra, rb] : undefined;
      });
    }
    await resolvedEverywhere(decided, 'committed', { [a]: 'A', [b]: 'B' }, [p1, p2]);
    await must().restart(coordinator);
    await resolvedEverywhere(decided, 'committed', { [a]: 'A', [b]: 'B' });
    // The locks are gone: the same keys commit again, through the restarted coordinator.
    expect(await transact(coordinator, { writes: [{ key: a, value: 'A2' }, { key: b, value: 'B2' }] })).toMatchObject({ status: 200, body: { status: 'committed', applied: true } });
  }));

  it('while the votes come in: the participant that voted yes gets an abort from its own member, and nothing is applied', withOutput(async () => {
    const leader = await must().waitForLeader(30_000);
    const coordinator = othersThan(leader.id)[1] as string;
    const [p1, p2] = othersThan(coordinator) as [string, string];
    const a = keyOwnedBy(p1);
    const b = keyOwnedBy(p2);
    // p2 never gets its prepare; p1 prepares, votes yes and holds its lock. The call waits for p2's vote.
    const writes = [{ key: a, value: 'A' }, { key: b, value: 'B' }];
    const undecided = transactionId({ id: 'tx-undecided', writes, reads: [] }) as string;
    const pending = http('POST', `${urlOf(coordinator)}/transactions?hold=prepare:${p2}`, { id: 'tx-undecided', writes, timeoutMs: 60_000 }, {}, 60_000).catch((error: unknown) => error);
    await eventually(`${p1} to vote yes`, 30_000, async () => {
      const reply = await http('GET', `${urlOf(coordinator)}/transactions/${undecided}`);
      const votes = (reply.body as { votes?: Record<string, { vote: string }> }).votes;
      return votes?.[p1]?.vote === 'yes' ? reply : undefined;
    });
    await must().kill(coordinator, 'SIGKILL');
    // The client's connection died with the coordinator: the outcome is unknown to it. (A socket
    // error comes from Node's realm, so it is not instanceof this test's Error.)
    expect(await pending).toMatchObject({ message: expect.stringMatching(/socket hang up|ECONNRESET/) });
    await must().restart(coordinator);
    await resolvedEverywhere(undecided, 'aborted', { [a]: null, [b]: null });
    expect(await transact(coordinator, { writes: [{ key: a, value: 'A3' }, { key: b, value: 'B3' }] })).toMatchObject({ status: 200, body: { status: 'committed' } });
  }));
});
