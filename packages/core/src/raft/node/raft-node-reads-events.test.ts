import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '../../testing/manual-clock.js';
import { seededRandom } from '../../testing/seeded-random.js';
import { isNotLeaderError } from './errors/not-leader-error.js';
import { isRequestLostError } from './errors/request-lost-error.js';
import { MemoryPersistentStorage } from './memory-persistent-storage.js';
import { RaftNode, type RaftNodeStateChange } from './raft-node.js';
import { LogMachine, TestCluster, text } from './test-cluster.js';

const lease = { readOnly: 'leaseBased', electionTick: 10 } as const;

describe('RaftNode lease reads', () => {
  it('serves a lease read at once while the lease holds, where a linearizable read needs a heartbeat round', async () => {
    const cluster = new TestCluster(['a', 'b', 'c'], { raft: lease });
    const leader = await cluster.elect();
    await cluster.run(100); // heartbeats acknowledged: the lease is held
    const write = leader.propose(text('x'));
    await cluster.run(30);
    await write;
    // Cut the leader off: no heartbeat round can complete, but the lease still covers a read.
    cluster.isolated.add(leader.id);
    let leased: number | undefined;
    let linearizable: unknown;
    void leader.read({ consistency: 'lease' }).then((index) => (leased = index), () => undefined);
    void leader.read().then(
      (index) => (linearizable = index),
      (error: unknown) => (linearizable = error),
    );
    await cluster.clock.advanceAsync(1);
    expect(leased).toBe(leader.status().commit);
    expect(linearizable).toBeUndefined();
    await cluster.run(1000); // the leader steps down (check-quorum): the unconfirmed read is lost
    expect(isRequestLostError(linearizable)).toBe(true);
  });

  it('serves lease reads on followers (forwarded) and linearizable ones still by a round', async () => {
    const cluster = new TestCluster(['a', 'b', 'c'], { raft: lease, seed: 3 });
    const leader = await cluster.elect();
    const write = leader.propose(text('y'));
    await cluster.run(100);
    await write;
    const follower = cluster.followers()[0] as RaftNode<number>;
    const reads = [follower.read({ consistency: 'lease' }), follower.read({ consistency: 'linearizable' })];
    await cluster.run(50);
    const [a, b] = await Promise.all(reads);
    expect(a).toBeGreaterThanOrEqual(2);
    expect(b).toBe(a);
    expect(cluster.machines.get(follower.id)?.applied).toEqual(['y']);
  });

  it("asks again for a follower's read whose ReadIndex request was lost, and serves it without a leader change", async () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    const leader = await cluster.elect();
    await cluster.run(100);
    const follower = cluster.followers()[0] as RaftNode<number>;
    let dropped = 0;
    const receive = leader.receive.bind(leader);
    leader.receive = (message) => {
      if (message.type === 'read-index' && message.from === follower.id && dropped === 0) {
        dropped++;
        return; // the first asking is lost on the way
      }
      receive(message);
    };
    const term = leader.status().term;
    let index: number | undefined;
    void follower.read().then((i) => (index = i));
    await cluster.run(30); // two ticks: not yet asked again
    expect(dropped).toBe(1);
    expect(index).toBeUndefined();
    await cluster.run(100); // five ticks (electionTick / 2) after the first asking, it asks again
    expect(index).toBe(leader.status().commit);
    expect(leader.status().term).toBe(term);
    expect(follower.status().pendingReads).toBe(0);
  });

  it("rejects a lease read without readOnly 'leaseBased', and an unknown consistency", async () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    const leader = await cluster.elect();
    await expect(leader.read({ consistency: 'lease' })).rejects.toThrow(/needs options\.raft\.readOnly 'leaseBased'/);
    await expect(leader.read({ consistency: 'stale' as never })).rejects.toThrow(TypeError);
  });
});

