import fc from 'fast-check';
import { committedIndex, majority, voteResult } from './quorum.js';

// Naive references: brute force over every candidate answer (etcd's quorum/quick_test.go does the same).
function naiveCommitted(acked: readonly number[]): number {
  let best = 0;
  for (const candidate of [0, ...acked]) {
    const count = acked.filter((index) => index >= candidate).length;
    if (count * 2 > acked.length && candidate > best) best = candidate;
  }
  return best;
}

function naiveVote(votes: readonly (boolean | undefined)[]): 'won' | 'lost' | 'pending' {
  const n = votes.length;
  const yes = votes.filter((v) => v === true).length;
  const no = votes.filter((v) => v === false).length;
  if (yes * 2 > n) return 'won';
  if (no * 2 >= n) return 'lost';
  return 'pending';
}

describe('quorum', () => {
  it('majority is more than half', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(majority)).toEqual([1, 2, 2, 3, 3, 4, 4]);
  });

  it.each([
    { acked: [5], expected: 5 },
    { acked: [5, 3], expected: 3 },
    { acked: [5, 3, 1], expected: 3 },
    { acked: [5, 5, 1, 1], expected: 1 },
    { acked: [9, 8, 7, 1, 1], expected: 7 },
  ])('committedIndex($acked) is $expected (Raft §5.3)', ({ acked, expected }) => {
    const voters = acked.map((_, i) => `n${i}`);
    expect(committedIndex(voters, (id) => acked[Number(id.slice(1))])).toBe(expected);
  });

  it('treats unknown voters as index 0 and an empty configuration as Infinity', () => {
    expect(committedIndex(['a', 'b', 'c'], (id) => (id === 'a' ? 4 : undefined))).toBe(0);
    expect(committedIndex([], () => 1)).toBe(Infinity);
    expect(voteResult([], new Map())).toBe('won');
  });

  it('voteResult counts only voters (Raft §5.2)', () => {
    const votes = new Map([
      ['a', true],
      ['x', true],
      ['y', true],
    ]);
    expect(voteResult(['a', 'b', 'c'], votes)).toBe('pending');
    expect(voteResult(['a', 'b', 'c'], new Map([...votes, ['b', true]]))).toBe('won');
    expect(voteResult(['a', 'b', 'c'], new Map([['b', false], ['c', false]]))).toBe('lost');
    expect(voteResult(['a', 'b', 'c', 'd'], new Map([['b', false], ['c', false]]))).toBe('lost');
    expect(voteResult(['a', 'b', 'c', 'd'], new Map([['a', true], ['b', true]]))).toBe('pending');
  });

  it('committedIndex agrees with the brute-force reference', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(50), { minLength: 1, maxLength: 9 }), (acked) => {
        const voters = acked.map((_, i) => `n${i}`);
        expect(committedIndex(voters, (id) => acked[Number(id.slice(1))])).toBe(naiveCommitted(acked));
      }),
    );
  });

  it('voteResult agrees with the brute-force reference', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.boolean(), { nil: undefined }), { minLength: 1, maxLength: 9 }), (votes) => {
        const voters = votes.map((_, i) => `n${i}`);
        const map = new Map<string, boolean>();
        votes.forEach((v, i) => {
          if (v !== undefined) map.set(`n${i}`, v);
        });
        expect(voteResult(voters, map)).toBe(naiveVote(votes));
      }),
    );
  });
});
