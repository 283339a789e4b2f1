import { describe, expect, it } from '@jest/globals';
import { seededRandom } from '../../testing/seeded-random.js';
import { Coordinator, type CoordinatorConfig, type CoordinatorReady, workFingerprint } from './coordinator.js';
import { isDuplicateTransactionError } from './errors/duplicate-transaction-error.js';
import type { TransactionMessage } from './messages.js';

const work = { a: { writes: [{ key: 'x', value: '1' }] }, b: { writes: [{ key: 'y', value: '2' }], reads: ['r'] } };
const vote = (txId: string, from: string, v: 'yes' | 'no' | 'read-only' = 'yes'): TransactionMessage => ({
  type: 'vote',
  txId,
  from,
  to: 'c',
  vote: v,
  ...(v === 'no' ? { reason: 'lock-conflict' as const } : {}),
});
const ack = (txId: string, from: string): TransactionMessage => ({ type: 'ack', txId, from, to: 'c' });

function make(config: Partial<CoordinatorConfig> = {}): Coordinator {
  return new Coordinator({ id: 'c', epoch: 7, random: seededRandom(1), ...config });
}

function take(c: Coordinator): CoordinatorReady {
  const ready = c.ready();
  c.advance();
  return ready;
}

describe('Coordinator', () => {
  it('refuses to begin a finished id again, and tells a retry of the same work from a reuse (finished)', () => {
    const c = make();
    c.begin('t1', work);
    take(c);
    c.step(vote('t1', 'a'));
    c.step(vote('t1', 'b'));
    take(c);
    c.recorded('t1', 'commit');
    c.step(ack('t1', 'a'));
    c.step(ack('t1', 'b'));
    take(c);
    expect(c.finished('t1', work)).toEqual({ outcome: { txId: 't1', status: 'committed', votes: { a: { vote: 'yes' }, b: { vote: 'yes' } } }, sameWork: true });
    const other = { a: { writes: [{ key: 'x', value: 'other' }] } };
    expect(c.finished('t1', other)?.sameWork).toBe(false);
    expect(c.finished('nope', work)).toBeUndefined();
    expect(() => c.begin('t1', other)).toThrow(/finished on this coordinator with different work/);
    expect(() => c.begin('t1', work)).toThrow(expect.objectContaining({ code: 'ETXDUPLICATE', reason: 'decided' }));
    expect(c.hasReady()).toBe(false); // nothing was sent for the reuse
    // The work of a decision restored from the log is unknown: not comparable.
    const restored = make({ pending: [{ txId: 'r', decision: 'commit', participants: ['a'] }] });
    restored.step(ack('r', 'a'));
    take(restored);
    expect(restored.finished('r', work)?.sameWork).toBeUndefined();
  });

  it('fingerprints work canonically: participant order does not matter, writes and reads do', () => {
    expect(workFingerprint({ a: { writes: [{ key: 'x', value: '1' }] }, b: { writes: [], reads: ['r'] } })).toBe(
      workFingerprint({ b: { writes: [], reads: ['r'] }, a: { writes: [{ key: 'x', value: '1' }], reads: [] } }),
    );
    expect(workFingerprint({ a: { writes: [{ key: 'x', value: '1' }] } })).not.toBe(workFingerprint({ a: { writes: [{ key: 'x', value: null }] } }));
    expect(workFingerprint({ a: { writes: [], reads: ['r'] } })).not.toBe(workFingerprint({ a: { writes: [], reads: ['s'] } }));
  });

  it('sends a prepare per participant with its epoch and order, logging nothing first (presumed abort)', () => {
    const c = make();
    c.begin('t1', work, 42);
    expect(take(c)).toEqual({
      records: [],
      messages: [
        { type: 'prepare', txId: 't1', from: 'c', to: 'a', epoch: 7, order: 42, writes: [{ key: 'x', value: '1' }], reads: [] },
        { type: 'prepare', txId: 't1', from: 'c', to: 'b', epoch: 7, order: 42, writes: [{ key: 'y', value: '2' }], reads: ['r'] },
      ],
      outcomes: [],
      inquiries: [],
    });
    expect(c.status('t1')).toEqual({ id: 't1', status: 'collecting', votes: {}, participants: ['a', 'b'] });
  });

  it('records the commit, and sends it only once the log answered; END after every ack', () => {
    const c = make();
    c.begin('t1', work);
    take(c);
    c.step(vote('t1', 'a'));
    expect(c.hasReady()).toBe(false);
    c.step({ type: 'vote', txId: 't1', from: 'b', to: 'c', vote: 'yes', reads: { r: 'v' } });
    const deciding = take(c);
    expect(deciding).toEqual({ records: [{ type: 'decision', txId: 't1', decision: 'commit', participants: ['a', 'b'] }], messages: [], outcomes: [], inquiries: [] });
    c.tick();
    expect(c.hasReady()).toBe(false); // nothing goes out while the decision is being recorded
    c.recorded('t1', 'commit');
    const phase2 = take(c);
    expect(phase2.messages).toEqual([
      { type: 'commit', txId: 't1', from: 'c', to: 'a', epoch: 7 },
      { type: 'commit', txId: 't1', from: 'c', to: 'b', epoch: 7 },
    ]);
    expect(phase2.outcomes).toEqual([{ txId: 't1', status: 'committed', votes: { a: { vote: 'yes' }, b: { vote: 'yes', reads: { r: 'v' } } } }]);
    expect(c.status('t1')).toMatchObject({ status: 'committed', unacknowledged: ['a', 'b'] });
    c.step(ack('t1', 'a'));
    expect(c.hasReady()).toBe(false);
    c.step(ack('t1', 'b'));
    expect(take(c).records).toEqual([{ type: 'end', txId: 't1' }]);
    expect(c.activeCount).toBe(0);
    expect(c.status('t1')).toMatchObject({ status: 'committed', participants: ['a', 'b'] });
  });

  it('aborts at the first no vote: abort to the others (not to the no voter), END at once, no acks awaited', () => {
    const c = make();
    c.begin('t1', { ...work, d: { writes: [{ key: 'z', value: '3' }] } });
    take(c);
    c.step(vote('t1', 'a'));
    c.step(vote('t1', 'b', 'no'));
    expect(take(c).records).toEqual([{ type: 'decision', txId: 't1', decision: 'abort', participants: ['a', 'd'] }]);
    c.step(vote('t1', 'd')); // late: ignored
    c.recorded('t1', 'abort');
    const ready = take(c);
    expect(ready.messages).toEqual([
      { type: 'abort', txId: 't1', from: 'c', to: 'a', epoch: 7 },
      { type: 'abort', txId: 't1', from: 'c', to: 'd', epoch: 7 },
    ]);
    expect(ready.outcomes).toEqual([{ txId: 't1', status: 'aborted', reason: 'vote-no', votes: { a: { vote: 'yes' }, b: { vote: 'no', reason: 'lock-conflict' } } }]);
    expect(ready.records).toEqual([{ type: 'end', txId: 't1' }]);
    expect(c.status('t1')).toMatchObject({ status: 'aborted', reason: 'vote-no' });
  });

  it('commits an all-read-only transaction with no record and no phase two; read-only voters get no commit', () => {
    const c = make();
    c.begin('ro', work);
    take(c);
    c.step(vote('ro', 'a', 'read-only'));
    c.step(vote('ro', 'b', 'read-only'));
    expect(take(c)).toEqual({ records: [], messages: [], outcomes: [{ txId: 'ro', status: 'committed', votes: { a: { vote: 'read-only' }, b: { vote: 'read-only' } } }], inquiries: [] });
    c.begin('mixed', work);
    take(c);
    c.step(vote('mixed', 'a', 'read-only'));
    c.step(vote('mixed', 'b'));
    expect(take(c).records).toEqual([{ type: 'decision', txId: 'mixed', decision: 'commit', participants: ['b'] }]);
    c.recorded('mixed', 'commit');
    expect(take(c).messages).toEqual([{ type: 'commit', txId: 'mixed', from: 'c', to: 'b', epoch: 7 }]);
  });

  it('follows the decision that stands when another coordinator recorded first', () => {
    const c = make();
    c.begin('t1', work);
    take(c);
    c.step(vote('t1', 'a'));
    c.step(vote('t1', 'b'));
    take(c);
    c.recorded('t1', 'abort');
    const ready = take(c);
    expect(ready.outcomes).toMatchObject([{ txId: 't1', status: 'aborted', reason: 'aborted' }]);
    expect(ready.messages.map((m) => m.type)).toEqual(['abort', 'abort']);
  });

  it('abort() works only before the decision', () => {
    const c = make();
    c.begin('t1', work);
    take(c);
    expect(c.abort('t1', 'timeout')).toBe(true);
    expect(take(c).records).toEqual([{ type: 'decision', txId: 't1', decision: 'abort', participants: ['a', 'b'] }]);
    expect(c.abort('t1')).toBe(false); // being recorded
    c.recorded('t1', 'abort');
    expect(take(c).outcomes).toMatchObject([{ status: 'aborted', reason: 'timeout' }]);
    expect(c.abort('unknown')).toBe(false);
  });

  it('re-sends prepares to silent participants every resendTicks, and commits with backoff until acknowledged', () => {
    const c = make({ resendTicks: 3, backoff: { delay: (n) => 2 * n } });
    c.begin('t1', work);
    take(c);
    c.step(vote('t1', 'a'));
    const prepares: number[] = [];
    for (let t = 1; t <= 7; t++) {
      c.tick();
      if (take(c).messages.some((m) => m.type === 'prepare' && m.to === 'b')) prepares.push(t);
    }
    expect(prepares).toEqual([3, 6]);
    c.step(vote('t1', 'b'));
    take(c);
    c.recorded('t1', 'commit');
    take(c);
    c.step(ack('t1', 'a'));
    const commits: number[] = [];
    for (let t = 1; t <= 20; t++) {
      c.tick();
      const ready = take(c);
      expect(ready.messages.every((m) => m.to === 'b')).toBe(true);
      if (ready.messages.length > 0) commits.push(t);
    }
    // First delay 2 (after the commit went), then 4, 6, 8 ticks.
    expect(commits).toEqual([2, 6, 12, 20]);
  });

  it('answers status queries and yes votes: the decision when known, an inquiry when not', () => {
    const c = make();
    c.begin('t1', work);
    take(c);
    c.step({ type: 'status', txId: 't1', from: 'a', to: 'c' });
    expect(c.hasReady()).toBe(false); // collecting: the re-sent prepare gets the vote
    c.step(vote('t1', 'a'));
    c.step(vote('t1', 'b'));
    take(c);
    c.recorded('t1', 'commit');
    take(c);
    c.step({ type: 'status', txId: 't1', from: 'a', to: 'c' });
    c.step(vote('t1', 'b'));
    expect(take(c).messages).toEqual([
      { type: 'commit', txId: 't1', from: 'c', to: 'a', epoch: 7 },
      { type: 'commit', txId: 't1', from: 'c', to: 'b', epoch: 7 },
    ]);
    c.step(ack('t1', 'a'));
    c.step(ack('t1', 'b'));
    take(c);
    c.step({ type: 'status', txId: 't1', from: 'a', to: 'c' });
    c.step({ type: 'status', txId: 'ghost', from: 'a', to: 'c' });
    c.step(vote('ghost2', 'b'));
    c.step(vote('ghost3', 'b', 'no')); // a no vote for an unknown transaction needs no answer
    const ready = take(c);
    expect(ready.messages).toEqual([{ type: 'commit', txId: 't1', from: 'c', to: 'a', epoch: 7 }]);
    expect(ready.inquiries).toEqual([
      { txId: 'ghost', from: 'a' },
      { txId: 'ghost2', from: 'b' },
    ]);
  });

  it('resumes phase two for pending decisions (a restart), reporting no outcome for them', () => {
    const c = make({
      pending: [
        { txId: 'done', decision: 'commit', participants: ['a', 'b'] },
        { txId: 'gone', decision: 'abort', participants: ['a'] },
      ],
    });
    const ready = take(c);
    expect(ready.messages).toEqual([
      { type: 'commit', txId: 'done', from: 'c', to: 'a', epoch: 7 },
      { type: 'commit', txId: 'done', from: 'c', to: 'b', epoch: 7 },
      { type: 'abort', txId: 'gone', from: 'c', to: 'a', epoch: 7 },
    ]);
    expect(ready.outcomes).toEqual([]);
    expect(ready.records).toEqual([{ type: 'end', txId: 'gone' }]);
    expect(c.active()).toEqual(['done']);
  });

  it('refuses a running id, empty work, bad config and misaddressed messages; the same Ready until advance()', () => {
    const c = make();
    c.begin('t1', work);
    let caught: unknown;
    try {
      c.begin('t1', work);
    } catch (error) {
      caught = error;
    }
    expect(isDuplicateTransactionError(caught)).toBe(true);
    expect(() => c.begin('t2', {})).toThrow(/at least one participant/);
    expect(() => c.begin('t3', { a: { writes: [] } })).toThrow(/neither writes nor reads/);
    expect(() => c.step({ ...vote('t1', 'a'), to: 'other' })).toThrow(RangeError);
    const r = c.ready();
    expect(c.ready()).toBe(r);
    c.advance();
    expect(() => c.advance()).toThrow(/without an outstanding ready/);
    expect(() => make({ epoch: -1 })).toThrow(/options\.epoch must be a non-negative integer/);
    expect(() => make({ id: '' })).toThrow(/config\.id/);
    expect(() => make({ resendTicks: 0 })).toThrow(/resendTicks/);
    expect(c.status('nope')).toEqual({ id: 'nope', status: 'unknown', votes: {}, participants: [] });
  });

  it('ignores votes from non-participants and duplicate votes (the first counts)', () => {
    const c = make();
    c.begin('t1', work);
    take(c);
    c.step(vote('t1', 'stranger', 'no'));
    c.step(vote('t1', 'a'));
    c.step(vote('t1', 'a', 'no'));
    expect(c.status('t1').votes).toEqual({ a: { vote: 'yes' } });
  });
});
