import { Progress, ProgressTracker } from './progress.js';

describe('Progress', () => {
  it('probes one append at a time until an answer', () => {
    const p = new Progress(5);
    expect(p.isPaused()).toBe(false);
    p.sentEntries(6);
    expect(p.isPaused()).toBe(true);
    expect(p.next).toBe(5); // probing does not move next optimistically
    expect(p.maybeUpdate(6)).toBe(true);
    expect(p.isPaused()).toBe(false);
    expect([p.match, p.next]).toEqual([6, 7]);
    expect(p.maybeUpdate(4)).toBe(false); // stale
    expect([p.match, p.next]).toEqual([6, 7]);
  });

  it('streams optimistically when replicating', () => {
    const p = new Progress(1);
    p.maybeUpdate(3);
    p.becomeReplicate();
    p.sentEntries(8);
    expect(p.isPaused()).toBe(false);
    expect(p.next).toBe(9);
  });

  it('maybeDecrTo backs off to the hint in probe state and ignores stale rejections', () => {
    const p = new Progress(10);
    expect(p.maybeDecrTo(5, 2)).toBe(false); // not the append we sent (next - 1 = 9)
    expect(p.maybeDecrTo(9, 4)).toBe(true);
    expect(p.next).toBe(5);
    expect(p.maybeDecrTo(4, 7)).toBe(true); // a hint above the rejected index does not move next up
    expect(p.next).toBe(4);
    p.maybeUpdate(2);
    expect(p.maybeDecrTo(3, 0)).toBe(true);
    expect(p.next).toBe(3); // never at or below match
  });

  it('maybeDecrTo in replicate state falls back to match + 1', () => {
    const p = new Progress(1);
    p.maybeUpdate(4);
    p.becomeReplicate();
    p.sentEntries(9);
    expect(p.maybeDecrTo(3, 0)).toBe(false); // at or below match: stale
    expect(p.maybeDecrTo(7, 2)).toBe(true);
    expect(p.next).toBe(5);
  });

  it('canBumpCommit when a newer commit can reach entries the follower holds', () => {
    const p = new Progress(1);
    p.maybeUpdate(5);
    expect(p.canBumpCommit(3)).toBe(true);
    p.sentCommitIndex(3);
    expect(p.canBumpCommit(3)).toBe(false);
    expect(p.canBumpCommit(5)).toBe(true);
  });
});

describe('ProgressTracker', () => {
  it('commits what a majority matched and tallies first votes only', () => {
    const t = new ProgressTracker({ voters: ['a', 'b', 'c'] });
    t.progress.get('a')?.maybeUpdate(7);
    t.progress.get('b')?.maybeUpdate(4);
    expect(t.committed()).toBe(4);
    t.recordVote('a', true);
    t.recordVote('b', false);
    t.recordVote('b', true);
    expect(t.tallyVotes()).toBe('pending');
    t.recordVote('c', false);
    expect(t.tallyVotes()).toBe('lost');
  });

  it('quorumActive counts the leader itself and recently active voters', () => {
    const t = new ProgressTracker({ voters: ['a', 'b', 'c'] });
    expect(t.quorumActive('a')).toBe(false);
    (t.progress.get('c') as Progress).recentActive = true;
    expect(t.quorumActive('a')).toBe(true);
    t.reset(3);
    expect(t.quorumActive('a')).toBe(false);
    expect(t.progress.get('b')?.next).toBe(4);
  });
});
