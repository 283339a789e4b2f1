import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CrashError, CrashFs } from '../../raft/wal/crash-fs.js';
import { isWalCorruptionError } from '../../raft/wal/wal-corruption-error.js';
import { frame } from '../../raft/wal/wal-record.js';
import { seededRandom } from '../../testing/seeded-random.js';
import { FaultFs } from './fault-fs.js';
import { RecordLogFailedError, isRecordLogFailedError } from './record-log-failed-error.js';
import { RecordLog } from './record-log.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (records: readonly Uint8Array[]): string[] => records.map((r) => new TextDecoder().decode(r));
const FIRST = '/log/log-0000000000000000.rec';

describe('RecordLog', () => {
  it('replays synced records in order across segments and reopens', () => {
    const disk = new CrashFs();
    const { log, records } = RecordLog.open({ dir: '/log', fs: disk, maxSegmentBytes: 40 });
    expect(records).toEqual([]);
    for (let i = 0; i < 10; i++) {
      log.append(enc(`record-${i}`));
      if (i % 3 === 2) log.sync();
    }
    log.sync();
    expect(log.segmentFiles().length).toBeGreaterThan(2);
    log.close();
    const again = RecordLog.open({ dir: '/log', fs: disk, maxSegmentBytes: 40 });
    expect(dec(again.records)).toEqual(Array.from({ length: 10 }, (_, i) => `record-${i}`));
    again.log.append(enc('more'));
    again.log.sync();
    again.log.close();
    expect(dec(RecordLog.open({ dir: '/log', fs: disk, maxSegmentBytes: 40 }).records).at(-1)).toBe('more');
  });

  it('keeps empty records and binary content exactly', () => {
    const disk = new CrashFs();
    const { log } = RecordLog.open({ dir: '/log', fs: disk });
    log.append(new Uint8Array(0));
    log.append(new Uint8Array([0, 255, 1]));
    log.sync();
    log.close();
    expect(RecordLog.open({ dir: '/log', fs: disk }).records).toEqual([new Uint8Array(0), new Uint8Array([0, 255, 1])]);
  });

  it('syncs once per sync() however many records (group commit), and not at all when nothing is buffered', () => {
    const disk = new CrashFs();
    const { log } = RecordLog.open({ dir: '/log', fs: disk });
    const before = log.syncCount;
    for (let i = 0; i < 50; i++) log.append(enc(`r${i}`));
    expect(log.pending).toBe(50);
    log.sync();
    expect(log.pending).toBe(0);
    expect(log.syncCount).toBe(before + 1);
    log.sync();
    expect(log.syncCount).toBe(before + 1);
  });

  it('loses records appended but not synced (close drops them; a power cut may too)', () => {
    const disk = new CrashFs();
    const { log } = RecordLog.open({ dir: '/log', fs: disk });
    log.append(enc('kept'));
    log.sync();
    log.append(enc('dropped'));
    log.close();
    expect(dec(RecordLog.open({ dir: '/log', fs: disk }).records)).toEqual(['kept']);
  });

  it('makes a new segment name durable before writing into it', () => {
    const disk = new CrashFs();
    const { log } = RecordLog.open({ dir: '/log', fs: disk, maxSegmentBytes: 20 });
    log.append(enc('a long enough record'));
    log.sync(); // rolls
    log.append(enc('second'));
    log.sync();
    // Power cut now: every name change not followed by a directory fsync may be lost.
    for (let seed = 1; seed <= 20; seed++) {
      expect(dec(RecordLog.open({ dir: '/log', fs: disk.afterCrash(seededRandom(seed)), maxSegmentBytes: 20 }).records)).toEqual([
        'a long enough record',
        'second',
      ]);
    }
  });

  it('reports each fsync to onSync in seconds, and ignores a listener that throws', () => {
    const seen: number[] = [];
    const { log } = RecordLog.open({ dir: '/log', fs: new CrashFs(), onSync: (s) => seen.push(s) });
    log.append(enc('x'));
    log.sync();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeGreaterThanOrEqual(0);
    expect(seen[0]).toBeLessThan(60);
    const throwing = RecordLog.open({
      dir: '/log2',
      fs: new CrashFs(),
      onSync: () => {
        throw new Error('metrics down');
      },
    }).log;
    throwing.append(enc('x'));
    expect(() => throwing.sync()).not.toThrow();
  });

  it('validates its options and its arguments', () => {
    const fs = new CrashFs();
    expect(() => RecordLog.open({ dir: '', fs })).toThrow(/options\.dir must be a non-empty string/);
    expect(() => RecordLog.open(undefined as never)).toThrow(TypeError);
    expect(() => RecordLog.open({ dir: '/l', fs, maxSegmentBytes: 0 })).toThrow(/maxSegmentBytes must be a positive integer, got 0/);
    expect(() => RecordLog.open({ dir: '/l', fs, maxSegmentBytes: 1.5 })).toThrow(RangeError);
    expect(() => RecordLog.open({ dir: '/l', fs, onSync: 3 as never })).toThrow(/onSync must be a function, got number/);
    expect(() => RecordLog.open({ dir: '/l', fs: null as never })).toThrow(/options\.fs/);
    const { log } = RecordLog.open({ dir: '/l', fs });
    expect(() => log.append('text' as never)).toThrow(/append\(\) takes a Uint8Array/);
    expect(() => log.compact(['text' as never])).toThrow(/compact\(\) takes an array of Uint8Array/);
    log.close();
    log.close();
    expect(() => log.append(enc('x'))).toThrow(/append\(\) after close/);
    expect(() => log.sync()).toThrow(/sync\(\) after close/);
    expect(() => log.compact([])).toThrow(/compact\(\) after close/);
  });
});

