import { describe, expect, it } from '@jest/globals';
import { seededRandom } from '../../testing/seeded-random.js';
import { isTransactionRecordError } from './errors/transaction-record-error.js';
import type { PrepareMessage, TransactionMessage } from './messages.js';
import { Participant, type ParticipantConfig, type ParticipantReady } from './participant.js';
import { type ParticipantRecord, decodeParticipantRecord, encodeParticipantRecord } from './participant-record.js';

const prepare = (txId: string, over: Partial<PrepareMessage> = {}): PrepareMessage => ({
  type: 'prepare',
  txId,
  from: 'c',
  to: 'p',
  epoch: 1,
  order: 1,
  writes: [{ key: 'x', value: `${txId}-x` }],
  reads: [],
  ...over,
});
const commit = (txId: string): TransactionMessage => ({ type: 'commit', txId, from: 'c', to: 'p', epoch: 1 });
const abort = (txId: string): TransactionMessage => ({ type: 'abort', txId, from: 'c', to: 'p', epoch: 1 });

function make(config: Partial<ParticipantConfig> = {}): Participant {
  return new Participant({ id: 'p', random: seededRandom(1), ...config });
}

function take(p: Participant): ParticipantReady {
  const ready = p.ready();
  p.advance();
  return ready;
}

// Runs a prepare through its read, returning the Ready that carries the vote.
function prepared(p: Participant, m: PrepareMessage, values: Record<string, string | null> = {}): ParticipantReady {
  p.step(m);
  const first = take(p);
  expect(first.effects).toEqual([{ type: 'read', txId: m.txId, keys: [...new Set([...m.writes.map((w) => w.key), ...m.reads])] }]);
  p.readDone(m.txId, values);
  return take(p);
}

