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
