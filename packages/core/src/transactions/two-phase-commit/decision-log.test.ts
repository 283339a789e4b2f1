import { describe, expect, it } from '@jest/globals';
import { CrashFs } from '../../raft/wal/crash-fs.js';
import { seededRandom } from '../../testing/seeded-random.js';
import { FaultFs } from '../log/fault-fs.js';
import { isRecordLogFailedError } from '../log/record-log-failed-error.js';
import { RecordLog } from '../log/record-log.js';
import { FileDecisionLog } from './decision-log.js';
import { isTransactionRecordError } from './errors/transaction-record-error.js';

describe('FileDecisionLog', () => {
  it('is first-wins: a second record for a transaction answers the first decision', async () => {
    const log = FileDecisionLog.open({ dir: '/d', fs: new CrashFs() });
    expect(await log.record('t1', 'abort', ['a'])).toBe('abort');
    expect(await log.record('t1', 'commit', ['a'])).toBe('abort');
    expect(log.recordSync('t2', 'commit', ['a', 'b'])).toBe('commit');
    expect(log.recordSync('t2', 'abort', [])).toBe('commit');
    expect(await log.lookup('t2')).toBe('commit');
    expect(await log.lookup('nope')).toBeUndefined();
  });

  it('forces a commit (it survives a power cut) but not an abort; END is lazy', async () => {
    const disk = new CrashFs();
    const log = FileDecisionLog.open({ dir: '/d', fs: disk });
    await log.recover();
    await log.record('aborted', 'abort', ['a']);
    await log.record('committed', 'commit', ['a', 'b']);
    await log.record('lazy', 'abort', ['a']);
    for (let seed = 1; seed <= 10; seed++) {
      const after = FileDecisionLog.open({ dir: '/d', fs: disk.afterCrash(seededRandom(seed)) });
      expect(after.lookupSync('committed')).toBe('commit');
      expect(after.lookupSync('aborted')).toBe('abort'); // synced with the commit that followed it
      expect(['abort', undefined]).toContain(after.lookupSync('lazy'));
    }
  });

  it('shares one fsync between commits recorded in the same turn (group commit)', async () => {
    const disk = new CrashFs();
    const log = FileDecisionLog.open({ dir: '/d', fs: disk });
    await log.recover();
    const before = disk.steps;
    await Promise.all([log.record('a', 'commit', ['p']), log.record('b', 'commit', ['p']), log.record('c', 'commit', ['p'])]);
    expect(disk.steps - before).toBe(2); // one write, one fsync
  });

  it('hands out increasing epochs and the decisions not ended, across restarts', async () => {
    const disk = new CrashFs();
    const first = FileDecisionLog.open({ dir: '/d', fs: disk });
    expect(await first.recover()).toEqual({ epoch: 1, pending: [] });
    await first.record('t1', 'commit', ['a', 'b']);
    await first.record('t2', 'commit', ['a']);
    await first.end('t2');
    first.close();
    const second = FileDecisionLog.open({ dir: '/d', fs: disk.afterCrash(seededRandom(1)) });
    const { epoch, pending } = await second.recover();
    expect(epoch).toBe(2);
    expect(second.epoch).toBe(2);
    expect(pending.map((d) => d.txId)).toContain('t1');
    expect(pending.find((d) => d.txId === 't1')).toEqual({ txId: 't1', decision: 'commit', participants: ['a', 'b'] });
  });

  it('compacts every compactEvery ENDs, keeping the epoch and the open decisions', async () => {
    const disk = new CrashFs();
    const log = FileDecisionLog.open({ dir: '/d', fs: disk, compactEvery: 2, maxSegmentBytes: 64 });
    await log.recover();
    for (let i = 0; i < 6; i++) await log.record(`t${i}`, 'commit', ['a']);
    for (let i = 0; i < 4; i++) await log.end(`t${i}`);
    expect(log.size).toBe(2);
    log.close();
    const names = disk.list();
    expect(names).toHaveLength(1);
    const again = FileDecisionLog.open({ dir: '/d', fs: disk });
    expect((await again.recover()).pending.map((d) => d.txId).sort()).toEqual(['t4', 't5']);
    expect(again.epoch).toBe(2);
  });

  it('refuses records that pass the checksum but are not decision-log records', () => {
    for (const [bytes, reason] of [
      [new TextEncoder().encode('{not json'), /not JSON/],
      [new TextEncoder().encode('{"type":"decision","txId":"t","decision":"maybe","participants":[]}'), /not a decision-log record/],
      [new TextEncoder().encode('7'), /not an object/],
    ] as const) {
      const disk = new CrashFs();
      const { log } = RecordLog.open({ dir: '/d', fs: disk });
      log.append(bytes);
      log.sync();
      log.close();
      let caught: unknown;
      try {
        FileDecisionLog.open({ dir: '/d', fs: disk });
      } catch (error) {
        caught = error;
      }
      expect(isTransactionRecordError(caught)).toBe(true);
      expect(String((caught as Error).message)).toMatch(reason);
      expect(caught).toMatchObject({ log: 'decision', index: 0 });
    }
    const disk = new CrashFs();
    const { log } = RecordLog.open({ dir: '/d', fs: disk });
    log.append(new TextEncoder().encode('{"type":"epoch","epoch":2}'));
    log.append(new TextEncoder().encode('{"type":"epoch","epoch":2}'));
    log.sync();
    expect(() => FileDecisionLog.open({ dir: '/d', fs: disk })).toThrow(/epoch 2 after epoch 2/);
    expect(() => FileDecisionLog.open({ dir: '/e', fs: disk, compactEvery: 0 })).toThrow(/compactEvery must be a positive integer/);
  });

  it('rejects the commits of a group when the fsync fails', async () => {
    const disk = new CrashFs(4);
    const log = FileDecisionLog.open({ dir: '/d', fs: disk });
    await expect(log.record('t', 'commit', ['a'])).rejects.toThrow(/crash/);
  });
});

