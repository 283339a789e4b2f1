// examples/raft.ts
import { type Message, MemoryStorage, Raft, decodeConfChange } from '@bulwark/core';
import { seededRandom } from '@bulwark/core/testing';

const text = new TextEncoder();
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

interface Node {
  readonly raft: Raft;
  readonly storage: MemoryStorage;
  applied: string[]; // the state machine
  readonly reads: string[];
}

/** In-memory nodes, and a loop that handles every Ready in the order the contract asks. */
export function raftCluster(voters: readonly string[]) {
  const nodes = new Map<string, Node>();
  const inFlight: Message[] = [];
  const start = (id: string): Node => {
    const storage = new MemoryStorage({ voters }); // a newcomer starts from the same membership
    const node = { raft: new Raft({ id, storage, random: seededRandom(nodes.size) }), storage, applied: [], reads: [] };
    nodes.set(id, node);
    return node;
  };
  voters.forEach(start);
  const settle = (): void => {
    do {
      const message = inFlight.shift();
      if (message !== undefined) nodes.get(message.to)?.raft.step(message);
      if (message?.type === 'snapshot') nodes.get(message.from)?.raft.reportSnapshot(message.to, 'finish');
      for (const node of nodes.values()) {
        while (node.raft.hasReady()) {
          const ready = node.raft.ready();
          if (ready.snapshot) node.storage.applySnapshot(ready.snapshot); // 1. persist
          node.storage.append(ready.entriesToPersist);
          if (ready.hardState) node.storage.setHardState(ready.hardState);
          inFlight.push(...ready.messages); // 2. only then send
          if (ready.snapshot) node.applied = JSON.parse(decode(ready.snapshot.data)) as string[]; // 3. apply
          for (const entry of ready.committedEntries) {
            if (entry.type === 'conf-change') {
              node.storage.setConfState(node.raft.applyConfChange(decodeConfChange(entry.data)));
            } else if (entry.data.length > 0) node.applied.push(decode(entry.data));
          }
          // Serve a read once the state machine has applied its index (here, at once).
          for (const read of ready.readStates) node.reads.push(`${decode(read.context)}@${read.index}`);
          node.raft.advance(); // 4. acknowledge
        }
      }
    } while (inFlight.length > 0);
  };
  return { nodes, start, settle };
}

/** Elect a, write, add d as a learner then promote it, read at d, hand leadership to d. */
export function tour(): Map<string, Node> {
  const { nodes, start, settle } = raftCluster(['a', 'b', 'c']);
  const a = nodes.get('a')?.raft as Raft;
  a.campaign();
  settle();
  a.propose(text.encode('x=1'));
  const d = start('d');
  a.proposeConfChange({ changes: [{ type: 'add-learner', node: 'd' }] });
  settle();
  a.proposeConfChange({ changes: [{ type: 'promote', node: 'd' }] });
  settle();
  d.raft.readIndex(text.encode('read-1'));
  settle();
  a.transferLeadership('d');
  settle();
  return nodes;
}
