// examples/raft-node.ts
import { MemoryPersistentStorage, type Message, RaftNode, type StateMachine } from '@bulwark/core';
import { ManualClock, seededRandom } from '@bulwark/core/testing';

/** The replicated application: a map of counters; a command is the name of the counter to bump. */
class Counters implements StateMachine<number> {
  counts = new Map<string, number>();
  apply(command: Uint8Array): number {
    const name = new TextDecoder().decode(command);
    const next = (this.counts.get(name) ?? 0) + 1;
    this.counts.set(name, next);
    return next;
  }
  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify([...this.counts]));
  }
  restore(data: Uint8Array): void {
    this.counts = new Map(JSON.parse(new TextDecoder().decode(data)) as Array<[string, number]>);
  }
}

/** Three nodes in one process on a manual clock; a write at the leader, a linearizable read at a follower. */
export async function counterCluster(): Promise<{ bumped: number; readAt: string; seen: number | undefined }> {
  const clock = new ManualClock();
  const voters = ['a', 'b', 'c'];
  const nodes = new Map<string, RaftNode<number>>();
  const machines = new Map<string, Counters>();
  const transport = { send: (messages: readonly Message[]) => messages.forEach((m) => clock.setTimeout(() => nodes.get(m.to)?.receive(m), 1)) };
  voters.forEach((id, i) => {
    const stateMachine = new Counters();
    machines.set(id, stateMachine);
    const storage = new MemoryPersistentStorage({ voters });
    nodes.set(id, new RaftNode({ id, storage, transport, stateMachine, clock, random: seededRandom(i), tickMs: 10 }));
  });
  const leader = async (): Promise<RaftNode<number>> => {
    for (;;) {
      const found = [...nodes.values()].find((node) => node.status().role === 'leader');
      if (found) return found;
      await clock.advanceAsync(10);
    }
  };
  const settle = async <T>(promise: Promise<T>): Promise<T> => {
    for (let i = 0; i < 20; i++) await clock.advanceAsync(10);
    return promise;
  };
  const bumped = await settle((await leader()).propose(new TextEncoder().encode('visits')));
  const follower = [...nodes.values()].find((node) => node.status().role !== 'leader') as RaftNode<number>;
  await settle(follower.read()); // ReadIndex: the follower has applied every write committed before
  const seen = machines.get(follower.id)?.counts.get('visits');
  await Promise.all([...nodes.values()].map((node) => node.stop()));
  return { bumped, readAt: follower.id, seen };
}