describe('RecordLog torn tail and corruption', () => {
  function written(maxSegmentBytes = 10_000): { disk: CrashFs; offsets: number[]; files: string[] } {
    const disk = new CrashFs();
    const { log } = RecordLog.open({ dir: '/log', fs: disk, maxSegmentBytes });
    const offsets: number[] = [];
    for (let i = 0; i < 4; i++) {
      offsets.push(disk.readFile(log.segmentFiles().at(-1) as string).byteLength);
      log.append(enc(`record-number-${i}`));
      log.sync();
    }
    const files = log.segmentFiles();
    log.close();
    return { disk, offsets, files };
  }

  it('cuts a torn last record off, fsyncs the cut, and appends after it', () => {
    const { disk } = written();
    const size = disk.readFile(FIRST).byteLength;
    disk.truncate(FIRST, size - 3);
    const { log, records } = RecordLog.open({ dir: '/log', fs: disk });
    expect(dec(records)).toEqual(['record-number-0', 'record-number-1', 'record-number-2']);
    log.append(enc('after'));
    log.sync();
    log.close();
    // The cut was fsynced: a power cut right after does not bring the garbage back.
    const after = disk.afterCrash(seededRandom(7));
    expect(dec(RecordLog.open({ dir: '/log', fs: after }).records)).toEqual(['record-number-0', 'record-number-1', 'record-number-2', 'after']);
  });

  it('cuts a last record whose checksum fails up to the end of the file (a garbled tail)', () => {
    const { disk, offsets } = written();
    disk.corrupt(FIRST, (offsets[3] as number) + 12);
    expect(dec(RecordLog.open({ dir: '/log', fs: disk }).records)).toEqual(['record-number-0', 'record-number-1', 'record-number-2']);
  });

  it('refuses a flipped byte in the middle of the log, naming the file and offset', () => {
    const { disk, offsets } = written();
    disk.corrupt(FIRST, (offsets[1] as number) + 12);
    let caught: unknown;
    try {
      RecordLog.open({ dir: '/log', fs: disk });
    } catch (error) {
      caught = error;
    }
    expect(isWalCorruptionError(caught)).toBe(true);
    expect(caught).toMatchObject({ code: 'EWALCORRUPT', file: FIRST, offset: offsets[1], reason: 'checksum mismatch' });
    expect(String((caught as Error).message)).toBe(`record log: ${FIRST} is corrupt at byte ${offsets[1]}: checksum mismatch`);
  });

  it('refuses a record cut short in a segment before the newest', () => {
    const { disk, files } = written(30);
    expect(files.length).toBeGreaterThan(2);
    const first = files[0] as string;
    const size = disk.readFile(first).byteLength;
    disk.truncate(first, size - 2);
    // Each record here is 9 header bytes + 15: the cut one starts 24 bytes before the old end.
    expect(() => RecordLog.open({ dir: '/log', fs: disk, maxSegmentBytes: 30 })).toThrow(
      expect.objectContaining({ code: 'EWALCORRUPT', file: first, offset: size - 24, reason: 'a record is cut short' }),
    );
  });

  it('refuses an unknown record type and a base marker past the start of a segment', () => {
    for (const [code, reason] of [
      [42, 'unknown record type 42'],
      [2, 'a base record past the start of a segment'],
    ] as const) {
      const { disk, offsets } = written();
      const size = disk.readFile(FIRST).byteLength;
      const fd = disk.openAppend(FIRST);
      disk.write(fd, frame(code, new Uint8Array([1])));
      disk.write(fd, frame(1, new Uint8Array([1])));
      disk.fsync(fd);
      expect(offsets.length).toBe(4);
      expect(() => RecordLog.open({ dir: '/log', fs: disk })).toThrow(expect.objectContaining({ file: FIRST, offset: size, reason }));
    }
  });
});

