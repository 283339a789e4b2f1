import type { NodeId } from './entry.js';

/** The outcome of an election so far: a majority granted, a majority refused, or neither yet. */
export type VoteResult = 'won' | 'lost' | 'pending';

/** The smallest number of voters that forms a majority of `size` (Raft §5.2). */
export function majority(size: number): number {
  return Math.floor(size / 2) + 1;
}

/**
 * The largest index that a majority of `voters` has acknowledged (Raft §5.3, §5.4): sort the
 * acknowledged indexes descending and take the majority-th. A voter `acked` knows nothing of
 * counts as 0. An empty configuration commits everything (`Infinity`), so that it never limits a
 * joint configuration's other half.
 *
 * @example committedIndex(['a', 'b', 'c'], (id) => ({ a: 5, b: 3, c: 1 })[id]) // 3
 */
export function committedIndex(voters: readonly NodeId[], acked: (id: NodeId) => number | undefined): number {
  if (voters.length === 0) return Infinity;
  const indexes = voters.map((id) => acked(id) ?? 0).sort((x, y) => y - x);
  return indexes[majority(voters.length) - 1] as number;
}

/**
 * Tallies an election among `voters` (Raft §5.2): `'won'` once a majority granted, `'lost'` once a
 * majority can no longer be reached, `'pending'` otherwise. Votes of non-voters are ignored. An
 * empty configuration wins.
 */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return 'won';
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const vote = votes.get(id);
    if (vote === undefined) missing++;
    else if (vote) granted++;
  }
  const needed = majority(voters.length);
  if (granted >= needed) return 'won';
  if (granted + missing >= needed) return 'pending';
  return 'lost';
}

/**
 * The commit index of a joint configuration (Raft thesis §4.3): an entry commits only once a
 * majority of **each** half holds it, so the result is the smaller of the two majorities' indexes.
 * Outside a joint configuration `outgoing` is empty and only `incoming` counts. Both empty
 * commit nothing (0).
 *
 * @example jointCommittedIndex(['a', 'b', 'c'], ['a', 'd', 'e'], (id) => ({ a: 9, b: 9, c: 1, d: 2, e: 1 })[id]) // 2
 */
export function jointCommittedIndex(
  incoming: readonly NodeId[],
  outgoing: readonly NodeId[],
  acked: (id: NodeId) => number | undefined,
): number {
  const index = Math.min(committedIndex(incoming, acked), committedIndex(outgoing, acked));
  return index === Infinity ? 0 : index;
}

/**
 * Tallies an election in a joint configuration (Raft thesis §4.3): won once both halves are
 * won, lost once either is lost, pending otherwise.
 */
export function jointVoteResult(
  incoming: readonly NodeId[],
  outgoing: readonly NodeId[],
  votes: ReadonlyMap<NodeId, boolean>,
): VoteResult {
  const a = voteResult(incoming, votes);
  const b = voteResult(outgoing, votes);
  if (a === 'won' && b === 'won') return 'won';
  if (a === 'lost' || b === 'lost') return 'lost';
  return 'pending';
}
