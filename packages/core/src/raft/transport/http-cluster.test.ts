import { afterEach, describe, expect, it } from '@jest/globals';
import { ManualClock } from '../../testing/manual-clock.js';
import { seededRandom } from '../../testing/seeded-random.js';
import type { NodeId } from '../entry.js';
import { MemoryPersistentStorage } from '../node/memory-persistent-storage.js';
import { RaftNode } from '../node/raft-node.js';
import { LogMachine, text } from '../node/test-cluster.js';
import { HttpTransport } from './http-transport.js';
import { createPeerHandler } from './peer-handler.js';
import { type TestServer, startServer, turn, until } from './test-servers.js';
import { TransportFaults } from './transport-faults.js';

const token = 'cluster-token-for-the-test';

interface Member {
  readonly id: NodeId;
  readonly node: RaftNode<number>;
  readonly machine: LogMachine;
  readonly transport: HttpTransport;
  readonly faults: TransportFaults;
  readonly server: TestServer;
}

/**
 * Three RaftNodes on real loopback sockets. Raft time is a ManualClock: the test advances it one
 * tick at a time, and only while the network is quiet (no request in flight or queued), so
 * messages take no Raft time and the run does not depend on how fast the machine is.
 */
class HttpCluster {
  readonly clock = new ManualClock(0);
  readonly members = new Map<NodeId, Member>();

  static async start(ids: readonly NodeId[]): Promise<HttpCluster> {
    const cluster = new HttpCluster();
    const nodes = new Map<NodeId, RaftNode<number>>();
    const servers = new Map<NodeId, TestServer>();
    const faults = new Map(ids.map((id) => [id, new TransportFaults({ random: seededRandom(id.charCodeAt(0)) })]));
    const transports = new Map<NodeId, HttpTransport>();
    for (const id of ids) {
      // Answers carry messages back (a follower's acknowledgement rides on the append's answer).
      const replies = { holdReply: (peer: NodeId, answer: (frame: Uint8Array | undefined) => void) => transports.get(id)?.holdReply(peer, answer) };
      const handler = createPeerHandler({ token, receive: (m) => nodes.get(id)?.receive(m), faults: faults.get(id), replies });
      servers.set(id, await startServer(handler));
    }
    const peers = Object.fromEntries(ids.map((id) => [id, (servers.get(id) as TestServer).url]));
    ids.forEach((id, i) => {
      const transport = new HttpTransport({ id, peers, token, faults: faults.get(id) });
      transport.setReceiver((m) => nodes.get(id)?.receive(m));
      transports.set(id, transport);
      const machine = new LogMachine();
      const node = new RaftNode<number>({
        id,
        storage: new MemoryPersistentStorage({ voters: ids }),
        transport,
        stateMachine: machine,
        clock: cluster.clock,
        random: seededRandom(100 + i),
        tickMs: 10,
      });
      nodes.set(id, node);
      cluster.members.set(id, { id, node, machine, transport, faults: faults.get(id) as TransportFaults, server: servers.get(id) as TestServer });
    });
    return cluster;
  }

  quiet(): boolean {
    return [...this.members.values()].every((m) => m.transport.peerStates().every((p) => p.inflight === 0 && p.queuedBytes === 0));
  }

  /** Runs Raft time tick by tick (network quiet before each) until `condition` holds. */
  async runUntil(condition: () => boolean, what: string, maxTicks = 2000): Promise<void> {
    for (let tick = 0; tick < maxTicks; tick++) {
      await turn();
      await until(() => this.quiet(), 'a quiet network');
      if (condition()) return;
      await this.clock.advanceAsync(10);
    }
    throw new Error(`no ${what} within ${maxTicks} ticks`);
  }

  leaders(): Member[] {
    return [...this.members.values()].filter((m) => m.node.status().role === 'leader');
  }

  async stop(): Promise<void> {
    for (const m of this.members.values()) {
      await m.node.stop();
      await m.transport.close();
      await m.server.close();
    }
  }
}

describe('RaftNode cluster over HttpTransport', () => {
  let cluster: HttpCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  it('elects a leader, replicates writes to every node, and elects another when the leader is partitioned', async () => {
    cluster = await HttpCluster.start(['a', 'b', 'c']);
    const c = cluster;
    await c.runUntil(() => c.leaders().length === 1, 'leader');
    const first = c.leaders()[0] as Member;
    let result: number | undefined;
    void first.node.propose(text('x=1')).then((r) => (result = r), () => undefined);
    await c.runUntil(() => result !== undefined && [...c.members.values()].every((m) => m.machine.applied.length === 1), 'replication');
    expect(result).toBe(1);
    for (const m of c.members.values()) expect(m.machine.applied).toEqual(['x=1']);
    // The followers' acknowledgements came back in the answers to the leader's requests.
    expect(first.transport.peerStates().every((p) => p.received > 0)).toBe(true);

    // Cut the leader off: its rule drops what it sends to, and what it gets from, the others.
    const firstTerm = first.node.status().term;
    const others = [...c.members.keys()].filter((id) => id !== first.id);
    first.faults.set({ partitioned: others });
    await c.runUntil(() => c.leaders().some((m) => m.id !== first.id) && first.node.status().role !== 'leader', 'new leader');
    const second = c.leaders().find((m) => m.id !== first.id) as Member;
    expect(second.node.status().term).toBeGreaterThan(firstTerm);
    let secondResult: number | undefined;
    void second.node.propose(text('y=2')).then((r) => (secondResult = r), () => undefined);
    await c.runUntil(() => secondResult !== undefined, 'a write under the new leader');
    expect(first.machine.applied).toEqual(['x=1']);

    // Heal: the old leader catches up as a follower.
    first.faults.clear();
    await c.runUntil(() => first.machine.applied.length === 2, 'the old leader to catch up');
    for (const m of c.members.values()) expect(m.machine.applied).toEqual(['x=1', 'y=2']);
    expect(first.faults.describe().dropped.outbound).toBeGreaterThan(0);
    expect(c.leaders()).toHaveLength(1);
    const states = first.transport.peerStates();
    expect(states.every((p) => p.breaker === 'closed' && p.sent > 0)).toBe(true);
  });
});
