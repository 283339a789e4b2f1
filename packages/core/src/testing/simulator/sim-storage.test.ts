import type { Entry } from '../../raft/entry.js';
import { SimRandom } from './sim-random.js';
import { SimStorage } from './sim-storage.js';

const entry = (index: number, term = 1): Entry => ({ index, term, type: 'normal', data: new TextEncoder().encode(`e${index}`) });
const voters = ['a', 'b', 'c'];

describe('SimStorage', () => {
  it('shows writes to Raft at once and makes them durable on sync()', () => {
    const disk = new SimStorage({ voters });
    disk.write(undefined, [entry(1), entry(2)], { term: 1, vote: 'a', commit: 0 });
    expect(disk.live.lastIndex()).toBe(2);
    expect(disk.dirty).toBe(true);
    expect(disk.durableLastIndex()).toBe(0);
    disk.sync();
    expect(disk.dirty).toBe(false);
    expect(disk.durableLastIndex()).toBe(2);
    expect(disk.durableEntry(2)).toEqual(entry(2));
    expect(disk.durableEntry(3)).toBeUndefined();
    expect(disk.durableHardState()).toEqual({ term: 1, vote: 'a', commit: 0 });
    expect(disk.counts).toEqual({ writes: 3, lost: 0 });
  });

  it('keeps a prefix of the unsynced writes at a crash, in order: never a hard state without the entries before it', () => {
    const kept = new Set<number>();
    for (let seed = 1; seed <= 200; seed++) {
      const disk = new SimStorage({ voters });
      disk.write(undefined, [entry(1)], { term: 1, vote: undefined, commit: 0 });
      disk.sync();
      disk.write(undefined, [entry(2), entry(3), entry(4)], { term: 2, vote: 'b', commit: 1 });
      const lost = disk.crash(new SimRandom(seed));
      const last = disk.durableLastIndex();
      const hs = disk.durableHardState();
      kept.add(4 - lost);
      expect(last).toBe(Math.min(4, 1 + (4 - lost)));
      if (hs.term === 2) expect(last).toBe(4);
      const restarted = disk.recover();
      expect(restarted.lastIndex()).toBe(last);
      expect(restarted.initialState().hardState).toEqual(hs);
      expect(disk.live).toBe(restarted);
    }
    expect([...kept].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('replaces the durable log from a rewritten index on', () => {
    const disk = new SimStorage({ voters });
    disk.write(undefined, [entry(1), entry(2), entry(3)], undefined);
    disk.sync();
    disk.write(undefined, [entry(2, 2)], undefined);
    disk.sync();
    expect(disk.durableLastIndex()).toBe(2);
    expect(disk.durableEntry(2)).toEqual(entry(2, 2));
  });

  it('restarts from a compaction’s snapshot with the membership the snapshot holds, not the newest one saved', () => {
    const disk = new SimStorage({ voters });
    disk.write(undefined, [entry(1), entry(2), entry(3)], { term: 1, vote: undefined, commit: 3 });
    disk.sync();
    disk.saveConfState({ voters: ['a', 'b', 'c', 'd'] });
    disk.compact(2, { voters: ['a', 'b', 'd'] }, new Uint8Array([7]));
    disk.saveConfState({ voters: ['a', 'b'] });
    expect(disk.live.firstIndex()).toBe(3);
    expect(disk.durableEntry(1)).toBe('snapshot');
    expect(disk.durableSnapshot().data).toEqual(new Uint8Array([7]));
    const restarted = disk.recover();
    expect(restarted.initialState().confState.voters).toEqual(['a', 'b', 'd']);
    expect(restarted.firstIndex()).toBe(3);
    expect(restarted.lastIndex()).toBe(3);
  });

  it('persists a snapshot from the leader before the entries of its Ready', () => {
    const disk = new SimStorage({ voters });
    const snapshot = { metadata: { index: 5, term: 2, confState: { voters } }, data: new Uint8Array([1]) };
    disk.write(snapshot, [entry(6, 2)], { term: 2, vote: undefined, commit: 5 });
    expect(disk.live.firstIndex()).toBe(6);
    expect(disk.durableSnapshot().metadata.index).toBe(0);
    disk.crash(new SimRandom(3)); // keeps some prefix: the snapshot first, then the entry, then the hard state
    const after = disk.recover();
    if (after.snapshot().metadata.index === 5) expect(after.firstIndex()).toBe(6);
    else expect(after.lastIndex()).toBe(0);
  });

  it('with forget-vote (a planted bug), a restart reads the hard state without its vote', () => {
    const disk = new SimStorage({ voters, bug: 'forget-vote' });
    disk.write(undefined, [], { term: 3, vote: 'c', commit: 0 });
    disk.sync();
    expect(disk.recover().initialState().hardState).toEqual({ term: 3, vote: undefined, commit: 0 });
    expect(disk.durableHardState().vote).toBe('c');
  });

  it('with lying-fsync (a planted bug), a sync makes the previous sync’s writes durable, not its own', () => {
    const disk = new SimStorage({ voters, bug: 'lying-fsync' });
    disk.write(undefined, [entry(1)], undefined);
    disk.sync();
    expect(disk.durableLastIndex()).toBe(0);
    disk.write(undefined, [entry(2)], undefined);
    disk.sync();
    expect(disk.durableLastIndex()).toBe(1);
    expect(disk.crash(new SimRandom(1)) + disk.durableLastIndex()).toBe(2);
  });
});
