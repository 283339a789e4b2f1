import fc from 'fast-check';
import { committedIndex, jointCommittedIndex, jointVoteResult, majority, voteResult } from './quorum.js';

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

  describe('joint configurations (Raft thesis §4.3)', () => {
    /** The largest index held by a majority of both halves, by trying every candidate. */
    function naiveJointCommitted(incoming: string[], outgoing: string[], acked: Map<string, number>): number {
      let best = 0;
      for (const candidate of new Set([0, ...acked.values()])) {
        const holds = (half: string[]) =>
          half.length === 0 || half.filter((id) => (acked.get(id) ?? 0) >= candidate).length * 2 > half.length;
        if (holds(incoming) && holds(outgoing) && candidate > best) best = candidate;
      }
      return best;
    }

    /** Won when the granted voters are a majority of both halves; lost when one half can no longer get one. */
    function naiveJointVote(incoming: string[], outgoing: string[], votes: Map<string, boolean>): 'won' | 'lost' | 'pending' {
      const canWin = (half: string[]) => half.length === 0 || half.filter((id) => votes.get(id) !== false).length * 2 > half.length;
      const won = (half: string[]) => half.length === 0 || half.filter((id) => votes.get(id) === true).length * 2 > half.length;
      if (won(incoming) && won(outgoing)) return 'won';
      if (!canWin(incoming) || !canWin(outgoing)) return 'lost';
      return 'pending';
    }

    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const config = fc
      .tuple(fc.subarray(ids, { minLength: 1 }), fc.subarray(ids))
      .map(([incoming, outgoing]) => ({ incoming, outgoing }));

    it('commits only what a majority of each half holds', () => {
      const acked = { a: 9, b: 9, c: 1, d: 2, e: 1 } as Record<string, number>;
      expect(jointCommittedIndex(['a', 'b', 'c'], ['a', 'd', 'e'], (id) => acked[id])).toBe(2);
      expect(jointCommittedIndex(['a', 'b', 'c'], [], (id) => acked[id])).toBe(9);
      expect(jointCommittedIndex([], [], () => 5)).toBe(0);
    });

    it('needs both halves to win an election, and loses when either is lost', () => {
      const votes = new Map([
        ['a', true],
        ['b', true],
        ['d', false],
        ['e', false],
      ]);
      expect(jointVoteResult(['a', 'b', 'c'], ['a', 'b', 'c'], votes)).toBe('won');
      expect(jointVoteResult(['a', 'b', 'c'], ['a', 'd', 'e'], votes)).toBe('lost');
      expect(jointVoteResult(['a', 'b', 'c'], ['a', 'c', 'd'], votes)).toBe('pending');
    });

    it('jointCommittedIndex agrees with the brute-force reference', () => {
      fc.assert(
        fc.property(config, fc.array(fc.nat(20), { minLength: ids.length, maxLength: ids.length }), ({ incoming, outgoing }, values) => {
          const acked = new Map(ids.map((id, i) => [id, values[i] as number]));
          expect(jointCommittedIndex(incoming, outgoing, (id) => acked.get(id))).toBe(naiveJointCommitted(incoming, outgoing, acked));
        }),
      );
    });

    it('jointVoteResult agrees with the brute-force reference', () => {
      const vote = fc.option(fc.boolean(), { nil: undefined });
      fc.assert(
        fc.property(config, fc.array(vote, { minLength: ids.length, maxLength: ids.length }), ({ incoming, outgoing }, values) => {
          const votes = new Map<string, boolean>();
          ids.forEach((id, i) => {
            if (values[i] !== undefined) votes.set(id, values[i] as boolean);
          });
          expect(jointVoteResult(incoming, outgoing, votes)).toBe(naiveJointVote(incoming, outgoing, votes));
        }),
      );
    });
  });
});