describe('Participant', () => {
  it('keeps read keys named __proto__ or constructor as data, and reads a key the store did not return as null', () => {
    const p = make();
    const ready = prepared(p, prepare('t1', { reads: ['__proto__', 'constructor', 'r'] }), JSON.parse('{"__proto__":"p","r":"v"}') as Record<string, string | null>);
    const vote = ready.messages[0] as { reads: Record<string, unknown> };
    expect(Object.keys(vote.reads)).toEqual(['__proto__', 'constructor', 'r']);
    expect(JSON.parse(JSON.stringify(vote.reads))).toEqual(JSON.parse('{"__proto__":"p","constructor":null,"r":"v"}'));
    expect(Object.getPrototypeOf(vote.reads)).toBe(Object.prototype);
    const record = ready.records[0] as { undo: unknown };
    expect(record.undo).toEqual([{ key: 'x', value: null }]);
  });

  it('forces PREPARED (redo, undo, coordinator, epoch) in the same Ready as its yes vote', () => {
    const p = make();
    const ready = prepared(p, prepare('t1', { reads: ['r'] }), { x: 'before', r: 'seen' });
    expect(ready.sync).toBe(true);
    expect(ready.records).toEqual([
      {
        type: 'prepared',
        txId: 't1',
        coordinator: 'c',
        epoch: 1,
        order: 1,
        writes: [{ key: 'x', value: 't1-x' }],
        reads: ['r'],
        undo: [{ key: 'x', value: 'before' }],
        readValues: { r: 'seen' },
      },
    ]);
    expect(ready.messages).toEqual([{ type: 'vote', txId: 't1', from: 'p', to: 'c', vote: 'yes', reads: { r: 'seen' } }]);
    expect(p.locks()).toEqual([
      { key: 'r', mode: 'shared', holders: ['t1'] },
      { key: 'x', mode: 'exclusive', holders: ['t1'] },
    ]);
    expect(p.inDoubt()).toMatchObject([{ txId: 't1', state: 'prepared', queries: 0 }]);
  });

  it('commits: apply effect, then COMMITTED forced with the ack, locks released; a duplicate commit is acked again', () => {
    const p = make();
    prepared(p, prepare('t1'));
    p.step(commit('t1'));
    expect(take(p).effects).toEqual([{ type: 'apply', txId: 't1', writes: [{ key: 'x', value: 't1-x' }] }]);
    p.step(commit('t1')); // while applying: nothing more
    expect(p.hasReady()).toBe(false);
    p.applied('t1');
    const ready = take(p);
    expect(ready).toEqual({ records: [{ type: 'committed', txId: 't1' }], sync: true, messages: [{ type: 'ack', txId: 't1', from: 'p', to: 'c' }], effects: [] });
    expect(p.locks()).toEqual([]);
    p.step(commit('t1'));
    expect(take(p).messages).toEqual([{ type: 'ack', txId: 't1', from: 'p', to: 'c' }]);
    expect(p.anomalies()).toEqual({ unknownCommits: 0, conflictingDecisions: 0 });
  });

  it('aborts: ABORTED recorded lazily (no sync), locks released; a late prepare after the abort votes no', () => {
    const p = make();
    prepared(p, prepare('t1'));
    p.step(abort('t1'));
    expect(take(p)).toEqual({ records: [{ type: 'aborted', txId: 't1' }], sync: false, messages: [], effects: [] });
    expect(p.locks()).toEqual([]);
    p.step(prepare('t1'));
    expect(take(p).messages).toEqual([{ type: 'vote', txId: 't1', from: 'p', to: 'c', vote: 'no', reason: 'aborted' }]);
    // An abort for a transaction never seen is remembered too.
    p.step(abort('t9'));
    p.step(prepare('t9'));
    expect(take(p).messages).toEqual([{ type: 'vote', txId: 't9', from: 'p', to: 'c', vote: 'no', reason: 'aborted' }]);
  });

  it('answers a duplicate prepare with its recorded vote, and ignores one still reading', () => {
    const p = make();
    p.step(prepare('t1'));
    take(p);
    p.step(prepare('t1'));
    expect(p.hasReady()).toBe(false);
    p.readDone('t1', {});
    take(p);
    p.step(prepare('t1'));
    expect(take(p).messages).toEqual([{ type: 'vote', txId: 't1', from: 'p', to: 'c', vote: 'yes', reads: {} }]);
  });

  it('no-wait: a conflicting prepare votes no (lock-conflict) at once; shared reads do not conflict with each other', () => {
    const p = make();
    prepared(p, prepare('t1'));
    p.step(prepare('t2'));
    expect(take(p).messages).toEqual([{ type: 'vote', txId: 't2', from: 'p', to: 'c', vote: 'no', reason: 'lock-conflict' }]);
    prepared(p, prepare('t3', { writes: [{ key: 'y', value: '1' }], reads: ['s'] }));
    p.step(prepare('t4', { writes: [{ key: 'z', value: '1' }], reads: ['s'] }));
    expect(take(p).effects).toEqual([{ type: 'read', txId: 't4', keys: ['z', 's'] }]);
    p.step(prepare('t5', { writes: [{ key: 's', value: '1' }] }));
    expect(take(p).messages).toMatchObject([{ txId: 't5', vote: 'no', reason: 'lock-conflict' }]);
  });

  it('ordered (wait-die): an older prepare waits for a younger holder and gets the lock on its release; a younger one dies', () => {
    const p = make({ lockPolicy: 'ordered' });
    prepared(p, prepare('young', { order: 10 }));
    p.step(prepare('younger', { order: 20 }));
    expect(take(p).messages).toEqual([{ type: 'vote', txId: 'younger', from: 'p', to: 'c', vote: 'no', reason: 'lock-conflict' }]);
    p.step(prepare('old', { order: 5 }));
    expect(take(p)).toEqual({ records: [], sync: false, messages: [], effects: [] });
    expect(p.transactionState('old')).toBe('waiting');
    p.step(abort('young'));
    expect(take(p).effects).toEqual([{ type: 'read', txId: 'old', keys: ['x'] }]);
  });

  it('ordered: a waiter dies when an older transaction takes a lock ahead of it, and times out after maxLockWaitTicks', () => {
    const p = make({ lockPolicy: 'ordered', maxLockWaitTicks: 3 });
    prepared(p, prepare('h', { order: 50, writes: [{ key: 'x', value: '1' }] }));
    p.step(prepare('w', { order: 40, writes: [{ key: 'x', value: '2' }, { key: 'y', value: '2' }] }));
    take(p);
    p.step(prepare('o', { order: 1, writes: [{ key: 'y', value: '3' }] }));
    expect(take(p).messages).toEqual([{ type: 'vote', txId: 'w', from: 'p', to: 'c', vote: 'no', reason: 'lock-conflict' }]);

    p.step(prepare('w2', { order: 45 }));
    take(p);
    for (let i = 0; i < 2; i++) p.tick();
    expect(p.transactionState('w2')).toBe('waiting');
    p.tick();
    expect(take(p).messages).toContainEqual({ type: 'vote', txId: 'w2', from: 'p', to: 'c', vote: 'no', reason: 'lock-timeout' });
  });

  it('fences: a prepare from an older coordinator epoch than one seen votes no (stale-epoch)', () => {
    const p = make();
    prepared(p, prepare('t1', { epoch: 3 }));
    p.step(prepare('t2', { epoch: 2, writes: [{ key: 'y', value: '1' }] }));
    expect(take(p).messages).toEqual([{ type: 'vote', txId: 't2', from: 'p', to: 'c', vote: 'no', reason: 'stale-epoch' }]);
    p.step(prepare('t3', { epoch: 3, from: 'other', writes: [{ key: 'z', value: '1' }] }));
    expect(take(p).effects).toHaveLength(1); // epochs are per coordinator
  });

  it('votes read-only for a participant without writes and releases its read locks at once', () => {
    const p = make();
    p.step(prepare('t1', { writes: [], reads: ['r'] }));
    take(p);
    p.readDone('t1', { r: 'v' });
    const ready = take(p);
    expect(ready).toEqual({ records: [], sync: false, messages: [{ type: 'vote', txId: 't1', from: 'p', to: 'c', vote: 'read-only', reads: { r: 'v' } }], effects: [] });
    expect(p.locks()).toEqual([]);
  });

  it('an abort while the store is reading releases the locks; the late read result is ignored', () => {
    const p = make();
    p.step(prepare('t1'));
    take(p);
    p.step(abort('t1'));
    expect(take(p)).toEqual({ records: [], sync: false, messages: [], effects: [] });
    expect(p.locks()).toEqual([]);
    p.readDone('t1', { x: 'v' });
    expect(p.hasReady()).toBe(false);
    expect(p.transactionState('t1')).toBe('aborted');
  });

  it('votes no (store-failed) when the store cannot read, before voting', () => {
    const p = make();
    p.step(prepare('t1'));
    take(p);
    p.readFailed('t1');
    expect(take(p).messages).toEqual([{ type: 'vote', txId: 't1', from: 'p', to: 'c', vote: 'no', reason: 'store-failed' }]);
    expect(p.locks()).toEqual([]);
  });

  it('retries a failed apply after a backoff', () => {
    const p = make({ backoff: { delay: () => 2 } });
    prepared(p, prepare('t1'));
    p.step(commit('t1'));
    take(p);
    p.applyFailed('t1');
    p.tick();
    expect(p.hasReady()).toBe(false);
    p.tick();
    expect(take(p).effects).toEqual([{ type: 'apply', txId: 't1', writes: [{ key: 'x', value: 't1-x' }] }]);
  });

  it('asks the coordinator about a prepared transaction after inDoubtAfterTicks, then with growing backoff', () => {
    const p = make({ inDoubtAfterTicks: 3, backoff: { delay: (n) => 2 ** n } });
    prepared(p, prepare('t1'));
    const asks: number[] = [];
    for (let t = 1; t <= 40; t++) {
      p.tick();
      if (take(p).messages.some((m) => m.type === 'status' && m.txId === 't1' && m.to === 'c')) asks.push(t);
    }
    expect(asks).toEqual([3, 5, 9, 17, 33]);
    expect(p.inDoubt()[0]?.queries).toBe(5);
  });

  it('rebuilds from its records after a restart: in-doubt transactions keep locks and ask at once; outcomes answer duplicates', () => {
    const first = make();
    const records: ParticipantRecord[] = [];
    const keep = (r: ParticipantReady): void => void records.push(...r.records);
    keep(prepared(first, prepare('t1')));
    keep(prepared(first, prepare('t2', { writes: [{ key: 'y', value: '1' }], epoch: 4 })));
    first.step(commit('t2'));
    keep(take(first));
    first.applied('t2');
    keep(take(first));
    keep(prepared(first, prepare('t3', { writes: [{ key: 'z', value: '1' }], epoch: 4 })));
    first.step(abort('t3'));
    keep(take(first));

    const p = make({ records });
    const ready = take(p);
    expect(ready.messages).toEqual([{ type: 'status', txId: 't1', from: 'p', to: 'c' }]);
    expect(p.locks()).toEqual([{ key: 'x', mode: 'exclusive', holders: ['t1'] }]);
    expect(p.transactionState('t2')).toBe('committed');
    expect(p.transactionState('t3')).toBe('aborted');
    p.step(prepare('t9', { epoch: 3, writes: [{ key: 'q', value: '1' }] })); // epoch 4 was seen
    expect(take(p).messages).toMatchObject([{ vote: 'no', reason: 'stale-epoch' }]);
    expect(p.liveRecords()).toEqual([
      { type: 'epoch', coordinator: 'c', epoch: 4 },
      { type: 'committed', txId: 't2' },
      { type: 'aborted', txId: 't3' },
      { type: 'aborted', txId: 't9' },
      records[0],
    ]);
  });

  it('logs a rise of a coordinator epoch and keeps it in liveRecords: fencing survives compaction and restarts', () => {
    const p = make();
    p.step(prepare('t1', { epoch: 5 }));
    const first = take(p);
    expect(first.records).toEqual([{ type: 'epoch', coordinator: 'c', epoch: 5 }]);
    expect(first.sync).toBe(false); // lazy: PREPARED's forced write carries it
    p.readDone('t1', {});
    expect(take(p).sync).toBe(true);
    p.step(abort('t1'));
    take(p);
    p.step(prepare('t2', { epoch: 5 }));
    expect(take(p).records).toEqual([]); // no rise, no record
    // Compacted to liveRecords with no transaction prepared any more: the epoch is all that fences.
    const live = p.liveRecords();
    expect(live).toContainEqual({ type: 'epoch', coordinator: 'c', epoch: 5 });
    const restarted = make({ records: live.filter((r) => r.type !== 'prepared') });
    restarted.step(prepare('t3', { epoch: 4, writes: [{ key: 'fresh', value: '1' }] }));
    expect(take(restarted).messages).toMatchObject([{ type: 'vote', txId: 't3', vote: 'no', reason: 'stale-epoch' }]);
    expect(restarted.liveRecords()).toContainEqual({ type: 'epoch', coordinator: 'c', epoch: 5 });
    expect(decodeParticipantRecord(encodeParticipantRecord({ type: 'epoch', coordinator: 'c', epoch: 5 }), 0)).toEqual({ type: 'epoch', coordinator: 'c', epoch: 5 });
    expect(() => decodeParticipantRecord(new TextEncoder().encode('{"type":"epoch","coordinator":"c","epoch":-1}'), 2)).toThrow(/an epoch record with a missing or bad field/);
  });

  it('refuses records in which two prepared transactions hold the same key', () => {
    const a = { type: 'prepared', txId: 'a', coordinator: 'c', epoch: 1, order: 1, writes: [{ key: 'x', value: '1' }], reads: [], undo: [], readValues: {} } as const;
    let caught: unknown;
    try {
      make({ records: [a, { ...a, txId: 'b' }] });
    } catch (error) {
      caught = error;
    }
    expect(isTransactionRecordError(caught)).toBe(true);
    expect(caught).toMatchObject({ log: 'participant', index: 1 });
  });

  it('decodes only well-formed prepared records: readValues strings or null, epoch ≥ 0, order finite', () => {
    const good = { type: 'prepared', txId: 'a', coordinator: 'c', epoch: 0, order: 1.5, writes: [], reads: ['r'], undo: [], readValues: { r: null } } as const;
    expect(decodeParticipantRecord(encodeParticipantRecord(good), 0)).toEqual(good);
    const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
    for (const bad of [
      { ...good, readValues: { r: 3 } },
      { ...good, readValues: [] },
      { ...good, epoch: -1 },
      { ...good, order: null }, // what JSON makes of Infinity
    ]) {
      expect(() => decodeParticipantRecord(enc(bad), 4)).toThrow(expect.objectContaining({ code: 'ETXRECORD', index: 4 }));
    }
    expect(() => decodeParticipantRecord(new TextEncoder().encode('{"type":"prepared","txId":"a","coordinator":"c","epoch":0,"order":1e999,"writes":[],"reads":[],"undo":[],"readValues":{}}'), 0)).toThrow(/bad field/);
  });

  it('counts contradicting decisions and unknown commits (acknowledging the latter)', () => {
    const p = make();
    p.step(abort('t1'));
    p.step(commit('t1'));
    p.step(commit('never'));
    expect(take(p).messages).toEqual([{ type: 'ack', txId: 'never', from: 'p', to: 'c' }]);
    p.step(prepare('t2'));
    take(p);
    p.step(commit('t2')); // before it voted
    expect(p.anomalies()).toEqual({ unknownCommits: 1, conflictingDecisions: 2 });
  });

  it('forgets the oldest outcomes past maxFinished', () => {
    const p = make({ maxFinished: 2 });
    for (const id of ['a', 'b', 'c']) p.step(abort(id));
    expect(p.transactionState('a')).toBeUndefined();
    expect(p.transactionState('c')).toBe('aborted');
  });

  it('hands out the same Ready until advance(), and refuses advance() without one; checks config and addressing', () => {
    const p = make();
    p.step(prepare('t1'));
    const r1 = p.ready();
    expect(p.ready()).toBe(r1);
    p.advance();
    expect(() => p.advance()).toThrow(/without an outstanding ready/);
    expect(() => p.step({ ...prepare('t2'), to: 'q' })).toThrow(RangeError);
    expect(() => make({ id: '' })).toThrow(/config\.id/);
    expect(() => make({ random: undefined as never })).toThrow(/config\.random/);
    expect(() => make({ lockPolicy: 'wait' as never })).toThrow(/lockPolicy/);
    expect(() => make({ maxLockWaitTicks: 0 })).toThrow(/maxLockWaitTicks must be a positive integer/);
  });
});