describe('RecordLog compaction', () => {
  it('replaces the whole log by the live records and removes the old segments', () => {
    const disk = new CrashFs();
    const { log } = RecordLog.open({ dir: '/log', fs: disk, maxSegmentBytes: 30 });
    for (let i = 0; i < 6; i++) {
      log.append(enc(`old-${i}`));
      log.sync();
    }
    log.append(enc('unsynced is dropped'));
    log.compact([enc('live-1'), enc('live-2')]);
    expect(log.segmentFiles()).toHaveLength(1);
    expect(disk.list()).toEqual([(log.segmentFiles()[0] as string).slice('/log/'.length)]);
    log.append(enc('next'));
    log.sync();
    log.close();
    expect(dec(RecordLog.open({ dir: '/log', fs: disk, maxSegmentBytes: 30 }).records)).toEqual(['live-1', 'live-2', 'next']);
  });

  it('compacts to nothing, and compacts twice', () => {
    const disk = new CrashFs();
    const { log } = RecordLog.open({ dir: '/log', fs: disk });
    log.append(enc('a'));
    log.sync();
    log.compact([]);
    log.append(enc('b'));
    log.sync();
    log.compact([enc('b')]);
    log.close();
    expect(dec(RecordLog.open({ dir: '/log', fs: disk }).records)).toEqual(['b']);
  });

  it('removes the leftover temporary file and segments older than a compacted one at open', () => {
    const disk = new CrashFs();
    const { log } = RecordLog.open({ dir: '/log', fs: disk });
    log.append(enc('a'));
    log.sync();
    log.compact([enc('live')]);
    log.close();
    // As a crash between the rename and the unlinks leaves it, plus an unfinished temporary file.
    const fd = disk.openAppend('/log/log-0000000000000000.rec');
    disk.write(fd, frame(1, enc('stale')));
    const tmp = disk.openAppend('/log/compact.tmp');
    disk.write(tmp, enc('garbage'));
    const { records } = RecordLog.open({ dir: '/log', fs: disk });
    expect(dec(records)).toEqual(['live']);
    expect(disk.list()).toEqual(['log-0000000000000001.rec']);
  });
});

