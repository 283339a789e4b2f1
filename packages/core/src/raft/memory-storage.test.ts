import { LogCompactedError, isLogCompactedError } from './errors/log-compacted-error.js';
import { MemoryStorage } from './memory-storage.js';
import { entriesOfTerms, entry } from './test-fixtures.js';

describe('MemoryStorage', () => {
  it('starts empty: first index 1, last index 0, term 0 at index 0, no vote', () => {
    const storage = new MemoryStorage({ voters: ['a', 'b'] });
    expect(storage.firstIndex()).toBe(1);
    expect(storage.lastIndex()).toBe(0);
    expect(storage.term(0)).toBe(0);
    expect(storage.initialState()).toEqual({
      hardState: { term: 0, vote: undefined, commit: 0 },
      confState: { voters: ['a', 'b'] },
    });
  });

  it('appends, replaces a conflicting suffix and returns slices limited by bytes', () => {
    const storage = new MemoryStorage({ voters: ['a'] });
    storage.append(entriesOfTerms([1, 1, 1]));
    storage.append([entry(2, 2), entry(3, 2)]);
    expect(storage.lastIndex()).toBe(3);
    expect(storage.entries(1, 4).map((e) => e.term)).toEqual([1, 2, 2]);
    expect(storage.entries(1, 4, 3).map((e) => e.index)).toEqual([1]);
    expect(storage.entries(1, 4, 0).map((e) => e.index)).toEqual([1]);
    expect(storage.entries(2, 2)).toEqual([]);
    storage.append([]);
    expect(storage.lastIndex()).toBe(3);
  });

  it('keeps the hard state it is given', () => {
    const storage = new MemoryStorage({ voters: ['a'] });
    storage.setHardState({ term: 3, vote: 'a', commit: 0 });
    expect(storage.initialState().hardState).toEqual({ term: 3, vote: 'a', commit: 0 });
  });

  it('refuses gaps, non-contiguous entries and reads out of range', () => {
    const storage = new MemoryStorage({ voters: ['a'] });
    expect(() => storage.append([entry(2, 1)])).toThrow(/gap/);
    expect(() => storage.append([entry(1, 1), entry(3, 1)])).toThrow(/contiguous/);
    storage.append([entry(1, 1)]);
    expect(() => storage.term(2)).toThrow(RangeError);
    expect(() => storage.entries(0, 1)).toThrow(LogCompactedError);
    expect(() => storage.entries(1, 3)).toThrow(RangeError);
  });

  it('takes initial learners, distinct from the voters', () => {
    expect(new MemoryStorage({ voters: ['a'], learners: ['l'] }).initialState().confState).toEqual({ voters: ['a'], learners: ['l'] });
    expect(() => new MemoryStorage({ voters: ['a'], learners: ['a'] })).toThrow(/both options.voters and options.learners/);
    expect(() => new MemoryStorage({ voters: ['a'], learners: [''] })).toThrow(/options.learners must be an array/);
  });

  it('needs distinct, non-empty voter ids', () => {
    expect(() => new MemoryStorage({ voters: ['a', 'a'] })).toThrow(/options.voters/);
    expect(() => new MemoryStorage({ voters: [''] })).toThrow(TypeError);
    expect(() => new MemoryStorage({} as never)).toThrow(TypeError);
  });

  describe('snapshots and compaction', () => {
    const conf = { voters: ['a', 'b'] };
    const data = new TextEncoder().encode('state');

    function withLog(terms: number[]): MemoryStorage {
      const storage = new MemoryStorage(conf);
      storage.append(entriesOfTerms(terms));
      return storage;
    }

    it('holds an empty snapshot at index 0 until one is created', () => {
      expect(new MemoryStorage(conf).snapshot()).toEqual({ metadata: { index: 0, term: 0, confState: conf }, data: new Uint8Array(0) });
    });

    it('createSnapshot records the index, its term and the membership; compact then drops the entries up to it', () => {
      const storage = withLog([1, 1, 2, 2, 3]);
      const snapshot = storage.createSnapshot(3, { voters: ['a', 'b', 'c'] }, data);
      expect(snapshot.metadata).toEqual({ index: 3, term: 2, confState: { voters: ['a', 'b', 'c'] } });
      expect(storage.snapshot()).toBe(snapshot);
      expect(storage.firstIndex()).toBe(1); // creating does not compact
      storage.compact(3);
      expect([storage.firstIndex(), storage.lastIndex(), storage.term(3), storage.term(5)]).toEqual([4, 5, 2, 3]);
      expect(storage.entries(4, 6).map((e) => e.index)).toEqual([4, 5]);
      expect(() => storage.term(2)).toThrow(LogCompactedError);
      expect(() => storage.entries(3, 4)).toThrow(LogCompactedError);
      const error = (() => {
        try {
          storage.entries(2, 4);
        } catch (caught) {
          return caught;
        }
      })();
      expect(isLogCompactedError(error) && [error.index, error.firstIndex]).toEqual([2, 4]);
    });

    it('compact refuses an index already compacted, past the end, or past the snapshot', () => {
      const storage = withLog([1, 1, 1, 1]);
      storage.createSnapshot(2, conf, data);
      expect(() => storage.compact(3)).toThrow(/past the snapshot at 2; createSnapshot first/);
      expect(() => storage.compact(9)).toThrow(/past the last index 4/);
      storage.compact(2);
      expect(() => storage.compact(2)).toThrow(LogCompactedError);
      expect(() => storage.compact(1)).toThrow(LogCompactedError);
    });

    it('createSnapshot refuses an index not after the current snapshot, or past the end', () => {
      const storage = withLog([1, 1, 1]);
      storage.createSnapshot(2, conf, data);
      expect(() => storage.createSnapshot(2, conf, data)).toThrow(/not after the snapshot at 2/);
      expect(() => storage.createSnapshot(1, conf, data)).toThrow(RangeError);
      expect(() => storage.createSnapshot(4, conf, data)).toThrow(/past the last index 3/);
    });

    it('applySnapshot replaces the whole log and the membership, keeping appends after it', () => {
      const storage = withLog([1, 1, 1]);
      const snapshot = { metadata: { index: 10, term: 4, confState: { voters: ['a', 'b', 'c'] } }, data };
      storage.applySnapshot(snapshot);
      expect([storage.firstIndex(), storage.lastIndex(), storage.term(10)]).toEqual([11, 10, 4]);
      expect(storage.initialState().confState).toEqual({ voters: ['a', 'b', 'c'] });
      expect(storage.snapshot()).toBe(snapshot);
      storage.append(entriesOfTerms([4, 5], 10)); // index 10 is covered by the snapshot and skipped
      expect(storage.entries(11, 12).map((e) => `${e.index}/${e.term}`)).toEqual(['11/5']);
      expect(() => storage.applySnapshot(snapshot)).toThrow(/not newer than the snapshot at 10/);
    });

    it('setConfState changes the membership a restart reads', () => {
      const storage = new MemoryStorage(conf);
      storage.setConfState({ voters: ['a'] });
      expect(storage.initialState().confState).toEqual({ voters: ['a'] });
    });
  });
});
