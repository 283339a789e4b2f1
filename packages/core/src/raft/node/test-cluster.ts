// Test-only (not exported): RaftNodes on a ManualClock, joined by an in-memory transport.
import { ManualClock } from '../../testing/manual-clock.js';
import { seededRandom } from '../../testing/seeded-random.js';
import type { NodeId } from '../entry.js';
import type { Message } from '../messages.js';
import { MemoryPersistentStorage } from './memory-persistent-storage.js';
import { RaftNode, type RaftNodeOptions } from './raft-node.js';
import type { StateMachine } from './state-machine.js';

/** A state machine that records commands as text and returns the count applied so far. */
export class LogMachine implements StateMachine<number> {
  applied: string[] = [];
  apply(command: Uint8Array): number {
    this.applied.push(new TextDecoder().decode(command));
    return this.applied.length;
  }
  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(this.applied));
  }
  restore(data: Uint8Array): void {
    this.applied = JSON.parse(new TextDecoder().decode(data)) as string[];
  }
}

export const text = (value: string): Uint8Array => new TextEncoder().encode(value);

export class TestCluster {
  readonly clock = new ManualClock(0);
  readonly nodes = new Map<NodeId, RaftNode<number>>();
  readonly machines = new Map<NodeId, LogMachine>();
  readonly storages = new Map<NodeId, MemoryPersistentStorage>();
  /** Nodes cut off from everyone. */
  readonly isolated = new Set<NodeId>();
  /** Called with every batch a node hands its transport, before delivery. */
  onSend: ((from: NodeId, messages: readonly Message[]) => void) | undefined;
  private seed: number;

  constructor(
    readonly ids: readonly NodeId[],
    readonly options: { seed?: number; snapshotEvery?: number; commitHoldMs?: number; raft?: RaftNodeOptions<number>['raft'] } = {},
  ) {
    this.seed = options.seed ?? 1;
    for (const id of ids) {
      this.storages.set(id, new MemoryPersistentStorage({ voters: ids }));
      this.start(id);
    }
  }

  start(id: NodeId): RaftNode<number> {
    const machine = new LogMachine();
    const node = new RaftNode<number>({
      id,
      storage: this.storages.get(id) as MemoryPersistentStorage,
      transport: {
        send: (messages) => {
          this.onSend?.(id, messages);
          this.deliver(id, messages);
        },
      },
      stateMachine: machine,
      clock: this.clock,
      random: seededRandom(this.seed++),
      tickMs: 10,
      snapshotEvery: this.options.snapshotEvery,
      commitHoldMs: this.options.commitHoldMs,
      raft: this.options.raft,
    });
    this.nodes.set(id, node);
    this.machines.set(id, machine);
    return node;
  }

  node(id: NodeId): RaftNode<number> {
    return this.nodes.get(id) as RaftNode<number>;
  }

  /** Advances virtual time, letting promise callbacks settle after each timer. */
  async run(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 10) await this.clock.advanceAsync(10);
  }

  leader(): RaftNode<number> | undefined {
    return [...this.nodes.values()].find((n) => !n.status().stopped && n.status().role === 'leader' && !this.isolated.has(n.id));
  }

  async elect(): Promise<RaftNode<number>> {
    for (let i = 0; i < 100 && this.leader() === undefined; i++) await this.run(50);
    const leader = this.leader();
    if (leader === undefined) throw new Error('no leader elected');
    return leader;
  }

  followers(): RaftNode<number>[] {
    const leader = this.leader();
    return [...this.nodes.values()].filter((n) => n !== leader);
  }

  private deliver(from: NodeId, messages: readonly Message[]): void {
    for (const message of messages) {
      if (this.isolated.has(from) || this.isolated.has(message.to)) continue;
      // Delivered on a later turn, never inside the sender's Ready loop.
      this.clock.setTimeout(() => this.nodes.get(message.to)?.receive(message), 1);
    }
  }
}