// ---- Crash safety: crash at every write step, restart from what the disk kept. ----

type Op = { kind: 'append'; n: number } | { kind: 'sync' } | { kind: 'compact'; keep: number };

interface Expectation {
  /** Records of the current epoch, appended in order (synced or not). */
  all: string[];
  /** How many of them are durable. */
  durable: number;
}

// Runs `ops`, crashing at write step `crashAt`; restarts from the crashed disk and checks that
// what comes back is what the log promised: every synced record, in order, then possibly some
// unsynced ones (a prefix), and for a crash inside compact() either the old log or the new one.
function crashAndCheck(ops: readonly Op[], crashAt: number, seed: number, maxSegmentBytes: number): boolean {
  const disk = new CrashFs(crashAt);
  let state: Expectation = { all: [], durable: 0 };
  let alternative: Expectation | undefined;
  let crashed = false;
  let counter = 0;
  try {
    const { log } = RecordLog.open({ dir: '/log', fs: disk, maxSegmentBytes });
    for (const op of ops) {
      if (op.kind === 'append') {
        for (let i = 0; i < op.n; i++) {
          const text = `r${counter++}-${'x'.repeat(counter % 7)}`;
          log.append(enc(text));
          state.all.push(text);
        }
      } else if (op.kind === 'sync') {
        log.sync();
        state.durable = state.all.length;
      } else {
        const live = state.all.slice(0, state.durable).filter((_, i) => i % (op.keep + 1) === 0);
        state.all = state.all.slice(0, state.durable);
        alternative = { all: live, durable: live.length };
        log.compact(live.map(enc));
        state = alternative;
        alternative = undefined;
      }
    }
    log.close();
  } catch (error) {
    if (!(error instanceof CrashError)) throw error;
    crashed = true;
  }
  const { records } = RecordLog.open({ dir: '/log', fs: disk.afterCrash(seededRandom(seed)), maxSegmentBytes });
  const found = dec(records);
  const fits = (e: Expectation): boolean =>
    found.length >= e.durable && found.length <= e.all.length && found.every((r, i) => r === e.all[i]);
  if (!fits(state) && (alternative === undefined || !fits(alternative))) {
    throw new Error(
      `crashAt ${crashAt} seed ${seed}: found ${JSON.stringify(found)}, expected ≥${state.durable} of ${JSON.stringify(state.all)}` +
        (alternative ? ` or exactly ${JSON.stringify(alternative.all)}` : ''),
    );
  }
  return crashed;
}

const SCRIPT: Op[] = [
  { kind: 'append', n: 2 },
  { kind: 'sync' },
  { kind: 'append', n: 1 },
  { kind: 'sync' },
  { kind: 'append', n: 3 },
  { kind: 'sync' },
  { kind: 'compact', keep: 1 },
  { kind: 'append', n: 2 },
  { kind: 'sync' },
  { kind: 'append', n: 1 },
  { kind: 'compact', keep: 0 },
  { kind: 'sync' },
  { kind: 'append', n: 4 },
  { kind: 'sync' },
  { kind: 'compact', keep: 2 },
  { kind: 'append', n: 1 },
  { kind: 'sync' },
];

