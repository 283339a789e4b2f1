import { deferred } from '@bulwark/core/testing';
import type { Deferred } from '@bulwark/core/testing';
import { ReadBarrierBatcher } from './read-barrier-batcher.js';

function setup() {
  const rounds: Deferred<void>[] = [];
  const batcher = new ReadBarrierBatcher(() => {
    const round = deferred<void>();
    rounds.push(round);
    return round.promise;
  });
  return { batcher, rounds };
}

const settled = async <T>(promise: Promise<T>) => {
  let state = 'pending';
  promise.then(() => (state = 'resolved'), () => (state = 'rejected'));
  await new Promise((resolve) => setImmediate(resolve));
  return state;
};

describe('ReadBarrierBatcher', () => {
  it('starts a barrier for a read when none runs', async () => {
    const { batcher, rounds } = setup();
    const read = batcher.wait();
    expect(rounds).toHaveLength(1);
    rounds[0].resolve();
    await expect(read).resolves.toBeUndefined();
  });

  it('makes reads that arrive during a barrier wait for the next one, which serves them all', async () => {
    const { batcher, rounds } = setup();
    const first = batcher.wait();
    const second = batcher.wait();
    const third = batcher.wait();
    expect(rounds).toHaveLength(1); // the next round waits for the running one
    rounds[0].resolve();
    await expect(first).resolves.toBeUndefined();
    expect(await settled(second)).toBe('pending'); // not served by a round that began before it
    expect(rounds).toHaveLength(2);
    const fourth = batcher.wait(); // arrives during round 2: waits for round 3
    rounds[1].resolve();
    await expect(second).resolves.toBeUndefined();
    await expect(third).resolves.toBeUndefined();
    expect(await settled(fourth)).toBe('pending');
    rounds[2].resolve();
    await expect(fourth).resolves.toBeUndefined();
    expect(batcher.started).toBe(3);
  });

  it('rejects the reads of a failed barrier, and the next reads start afresh', async () => {
    const { batcher, rounds } = setup();
    const first = batcher.wait();
    const second = batcher.wait();
    rounds[0].reject(new Error('lost'));
    await expect(first).rejects.toThrow('lost');
    await new Promise((resolve) => setImmediate(resolve));
    rounds[1].reject(new Error('no leader'));
    await expect(second).rejects.toThrow('no leader');
    const third = batcher.wait();
    expect(rounds).toHaveLength(3);
    rounds[2].resolve();
    await expect(third).resolves.toBeUndefined();
  });
});
