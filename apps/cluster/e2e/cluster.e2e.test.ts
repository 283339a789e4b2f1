// Three member processes of the built app: writes and reads through the leader and a follower,
// the leader SIGKILLed and a new one elected with every acknowledged write intact, and the
// killed member restarted from its data directory and caught up.
import type { ClusterHandle } from '../src/launcher/index.js';
import { eventually, getKey, http, putKey } from './http-client.js';
import { useMemberCluster } from './member-cluster.js';

const members = useMemberCluster('cluster');
const must = (): ClusterHandle => members.handle();
const urlOf = (id: string): string => members.urlOf(id);
const withOutput = (step: () => Promise<void>) => members.withOutput(step);
/** Every write a member acknowledged with 200: key → value. */
const acknowledged = new Map<string, string>();
let firstLeader: { id: string; url: string };

async function write(url: string, key: string, value: string): Promise<void> {
  const reply = await putKey(url, key, value);
  expect({ key, status: reply.status }).toEqual({ key, status: 200 });
  acknowledged.set(key, value);
}

async function expectAllAcknowledged(url: string, consistency: string): Promise<void> {
  for (const [key, value] of acknowledged) {
    const reply = await getKey(url, key, consistency);
    expect({ url, key, status: reply.status, body: reply.body }).toEqual({ url, key, status: 200, body: { key, value, revision: expect.any(Number) } });
  }
}

describe('a cluster of three member processes', () => {
  it('elects a leader and serves writes and reads through the leader and through a follower', withOutput(async () => {
    firstLeader = await must().waitForLeader(30_000);
    const follower = must().members.find((m) => m.id !== firstLeader.id);
    if (follower === undefined) throw new Error('no follower');

    const status = await http('GET', `${follower.url}/cluster/status`);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ id: follower.id, role: 'follower', leader: firstLeader.id, term: expect.any(Number) });
    expect((status.body as { members: Array<{ id: string }> }).members.map((m) => m.id).sort()).toEqual(['n1', 'n2', 'n3']);

    for (let i = 0; i < 10; i++) await write(i % 2 === 0 ? firstLeader.url : follower.url, `key-${i}`, `value-${i}`);
    await expectAllAcknowledged(firstLeader.url, 'linearizable');
    await expectAllAcknowledged(follower.url, 'linearizable');
    expect((await getKey(follower.url, 'missing')).status).toBe(404);
  }));

  it('elects a new leader after the leader is SIGKILLed, and every acknowledged write is still readable', withOutput(async () => {
    await must().kill(firstLeader.id, 'SIGKILL');
    expect(must().members.find((m) => m.id === firstLeader.id)?.pid).toBeUndefined();
    const leader = await must().waitForLeader(30_000);
    expect(leader.id).not.toBe(firstLeader.id);
    const survivor = must().members.find((m) => m.id !== leader.id && m.id !== firstLeader.id);
    if (survivor === undefined) throw new Error('no surviving follower');

    await expectAllAcknowledged(leader.url, 'linearizable');
    await expectAllAcknowledged(survivor.url, 'linearizable');
    for (let i = 10; i < 15; i++) await write(i % 2 === 0 ? leader.url : survivor.url, `key-${i}`, `value-${i}`);
    await write(leader.url, 'key-0', 'overwritten');
    await expectAllAcknowledged(survivor.url, 'linearizable');
  }));

  it('restarts the killed member from its data directory, and it catches up', withOutput(async () => {
    await must().restart(firstLeader.id);
    const url = urlOf(firstLeader.id);
    // Its own state machine, read locally (stale): it must reach the last write, made while it was down, and so every other.
    await eventually(`${firstLeader.id} catching up`, 30_000, async () => {
      const reply = await http('GET', `${url}/kv/key-0?consistency=stale`);
      return reply.status === 200 && (reply.body as { value?: unknown }).value === 'overwritten' ? reply : undefined;
    });
    await expectAllAcknowledged(url, 'stale');
    const leader = await must().waitForLeader(30_000);
    const mine = await http('GET', `${url}/cluster/status`);
    expect(mine.body).toMatchObject({ id: firstLeader.id, leader: leader.id });
    const applied = (mine.body as { appliedIndex: number }).appliedIndex;
    expect(applied).toBeGreaterThan(15);
    // And it takes part again: a write through it is replicated and read back everywhere.
    await write(url, 'after-restart', 'yes');
    for (const m of must().members) await expectAllAcknowledged(m.url, 'linearizable');
  }));
});