describe('RecordLog fail-stop on I/O errors', () => {
  const failed = (call: () => void): unknown => {
    try {
      call();
    } catch (error) {
      return error;
    }
    throw new Error('expected the call to throw');
  };

  it('a failed fsync fails the log: that sync throws the EIO, every later call RecordLogFailedError', () => {
    const disk = new FaultFs(new CrashFs());
    const { log } = RecordLog.open({ dir: '/log', fs: disk });
    log.append(enc('a'));
    disk.failNext('fsync');
    expect(() => log.sync()).toThrow(/EIO: i\/o error, fsync/);
    // A retried fsync that succeeds would prove nothing: the log stays failed.
    const later = failed(() => log.append(enc('c')));
    expect(isRecordLogFailedError(later)).toBe(true);
    expect(later).toMatchObject({ dir: '/log', code: 'ERECORDLOGFAILED', name: 'RecordLogFailedError' });
    expect(String((later as Error).message)).toMatch(/record log in \/log failed \(reopen it to recover\): Error: EIO/);
    expect(isRecordLogFailedError(failed(() => log.sync()))).toBe(true);
    expect(isRecordLogFailedError(failed(() => log.compact([])))).toBe(true);
    expect(String(log.failed)).toMatch(/EIO/);
    log.close();
    expect(dec(RecordLog.open({ dir: '/log', fs: disk.inner }).records)).toEqual(['a']); // the write landed, the fsync is unknown
  });

  it('a compaction whose temporary write fails keeps the buffered records out of a later "successful" sync: the log is failed', () => {
    const disk = new FaultFs(new CrashFs());
    const { log } = RecordLog.open({ dir: '/log', fs: disk });
    log.append(enc('old'));
    log.sync();
    log.append(enc('buffered'));
    disk.failNext('write');
    expect(() => log.compact([enc('live')])).toThrow(/EIO/);
    expect(isRecordLogFailedError(failed(() => log.sync()))).toBe(true);
    log.close();
    // The old log is intact (the temp file is garbage); nothing claimed 'buffered' durable.
    expect(dec(RecordLog.open({ dir: '/log', fs: disk.inner }).records)).toEqual(['old']);
  });

  it('a compaction that fails after its rename never appends to the obsolete old segment', () => {
    const disk = new FaultFs(new CrashFs());
    const { log } = RecordLog.open({ dir: '/log', fs: disk });
    log.append(enc('old'));
    log.sync();
    disk.failNext('fsyncDir');
    expect(() => log.compact([enc('live')])).toThrow(/EIO/);
    expect(isRecordLogFailedError(failed(() => log.append(enc('after'))))).toBe(true);
    expect(isRecordLogFailedError(failed(() => log.sync()))).toBe(true);
    log.close();
    expect(dec(RecordLog.open({ dir: '/log', fs: disk.inner }).records)).toEqual(['live']);
  });

  it('a roll whose directory fsync fails fails the log', () => {
    const disk = new FaultFs(new CrashFs());
    const { log } = RecordLog.open({ dir: '/log', fs: disk, maxSegmentBytes: 10 });
    log.append(enc('a long enough record'));
    disk.failNext('fsyncDir');
    expect(() => log.sync()).toThrow(/EIO/);
    expect(failed(() => log.append(enc('x')))).toBeInstanceOf(RecordLogFailedError);
    expect(failed(() => log.sync())).toBeInstanceOf(RecordLogFailedError);
  });
});

describe('RecordLog crash safety (in-memory disk)', () => {
  it('keeps every synced record, and the old or the new log across a compaction, when the disk crashes at any write step', () => {
    let steps = 0;
    for (const maxSegmentBytes of [25, 60, 10_000]) {
      let step = 1;
      // Crash at step 1, 2, … until the script runs to the end without reaching the crash point.
      while (crashAndCheck(SCRIPT, step, step, maxSegmentBytes)) {
        for (const seed of [step * 7919, step * 104_729 + 1]) crashAndCheck(SCRIPT, step, seed, maxSegmentBytes);
        step++;
      }
      steps += step;
    }
    expect(steps).toBeGreaterThan(60);
  });

  it('keeps every synced record across a crash at a random step of a random workload (property)', () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }).map((n) => ({ kind: 'append' as const, n })) },
      { weight: 3, arbitrary: fc.constant({ kind: 'sync' as const }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }).map((keep) => ({ kind: 'compact' as const, keep })) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), fc.integer({ min: 1, max: 80 }), fc.integer(), fc.integer({ min: 16, max: 200 }), (ops, at, seed, max) => {
        crashAndCheck(ops, at, seed, max);
      }),
      { numRuns: 300 },
    );
  });
});
