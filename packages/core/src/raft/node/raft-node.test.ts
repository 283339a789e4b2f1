import { isProposalDroppedError } from '../../errors/proposal-dropped-error.js';
import { ManualClock } from '../../testing/manual-clock.js';
import { seededRandom } from '../../testing/seeded-random.js';
import { isNodeStoppedError } from './errors/node-stopped-error.js';
import { isNotLeaderError } from './errors/not-leader-error.js';
import { isRequestLostError } from './errors/request-lost-error.js';
import { MemoryPersistentStorage } from './memory-persistent-storage.js';
import { RaftNode } from './raft-node.js';
import { LogMachine, TestCluster, text } from './test-cluster.js';

describe('RaftNode', () => {
  it('elects one leader and applies proposals on every node in order', async () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    const leader = await cluster.elect();
    const results = await Promise.all(['x', 'y', 'z'].map(async (c) => leader.propose(text(c))).map(async (p) => {
      await cluster.run(100);
      return p;
    }));
    expect(results).toEqual([1, 2, 3]);
    await cluster.run(200);
    for (const machine of cluster.machines.values()) expect(machine.applied).toEqual(['x', 'y', 'z']);
    expect([...cluster.nodes.values()].filter((n) => n.status().role === 'leader')).toHaveLength(1);
  });

  it("sends a leader's appends before its own write is durable, and a follower's acknowledgement only after its write", async () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    const leader = await cluster.elect();
    await cluster.run(100);
    const [b, c] = cluster.followers();
    // Hold the leader's next write, and one follower's.
    const held: Array<() => void> = [];
    const hold = (id: string) => {
      const storage = cluster.storages.get(id) as MemoryPersistentStorage;
      const save = storage.save.bind(storage);
      storage.save = async (write) => {
        if (write.entriesToPersist.length > 0) await new Promise<void>((resolve) => held.push(resolve));
        return save(write);
      };
    };
    hold(leader.id);
    hold((c as RaftNode<number>).id);
    const seen: string[] = [];
    for (const node of cluster.nodes.values()) {
      const receive = node.receive.bind(node);
      node.receive = (message) => {
        seen.push(`${message.from}->${message.to}:${message.type}`);
        receive(message);
      };
    }
    const proposal = leader.propose(text('x'));
    let settled = false;
    void proposal.then(() => (settled = true));
    await cluster.run(50);
    // The append reached both followers while the leader's write was held; b, whose write was
    // not held, acknowledged it; c, whose write is held, did not.
    expect(seen).toContain(`${leader.id}->${(b as RaftNode<number>).id}:append`);
    expect(seen).toContain(`${leader.id}->${(c as RaftNode<number>).id}:append`);
    expect(seen).toContain(`${(b as RaftNode<number>).id}->${leader.id}:append-response`);
    expect(seen).not.toContain(`${(c as RaftNode<number>).id}->${leader.id}:append-response`);
    expect(settled).toBe(false); // the leader applies nothing before its own write is done
    for (const release of held.splice(0)) release();
    await cluster.run(100);
    await expect(proposal).resolves.toBe(1);
    expect(seen).toContain(`${(c as RaftNode<number>).id}->${leader.id}:append-response`);
    for (const machine of cluster.machines.values()) expect(machine.applied).toEqual(['x']);
  });

  it('answers a proposal before it sends the commit to the followers (a commit needs no fsync)', async () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    const leader = await cluster.elect();
    await cluster.run(100);
    const events: string[] = [];
    cluster.onSend = (from, messages) => {
      if (from !== leader.id) return;
      for (const m of messages) if (m.type === 'append') events.push(`append entries=${m.entries.length} commit=${m.commit}`);
    };
    const index = leader.status().lastIndex + 1;
    const proposal = leader.propose(text('x')).then((result) => events.push(`applied ${result}`));
    await cluster.run(100);
    await proposal;
    const sent = events.indexOf(`append entries=1 commit=${index - 1}`);
    const applied = events.indexOf('applied 1');
    const commit = events.indexOf(`append entries=0 commit=${index}`);
    expect(sent).toBeGreaterThanOrEqual(0);
    expect(applied).toBeGreaterThan(sent);
    expect(commit).toBeGreaterThan(applied); // the followers hear of the commit after the caller did
    await cluster.run(100);
    for (const machine of cluster.machines.values()) expect(machine.applied).toEqual(['x']);
  });

  it('holds a commit\'s empty appends for commitHoldMs: the next write\'s append carries the commit instead', async () => {
    const cluster = new TestCluster(['a', 'b', 'c'], { commitHoldMs: 2 });
    const leader = await cluster.elect();
    await cluster.run(100);
    const sent: string[] = [];
    cluster.onSend = (from, messages) => {
      if (from !== leader.id) return;
      for (const m of messages) if (m.type === 'append') sent.push(`${m.to} entries=${m.entries.length} commit=${m.commit}`);
    };
    const settle = async (p: Promise<unknown>): Promise<void> => {
      let done = false;
      void p.then(() => (done = true));
      for (let ms = 0; ms < 100 && !done; ms++) await cluster.clock.advanceAsync(1);
      expect(done).toBe(true);
    };
    const x = leader.status().lastIndex + 1;
    await settle(leader.propose(text('x')));
    await settle(leader.propose(text('y'))); // proposed at once: within the hold
    await cluster.run(100);
    // x's commit went out with y's append, never alone; y's, with no write after it, alone.
    for (const id of ['a', 'b', 'c'].filter((n) => n !== leader.id)) {
      expect(sent).not.toContain(`${id} entries=0 commit=${x}`);
      expect(sent).toContain(`${id} entries=1 commit=${x}`);
      expect(sent).toContain(`${id} entries=0 commit=${x + 1}`);
    }
    for (const machine of cluster.machines.values()) expect(machine.applied).toEqual(['x', 'y']);
  });

  it('with commitHoldMs 0 sends a commit at once, and checks the option', async () => {
    const cluster = new TestCluster(['a', 'b', 'c'], { commitHoldMs: 0 });
    const leader = await cluster.elect();
    await cluster.run(100);
    const sent: string[] = [];
    cluster.onSend = (from, messages) => {
      if (from === leader.id) for (const m of messages) if (m.type === 'append') sent.push(`entries=${m.entries.length} commit=${m.commit}`);
    };
    const x = leader.status().lastIndex + 1;
    let done = false;
    void leader.propose(text('x')).then(() => (done = true));
    for (let ms = 0; ms < 100 && !done; ms++) await cluster.clock.advanceAsync(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent.filter((m) => m === `entries=0 commit=${x}`)).toHaveLength(2); // one per follower, no timer needed
    const options = { id: 'z', storage: new MemoryPersistentStorage({ voters: ['z'] }), transport: { send: () => undefined }, stateMachine: new LogMachine(), clock: new ManualClock(0), random: seededRandom(1) };
    expect(() => new RaftNode({ ...options, commitHoldMs: -1 })).toThrow(/commitHoldMs/);
    expect(() => new RaftNode({ ...options, commitHoldMs: Number.NaN })).toThrow(RangeError);
  });

  it('onStop fires once: with the storage failure as cause when a write fails, without one on stop()', async () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    const leader = await cluster.elect();
    await cluster.run(100);
    const reasons = new Map<string, unknown[]>();
    for (const node of cluster.nodes.values()) {
      const seen: unknown[] = [];
      reasons.set(node.id, seen);
      node.onStop((reason) => seen.push(reason));
      node.onStop(() => {
        throw new Error('a listener that throws changes nothing');
      });
    }
    const broken = new Error('fsync failed: EIO');
    const storage = cluster.storages.get(leader.id) as MemoryPersistentStorage;
    storage.save = async () => {
      throw broken;
    };
    const outcome = leader.propose(text('x')).catch((error: unknown) => error);
    await cluster.run(50);
    expect(isNodeStoppedError(await outcome)).toBe(true);
    const [failure, ...more] = reasons.get(leader.id) as unknown[];
    expect(more).toEqual([]);
    expect(isNodeStoppedError(failure)).toBe(true);
    expect((failure as Error).cause).toBe(broken);
    expect(leader.status().stopped).toBe(true);
    await leader.stop(); // already stopped: no second event
    expect(reasons.get(leader.id)).toHaveLength(1);
    const follower = [...cluster.nodes.values()].find((n) => n.id !== leader.id) as RaftNode<number>;
    await follower.stop();
    const [stopped] = reasons.get(follower.id) as unknown[];
    expect(isNodeStoppedError(stopped)).toBe(true);
    expect((stopped as Error).cause).toBeUndefined();
    for (const node of cluster.nodes.values()) await node.stop();
  });

  it('rejects a follower proposal with NotLeaderError naming the leader', async () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    const leader = await cluster.elect();
    await cluster.run(100);
    const follower = cluster.followers()[0];
    const error = await follower.propose(text('x')).catch((e: unknown) => e);
    expect(isNotLeaderError(error) && error.leaderId).toBe(leader.id);
  });

  it('serves linearizable reads after a leader change, on followers too', async () => {
    const cluster = new TestCluster(['a', 'b', 'c'], { seed: 7 });
    const first = await cluster.elect();
    const write = first.propose(text('one'));
    await cluster.run(100);
    await write;
    cluster.isolated.add(first.id);
    const second = await cluster.elect();
    expect(second).not.toBe(first);
    const write2 = second.propose(text('two'));
    await cluster.run(100);
    await write2;
    const follower = cluster.followers().find((n) => n !== first) as RaftNode<number>;
    const read = follower.read();
    await cluster.run(100);
    const index = await read;
    expect(follower.status().appliedIndex).toBeGreaterThanOrEqual(index);
    expect(cluster.machines.get(follower.id)?.applied).toEqual(['one', 'two']);
    // The old leader cannot confirm a read: it no longer hears a quorum.
    const stale = first.read().catch((e: unknown) => e);
    await cluster.run(500);
    cluster.isolated.delete(first.id);
    await cluster.run(500);
    const outcome = await stale;
    if (typeof outcome === 'number') expect(cluster.machines.get(first.id)?.applied).toEqual(['one', 'two']);
    else expect(isRequestLostError(outcome) || isNotLeaderError(outcome)).toBe(true);
  });

  it('rejects a proposal pending when the leader loses leadership', async () => {
    const cluster = new TestCluster(['a', 'b', 'c'], { seed: 3 });
    const leader = await cluster.elect();
    await cluster.run(100);
    cluster.isolated.add(leader.id);
    const pending = leader.propose(text('lost')).catch((e: unknown) => e);
    await cluster.run(1000); // check-quorum makes the isolated leader step down
    const error = await pending;
    expect(isRequestLostError(error) && error.reason).toBe('leadership-lost');
  });

  it('rejects the proposal of a deposed leader, whose entry loses to the new leader\'s', async () => {
    const cluster = new TestCluster(['a', 'b', 'c'], { seed: 5 });
    const leader = await cluster.elect();
    await cluster.run(100);
    cluster.isolated.add(leader.id);
    const pending = leader.propose(text('lost')).catch((e: unknown) => e);
    const next = await cluster.elect();
    const kept = next.propose(text('kept'));
    await cluster.run(100);
    await kept;
    cluster.isolated.delete(leader.id);
    await cluster.run(500);
    const error = await pending;
    expect(isRequestLostError(error)).toBe(true);
    expect(cluster.machines.get(leader.id)?.applied).toEqual(['kept']);
  });

  it('stop() rejects pending work, clears its timer and refuses new work', async () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    const leader = await cluster.elect();
    await cluster.run(100);
    for (const n of cluster.followers()) await n.stop();
    const pending = leader.propose(text('x')).catch((e: unknown) => e);
    const read = leader.read().catch((e: unknown) => e);
    await cluster.run(20);
    await leader.stop();
    expect(isNodeStoppedError(await pending)).toBe(true);
    expect(isNodeStoppedError(await read)).toBe(true);
    expect(isNodeStoppedError(await leader.propose(text('y')).catch((e: unknown) => e))).toBe(true);
    expect(leader.status()).toMatchObject({ stopped: true, pendingProposals: 0, pendingReads: 0 });
    cluster.clock.runAll();
    expect(cluster.clock.pendingTimers).toBe(0);
  });

  it('restarts from its storage and catches up', async () => {
    const cluster = new TestCluster(['a', 'b', 'c'], { seed: 11 });
    const leader = await cluster.elect();
    const follower = cluster.followers()[0];
    const p1 = leader.propose(text('1'));
    await cluster.run(100);
    await p1;
    await follower.stop();
    const p2 = leader.propose(text('2'));
    await cluster.run(100);
    await p2;
    const restarted = cluster.start(follower.id);
    await cluster.run(300);
    expect(cluster.machines.get(follower.id)?.applied).toEqual(['1', '2']);
    expect(restarted.status().appliedIndex).toBe(leader.status().appliedIndex);
  });

  it('snapshots, compacts, and catches a lagging node up through InstallSnapshot', async () => {
    const cluster = new TestCluster(['a', 'b', 'c'], { seed: 13, snapshotEvery: 3 });
    const leader = await cluster.elect();
    const lagging = cluster.followers()[0];
    cluster.isolated.add(lagging.id);
    for (const c of ['1', '2', '3', '4', '5', '6']) {
      const p = leader.propose(text(c));
      await cluster.run(50);
      await p;
    }
    const storage = cluster.storages.get(leader.id) as MemoryPersistentStorage;
    expect(storage.firstIndex()).toBeGreaterThan(3);
    expect(storage.snapshot().metadata.index).toBeGreaterThan(0);
    cluster.isolated.delete(lagging.id);
    await cluster.run(500);
    expect(cluster.machines.get(lagging.id)?.applied).toEqual(['1', '2', '3', '4', '5', '6']);
    expect((cluster.storages.get(lagging.id) as MemoryPersistentStorage).snapshot().metadata.index).toBeGreaterThan(0);
    // A restart from the snapshot-backed storage restores the state machine.
    await lagging.stop();
    cluster.start(lagging.id);
    await cluster.run(200);
    expect(cluster.machines.get(lagging.id)?.applied).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('transfers leadership and changes membership', async () => {
    const cluster = new TestCluster(['a', 'b', 'c'], { seed: 17 });
    const leader = await cluster.elect();
    await cluster.run(100);
    const target = cluster.followers()[0];
    leader.transferLeadership(target.id);
    await cluster.run(300);
    expect(cluster.leader()).toBe(target);
    const added = target.addMember('d', { learner: true });
    await cluster.run(100);
    expect((await added).learners).toEqual(['d']);
    const removed = target.removeMember('d');
    await cluster.run(100);
    expect((await removed).learners).toEqual([]);
    const error = await cluster.followers()[0].addMember('e').catch((e: unknown) => e);
    expect(isNotLeaderError(error)).toBe(true);
  });

  it('hands back ProposalDroppedError for other refusals, and validates input', async () => {
    const cluster = new TestCluster(['a', 'b', 'c'], { seed: 19 });
    const leader = await cluster.elect();
    await cluster.run(100);
    leader.transferLeadership(cluster.followers()[0].id);
    const error = await leader.propose(text('x')).catch((e: unknown) => e);
    expect(isProposalDroppedError(error) && error.reason).toBe('transferring');
    await expect(leader.propose(new Uint8Array(0))).rejects.toThrow(TypeError);
  });

  const seeds = Number(process.env.RAFT_NODE_SEEDS ?? 10);
  const firstSeed = Number(process.env.RAFT_NODE_FIRST_SEED ?? 100);
  it(`applies the same commands everywhere under leader isolation (${seeds} seeds from ${firstSeed})`, async () => {
    for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
      const cluster = new TestCluster(['a', 'b', 'c'], { seed });
      try {
        const done: string[] = [];
        for (let i = 0; i < 6; i++) {
          const leader = await cluster.elect();
          const p = leader.propose(text(`c${i}`)).then(() => done.push(`c${i}`), () => undefined);
          await cluster.run(30);
          if (i % 3 === 1) cluster.isolated.add(leader.id);
          if (i % 3 === 2) cluster.isolated.clear();
          await cluster.run(200);
          await p;
        }
        cluster.isolated.clear();
        await cluster.run(1000);
        const logs = [...cluster.machines.values()].map((m) => m.applied);
        for (const log of logs) expect(log).toEqual(logs[0]);
        for (const c of done) expect(logs[0]).toContain(c);
        for (const n of cluster.nodes.values()) await n.stop();
      } catch (error) {
        throw new Error(`seed ${seed} failed (replay: RAFT_NODE_FIRST_SEED=${seed} RAFT_NODE_SEEDS=1): ${String(error)}`, { cause: error });
      }
    }
  });

  it('validates its options, naming them', () => {
    const clock = new ManualClock();
    const base = {
      id: 'a',
      storage: new MemoryPersistentStorage({ voters: ['a'] }),
      transport: { send: () => undefined },
      stateMachine: new LogMachine(),
      clock,
      random: seededRandom(1),
    };
    expect(() => new RaftNode({ ...base, id: '' })).toThrow(/options\.id/);
    expect(() => new RaftNode({ ...base, transport: undefined as never })).toThrow(/options\.transport/);
    expect(() => new RaftNode({ ...base, tickMs: 0 })).toThrow(/options\.tickMs/);
    expect(() => new RaftNode({ ...base, snapshotEvery: -1 })).toThrow(/options\.snapshotEvery/);
    expect(() => new RaftNode({ ...base, random: undefined as never })).toThrow(/options\.random/);
  });

  it('runs a single-node cluster end to end and persists before applying', async () => {
    const clock = new ManualClock();
    const storage = new MemoryPersistentStorage({ voters: ['a'] });
    const node = new RaftNode({ id: 'a', storage, transport: { send: () => undefined }, stateMachine: new LogMachine(), clock, random: seededRandom(2), tickMs: 10 });
    for (let i = 0; i < 50 && node.status().role !== 'leader'; i++) await clock.advanceAsync(10);
    const p = node.propose(text('solo'));
    await clock.advanceAsync(10);
    await expect(p).resolves.toBe(1);
    expect(storage.saves).toBeGreaterThan(0);
    expect(storage.lastIndex()).toBe(node.status().appliedIndex);
    await node.stop();
  });
});
