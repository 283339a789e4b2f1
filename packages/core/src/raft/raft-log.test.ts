import fc from 'fast-check';
import { MemoryStorage } from './memory-storage.js';
import { RaftLog } from './raft-log.js';
import { entriesOfTerms, entry } from './test-fixtures.js';

/** A log whose first `stable` entries are in storage and the rest unstable. */
function logOf(terms: readonly number[], stable = terms.length): RaftLog {
  const storage = new MemoryStorage({ voters: ['a'] });
  storage.append(entriesOfTerms(terms.slice(0, stable)));
  const log = new RaftLog(storage, 0);
  if (stable < terms.length) log.append(entriesOfTerms(terms.slice(stable), stable + 1));
  return log;
}

describe('RaftLog', () => {
  it('reads terms and entries across storage and the unstable tail', () => {
    const log = logOf([1, 1, 2, 3], 2);
    expect(log.lastIndex()).toBe(4);
    expect(log.lastTerm()).toBe(3);
    expect([0, 1, 2, 3, 4, 5].map((i) => log.term(i))).toEqual([0, 1, 1, 2, 3, undefined]);
    expect(log.entriesFrom(1).map((e) => e.term)).toEqual([1, 1, 2, 3]);
    expect(log.slice(2, 4).map((e) => e.index)).toEqual([2, 3]);
    expect(log.unstableEntries().map((e) => e.index)).toEqual([3, 4]);
    // A slice that starts past the first unstable entry (pipelined appends before persisting).
    expect(log.slice(4, 5).map((e) => e.index)).toEqual([4]);
    expect(log.entriesFrom(4).map((e) => e.index)).toEqual([4]);
  });

  it('reads across a restored snapshot and refuses compacted slices', () => {
    const log = logOf([1, 1, 1]);
    log.restore({ metadata: { index: 5, term: 2, confState: { voters: ['a'] } }, data: new Uint8Array(0) });
    expect([log.firstIndex(), log.lastIndex(), log.committed, log.term(5), log.term(4)]).toEqual([6, 5, 5, 2, undefined]);
    expect(log.hasNextCommittedEntries()).toBe(false); // the snapshot goes first
    log.append(entriesOfTerms([2], 6));
    expect(log.entriesFrom(6).map((e) => e.index)).toEqual([6]);
    expect(() => log.slice(3, 6)).toThrow(/index 3 is compacted/);
    log.stableSnapshotTo(5);
    expect(log.unstableSnapshot()).toBeUndefined();
  });

  it('limits slices by count and by bytes, always returning one entry', () => {
    const log = logOf([1, 1, 1, 1, 1], 3); // each command "i/1" is 3 bytes
    expect(log.entriesFrom(1, Infinity, 2).map((e) => e.index)).toEqual([1, 2]);
    expect(log.entriesFrom(1, 7).map((e) => e.index)).toEqual([1, 2]);
    expect(log.entriesFrom(2, 9).map((e) => e.index)).toEqual([2, 3, 4]);
    expect(log.entriesFrom(4, 1).map((e) => e.index)).toEqual([4]);
    expect(log.entriesFrom(6)).toEqual([]);
  });

  // Raft §5.4.1: the later last term wins; with equal last terms, the longer log.
  it.each([
    { lastIndex: 3, lastTerm: 3, expected: true },
    { lastIndex: 1, lastTerm: 3, expected: true },
    { lastIndex: 3, lastTerm: 2, expected: true },
    { lastIndex: 2, lastTerm: 2, expected: false },
    { lastIndex: 9, lastTerm: 1, expected: false },
  ])('isUpToDate($lastIndex, $lastTerm) against [1, 2, 2] is $expected (Raft §5.4.1)', ({ lastIndex, lastTerm, expected }) => {
    expect(logOf([1, 2, 2]).isUpToDate(lastIndex, lastTerm)).toBe(expected);
  });

  it.each([
    { entries: [], expected: 0 },
    { entries: [entry(1, 1), entry(2, 2)], expected: 0 },
    { entries: [entry(2, 2), entry(3, 3)], expected: 0 },
    { entries: [entry(3, 3), entry(4, 4)], expected: 4 },
    { entries: [entry(2, 1), entry(3, 1)], expected: 2 },
    { entries: [entry(1, 4)], expected: 1 },
  ])('findConflict finds the first entry it does not hold ($expected)', ({ entries, expected }) => {
    expect(logOf([1, 2, 3]).findConflict(entries)).toBe(expected);
  });

  it.each([
    // log terms [1, 1, 2, 2, 5, 5]
    { index: 6, term: 5, expected: { index: 6, term: 5 } },
    { index: 6, term: 4, expected: { index: 4, term: 2 } },
    { index: 6, term: 2, expected: { index: 4, term: 2 } },
    { index: 6, term: 1, expected: { index: 2, term: 1 } },
    { index: 6, term: 0, expected: { index: 0, term: 0 } },
    { index: 3, term: 9, expected: { index: 3, term: 2 } },
    { index: 8, term: 5, expected: { index: 8, term: 0 } },
  ])('findConflictByTerm($index, $term) skips whole terms', ({ index, term, expected }) => {
    expect(logOf([1, 1, 2, 2, 5, 5], 3).findConflictByTerm(index, term)).toEqual(expected);
  });

  it('findConflictByTerm agrees with a naive scan', () => {
    const terms = fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 12 }).map((steps) => {
      let term = 0;
      return steps.map((step) => (term += step % 3 === 0 ? 1 : 0) + 1); // non-decreasing terms
    });
    fc.assert(
      fc.property(terms, fc.nat(14), fc.nat(6), fc.nat(12), (logTerms, index, term, stable) => {
        const log = logOf(logTerms, Math.min(stable, logTerms.length));
        const all = [0, ...logTerms];
        let expected = { index, term: 0 };
        if (index < all.length) {
          let i = index;
          while (i > 0 && (all[i] as number) > term) i--;
          expected = { index: i, term: all[i] as number };
        }
        expect(log.findConflictByTerm(index, term)).toEqual(expected);
      }),
    );
  });

  describe('maybeAppend (Raft §5.3, AppendEntries receiver)', () => {
    it('refuses when the log does not hold prevLogIndex with prevLogTerm (step 2)', () => {
      const log = logOf([1, 2, 3]);
      expect(log.maybeAppend(3, 2, 3, [entry(4, 4)])).toBeUndefined();
      expect(log.maybeAppend(4, 3, 3, [])).toBeUndefined();
      expect(log.lastIndex()).toBe(3);
      expect(log.committed).toBe(0);
    });

    it('truncates a conflicting suffix and appends the new entries (steps 3–4)', () => {
      const log = logOf([1, 2, 3, 3]);
      expect(log.maybeAppend(2, 2, 0, [entry(3, 4), entry(4, 4), entry(5, 4)])).toBe(5);
      expect(log.entriesFrom(1).map((e) => e.term)).toEqual([1, 2, 4, 4, 4]);
    });

    it('keeps entries it already holds and anything after them', () => {
      const log = logOf([1, 2, 3, 3]);
      expect(log.maybeAppend(1, 1, 0, [entry(2, 2)])).toBe(2);
      expect(log.lastIndex()).toBe(4);
    });

    it('commits min(leaderCommit, index of last new entry) (step 5)', () => {
      const log = logOf([1, 1, 1, 1]);
      expect(log.maybeAppend(1, 1, 9, [entry(2, 1)])).toBe(2);
      expect(log.committed).toBe(2);
      expect(log.maybeAppend(4, 1, 3, [])).toBe(4);
      expect(log.committed).toBe(3);
      expect(log.maybeAppend(0, 0, 1, [])).toBe(0);
      expect(log.committed).toBe(3); // never back
    });

    it('throws rather than overwrite a committed entry', () => {
      const log = logOf([1, 1, 1]);
      log.commitTo(2);
      expect(() => log.maybeAppend(1, 1, 2, [entry(2, 2)])).toThrow(/conflicts with the committed prefix/);
      expect(() => log.append([entry(2, 2)])).toThrow(/overwrite committed/);
    });
  });

  it('maybeCommit commits only an entry of the given term (Raft §5.4.2)', () => {
    const log = logOf([1, 1, 2]);
    expect(log.maybeCommit(2, 2)).toBe(false);
    expect(log.committed).toBe(0);
    expect(log.maybeCommit(3, 2)).toBe(true);
    expect(log.committed).toBe(3);
    expect(log.maybeCommit(2, 1)).toBe(false);
  });

  it('commitTo refuses an index past the end; appliedTo stays within [applied, committed]', () => {
    const log = logOf([1, 1]);
    expect(() => log.commitTo(3)).toThrow(/past the last index/);
    log.commitTo(2);
    expect(log.nextCommittedEntries().map((e) => e.index)).toEqual([1, 2]);
    expect(log.nextCommittedEntries(1).map((e) => e.index)).toEqual([1]);
    log.appliedTo(1);
    expect(log.hasNextCommittedEntries()).toBe(true);
    expect(() => log.appliedTo(3)).toThrow(/outside/);
    expect(() => log.appliedTo(0)).toThrow(/outside/);
    log.appliedTo(2);
    expect(log.hasNextCommittedEntries()).toBe(false);
  });

  describe('the unstable tail', () => {
    it('stableTo moves persisted entries out; entries overwritten since are kept', () => {
      const log = logOf([1], 1);
      log.append([entry(2, 1), entry(3, 1)]);
      log.stableTo(3, 2); // wrong term: ignored
      expect(log.unstableEntries()).toHaveLength(2);
      log.append([entry(3, 2)]); // overwritten after a Ready handed out 2..3 of term 1
      log.stableTo(3, 1);
      expect(log.unstableEntries().map((e) => e.term)).toEqual([1, 2]);
      log.stableTo(2, 1);
      expect(log.unstableEntries().map((e) => `${e.index}/${e.term}`)).toEqual(['3/2']);
    });

    it('an append before the unstable offset replaces stored entries in reads', () => {
      const log = logOf([1, 1, 1, 1]);
      log.append([entry(3, 2)]);
      expect(log.lastIndex()).toBe(3);
      expect(log.term(4)).toBeUndefined();
      expect(log.entriesFrom(1).map((e) => e.term)).toEqual([1, 1, 2]);
      log.append([entry(2, 3), entry(3, 3)]);
      expect(log.entriesFrom(1).map((e) => e.term)).toEqual([1, 3, 3]);
    });
  });
});
