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
    expect(() => storage.entries(0, 1)).toThrow(RangeError);
    expect(() => storage.entries(1, 3)).toThrow(RangeError);
  });

  it('needs distinct, non-empty voter ids', () => {
    expect(() => new MemoryStorage({ voters: ['a', 'a'] })).toThrow(/options.voters/);
    expect(() => new MemoryStorage({ voters: [''] })).toThrow(TypeError);
    expect(() => new MemoryStorage({} as never)).toThrow(TypeError);
  });
});