describe('RaftNode counters and state events', () => {
  it('counts proposals and the ones that failed, monotonically', async () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    const leader = await cluster.elect();
    const follower = cluster.followers()[0] as RaftNode<number>;
    expect(leader.status()).toMatchObject({ proposalsTotal: 0, proposalsFailed: 0 });
    const refused = await follower.propose(text('no')).catch((e: unknown) => e);
    expect(isNotLeaderError(refused)).toBe(true);
    expect(follower.status()).toMatchObject({ proposalsTotal: 1, proposalsFailed: 1 });
    const ok = [leader.propose(text('a')), leader.propose(text('b')), leader.addMember('d', { learner: true })];
    await cluster.run(200);
    await Promise.all(ok);
    expect(leader.status()).toMatchObject({ proposalsTotal: 3, proposalsFailed: 0 });
    const pending = leader.propose(text('lost'));
    await leader.stop();
    await expect(pending).rejects.toThrow();
    expect(leader.status()).toMatchObject({ proposalsTotal: 4, proposalsFailed: 1 });
    await expect(leader.propose(text('after'))).rejects.toThrow();
    expect(leader.status()).toMatchObject({ proposalsTotal: 5, proposalsFailed: 2 });
  });

  it('emits role, term and leader changes, and leader changes alone through onLeaderChange', async () => {
    const cluster = new TestCluster(['a', 'b', 'c'], { seed: 5 });
    const changes = new Map<string, RaftNodeStateChange[]>();
    const leaders = new Map<string, Array<string | undefined>>();
    for (const [id, node] of cluster.nodes) {
      changes.set(id, []);
      leaders.set(id, []);
      node.onStateChange((change) => changes.get(id)?.push(change));
      node.onLeaderChange((change) => leaders.get(id)?.push(change.leaderId));
      node.onStateChange(() => {
        throw new Error('a listener that throws is ignored');
      });
    }
    const first = await cluster.elect();
    await cluster.run(100);
    for (const [id, list] of changes) {
      const last = list.at(-1) as RaftNodeStateChange;
      expect(last).toEqual({ term: first.status().term, leaderId: first.id, role: id === first.id ? 'leader' : 'follower' });
      expect(leaders.get(id)?.at(-1)).toBe(first.id);
      // consecutive events differ
      for (let i = 1; i < list.length; i++) expect(list[i]).not.toEqual(list[i - 1]);
    }
    expect(changes.get(first.id)?.map((c) => c.role)).toEqual(expect.arrayContaining(['pre-candidate', 'candidate', 'leader']));
    // Depose the leader: every node reports the new one.
    cluster.isolated.add(first.id);
    const second = await cluster.elect();
    cluster.isolated.delete(first.id);
    await cluster.run(300);
    for (const id of cluster.ids) expect(leaders.get(id)?.at(-1)).toBe(second.id);
    expect(changes.get(first.id)?.at(-1)).toEqual({ term: second.status().term, leaderId: second.id, role: 'follower' });
    // Disposed listeners hear nothing more.
    const seen: RaftNodeStateChange[] = [];
    const subscription = second.onStateChange((c) => seen.push(c));
    subscription.dispose();
    second.transferLeadership(first.id);
    await cluster.run(300);
    expect(seen).toEqual([]);
    expect(second.status().stopped).toBe(false);
  });
});

describe('RaftNode ticks', () => {
  it('makes up the ticks a pause skipped, so a frozen node sees its election timeout pass at once', async () => {
    const manual = new ManualClock(0);
    let skew = 0; // time that passed while the process was frozen: no timer fired
    const clock = { now: () => manual.now() + skew, setTimeout: manual.setTimeout.bind(manual), clearTimeout: manual.clearTimeout.bind(manual) };
    const node = new RaftNode({ id: 'a', storage: new MemoryPersistentStorage({ voters: ['a', 'b', 'c'] }), transport: { send: () => undefined }, stateMachine: new LogMachine(), clock, random: seededRandom(1), tickMs: 10 });
    await manual.advanceAsync(50); // 5 ticks: well within the election timeout (10–20 ticks)
    expect(node.status().role).toBe('follower');
    skew = 1000;
    await manual.advanceAsync(10); // one timer fires, 101 periods passed
    expect(node.status().role).toBe('pre-candidate');
    await node.stop();
  });
});