describe('FileDecisionLog fail-stop', () => {
  it('never answers a commit whose fsync failed: the retry, lookups and later calls all reject', async () => {
    const disk = new FaultFs(new CrashFs());
    const log = FileDecisionLog.open({ dir: '/d', fs: disk });
    await log.recover();
    disk.failNext('fsync');
    const first = await log.record('t', 'commit', ['a']).catch((error: unknown) => error);
    expect(isRecordLogFailedError(first)).toBe(true);
    expect((first as Error).message).toMatch(/EIO/);
    // The disk works again, but what the failed fsync left is unknown: the log stays dead.
    await expect(log.record('t', 'commit', ['a'])).rejects.toBe(first);
    await expect(log.lookup('t')).rejects.toBe(first);
    await expect(log.record('u', 'abort', ['a'])).rejects.toBe(first);
    expect(() => log.lookupSync('t')).toThrow(/reopen it to recover/);
    expect(() => log.recordSync('v', 'commit', ['a'])).toThrow(/EIO/);
    await expect(log.end('t')).rejects.toBe(first);
    await expect(log.recover()).rejects.toBe(first);
    expect(log.failure).toBe(first);
    // Reopening replays what is on disk.
    const again = FileDecisionLog.open({ dir: '/d', fs: disk.inner });
    expect(['commit', undefined]).toContain(again.lookupSync('t'));
  });

  it('fails every commit of the group and stops when the epoch fsync fails', async () => {
    const disk = new FaultFs(new CrashFs());
    const log = FileDecisionLog.open({ dir: '/d', fs: disk });
    await log.recover();
    disk.failNext('fsync');
    const results = await Promise.allSettled([log.record('a', 'commit', ['p']), log.record('b', 'commit', ['p'])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const otherDisk = new FaultFs(new CrashFs());
    const other = FileDecisionLog.open({ dir: '/e', fs: otherDisk });
    otherDisk.failNext('fsync');
    expect(() => other.recoverSync()).toThrow(/EIO/);
    expect(other.epoch).toBe(0);
    expect(isRecordLogFailedError(other.failure)).toBe(true);
  });

  it('lookupSync of a commit whose group fsync is pending fsyncs it first', () => {
    const disk = new CrashFs();
    const log = FileDecisionLog.open({ dir: '/d', fs: disk });
    log.recoverSync();
    const recorded = log.record('t', 'commit', ['a']);
    expect(log.lookupSync('t')).toBe('commit');
    // Answered commit ⇒ durable: a power cut now keeps it.
    for (let seed = 1; seed <= 5; seed++) expect(FileDecisionLog.open({ dir: '/d', fs: disk.afterCrash(seededRandom(seed)) }).lookupSync('t')).toBe('commit');
    return expect(recorded).resolves.toBe('commit');
  });
});

describe('FileDecisionLog ended history', () => {
  it('still answers an ended commit (lookup, first-wins record, status query), across compaction and restarts', async () => {
    const { answerStatusQuery } = await import('./answer-status-query.js');
    const disk = new CrashFs();
    const log = FileDecisionLog.open({ dir: '/d', fs: disk, compactEvery: 3 });
    await log.recover();
    await log.record('t', 'commit', ['p']);
    await log.end('t');
    expect(log.size).toBe(0);
    expect(log.endedSize).toBe(1);
    expect(await log.lookup('t')).toBe('commit');
    expect(await answerStatusQuery(log, { type: 'status', txId: 't', from: 'p', to: 'c' }, { from: 'c' })).toMatchObject({ type: 'commit' });
    expect(await log.record('t', 'abort', ['p'])).toBe('commit');
    for (let i = 0; i < 5; i++) {
      await log.record(`u${i}`, 'commit', ['p']);
      await log.end(`u${i}`); // compacts (every 3 ENDs)
    }
    log.close();
    const again = FileDecisionLog.open({ dir: '/d', fs: disk.afterCrash(seededRandom(1)) });
    expect(disk.list()).toHaveLength(1); // compacted
    expect(disk.list()).not.toContain('log-0000000000000000.rec');
    expect(again.lookupSync('t')).toBe('commit');
    expect(again.recordSync('t', 'abort', [])).toBe('commit');
    expect(again.lookupSync('u0')).toBe('commit');
    expect((await again.recover()).pending).toEqual([]);
  });

  it('is bounded by maxEndedDecisions (the oldest are forgotten, also after a restart); 0 forgets at END', async () => {
    const disk = new CrashFs();
    const log = FileDecisionLog.open({ dir: '/d', fs: disk, maxEndedDecisions: 2, compactEvery: 2 });
    log.recoverSync();
    for (const id of ['a', 'b', 'c']) {
      log.recordSync(id, 'commit', ['p']);
      log.endSync(id);
    }
    expect(log.endedSize).toBe(2);
    expect(log.lookupSync('a')).toBeUndefined();
    expect(log.lookupSync('c')).toBe('commit');
    log.recordSync('d', 'commit', ['p']); // its fsync carries the lazy END of c
    log.close();
    const again = FileDecisionLog.open({ dir: '/d', fs: disk, maxEndedDecisions: 2 });
    expect(['a', 'b', 'c'].map((id) => again.lookupSync(id))).toEqual([undefined, 'commit', 'commit']);
    const none = FileDecisionLog.open({ dir: '/z', fs: new CrashFs(), maxEndedDecisions: 0 });
    none.recordSync('t', 'commit', ['p']);
    none.endSync('t');
    expect(none.lookupSync('t')).toBeUndefined();
    expect(() => FileDecisionLog.open({ dir: '/y', fs: new CrashFs(), maxEndedDecisions: -1 })).toThrow(/maxEndedDecisions must be a non-negative integer/);
  });

  it('ends an abort at once: the aborts recorded for status queries do not pile up', async () => {
    const { answerStatusQuery } = await import('./answer-status-query.js');
    const disk = new CrashFs();
    const log = FileDecisionLog.open({ dir: '/d', fs: disk, compactEvery: 10, maxEndedDecisions: 20 });
    await log.recover();
    for (let i = 0; i < 100; i++) await answerStatusQuery(log, { type: 'status', txId: `ghost${i}`, from: 'p', to: 'c' }, { from: 'c' });
    expect(log.size).toBe(0);
    expect(log.endedSize).toBe(20);
    expect(await log.lookup('ghost99')).toBe('abort');
    expect(await log.record('ghost99', 'commit', ['p'])).toBe('abort');
    expect((await log.recover()).pending).toEqual([]);
    const bytes = disk.list().reduce((n, name) => n + disk.readFile(name).byteLength, 0);
    expect(bytes).toBeLessThan(20 * 120);
  });

  it('refuses a malformed ended chunk', () => {
    const disk = new CrashFs();
    const { log } = RecordLog.open({ dir: '/d', fs: disk });
    log.append(new TextEncoder().encode('{"type":"ended","entries":[["t","maybe"]]}'));
    log.sync();
    expect(() => FileDecisionLog.open({ dir: '/d', fs: disk })).toThrow(/not a decision-log record/);
  });
});

describe('answerStatusQuery', () => {
  it('answers the recorded decision, else abort recorded first (so a later commit loses)', async () => {
    const { answerStatusQuery } = await import('./answer-status-query.js');
    const log = FileDecisionLog.open({ dir: '/d', fs: new CrashFs() });
    await log.record('done', 'commit', ['p']);
    expect(await answerStatusQuery(log, { type: 'status', txId: 'done', from: 'p', to: 'c' }, { from: 'm2' })).toEqual({ type: 'commit', txId: 'done', from: 'm2', to: 'p', epoch: 0 });
    expect(await answerStatusQuery(log, { type: 'status', txId: 'ghost', from: 'p', to: 'c' }, { from: 'm2', epoch: 3 })).toEqual({ type: 'abort', txId: 'ghost', from: 'm2', to: 'p', epoch: 3 });
    expect(await log.record('ghost', 'commit', ['p'])).toBe('abort');
  });
});
