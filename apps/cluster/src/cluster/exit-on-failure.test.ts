import { MemoryPersistentStorage, NodeStoppedError, RaftNode } from '@bulwark/core';
import type { NodeStoppedError as Reason } from '@bulwark/core';
import { ManualClock, seededRandom } from '@bulwark/core/testing';
import { NODE_FAILURE_EXIT_CODE, exitOnNodeFailure } from './exit-on-failure.js';

describe('exitOnNodeFailure', () => {
  it('logs the cause and exits 1 when the Raft node stops because its storage failed', async () => {
    const clock = new ManualClock(0);
    const storage = new MemoryPersistentStorage({ voters: ['a'] });
    storage.save = async () => {
      throw new Error('fsync failed: EIO');
    };
    const node = new RaftNode({ id: 'a', storage, transport: { send: () => undefined }, stateMachine: { apply: () => undefined, snapshot: () => new Uint8Array(0), restore: () => undefined }, clock, random: seededRandom(1) });
    const lines: string[] = [];
    const exits: number[] = [];
    exitOnNodeFailure(node, { log: (line) => lines.push(line), exit: (code) => exits.push(code) });
    node.campaign(); // its vote must be saved: the save fails
    for (let i = 0; i < 10 && !node.status().stopped; i++) await clock.advanceAsync(1);
    expect(node.status().stopped).toBe(true);
    expect(exits).toEqual([NODE_FAILURE_EXIT_CODE]);
    expect(NODE_FAILURE_EXIT_CODE).toBe(1);
    expect(lines).toEqual([expect.stringMatching(/^a: the Raft node stopped after a failure \(fsync failed: EIO\); exiting with code 1/)]);
  });

  it('ignores a stop on request, and stops watching once disposed', async () => {
    const listeners: Array<(reason: Reason) => void> = [];
    const node = { id: 'b', onStop: (listener: (reason: Reason) => void) => (listeners.push(listener), { dispose: () => listeners.splice(listeners.indexOf(listener), 1) }) };
    const exits: number[] = [];
    const watch = exitOnNodeFailure(node, { log: () => undefined, exit: (code) => exits.push(code) });
    for (const listener of [...listeners]) listener(new NodeStoppedError());
    expect(exits).toEqual([]);
    for (const listener of [...listeners]) listener(new NodeStoppedError('disk full'));
    expect(exits).toEqual([1]);
    watch.dispose();
    expect(listeners).toHaveLength(0);
  });
});
