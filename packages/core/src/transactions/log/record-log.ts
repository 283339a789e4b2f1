import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { WalCorruptionError } from '../../raft/wal/wal-corruption-error.js';
import { type WalFs, nodeWalFs } from '../../raft/wal/wal-fs.js';
import { frame, readFrame } from '../../raft/wal/wal-record.js';
import { RecordLogFailedError } from './record-log-failed-error.js';

/** Options of {@link RecordLog.open}. */
export interface RecordLogOptions {
  /** The log's directory; created (with its parents) if missing. Holds nothing else of ours. */
  readonly dir: string;
  /** The file operations. Default `nodeWalFs` (synchronous `node:fs`). */
  readonly fs?: WalFs;
  /** Roll to a new segment file once the current one reaches this many bytes. Default 16 MiB. */
  readonly maxSegmentBytes?: number;
  /**
   * Called after each fsync of appended records with how long the write plus fsync took, in
   * **seconds** (for a Prometheus histogram). Default none. A listener that throws is ignored.
   */
  readonly onSync?: (seconds: number) => void;
}

/** Frame type codes. A `base` frame opens a compacted segment: every older segment is obsolete. */
const RECORD = 1;
const BASE = 2;
const DEFAULT_MAX_SEGMENT_BYTES = 16 * 1024 * 1024;
const SEGMENT = /^log-(\d{16})\.rec$/;
const TEMP = 'compact.tmp';
const SUBJECT = 'record log';
const segmentName = (seq: number): string => `log-${String(seq).padStart(16, '0')}.rec`;

interface Segment {
  readonly seq: number;
  readonly file: string;
  size: number;
}

/**
 * A durable, append-only log of opaque records in one directory, for the transaction logs
 * (two-phase commit's coordinator and participants, the saga orchestrator). It reuses the Raft
 * WAL's checksummed frame and its crash rules (see `design.md` beside this file):
 *
 * - `append` buffers; `sync` writes the buffer and fsyncs **once** (group commit). A record is
 *   durable when the `sync` after it returns — force a record by appending then syncing.
 * - Segment files `log-<seq>.rec` roll at `maxSegmentBytes`; a new file's name is made durable
 *   (directory fsync) before any record goes into it.
 * - `open` replays every record in order. A torn last record of the newest segment (a crash
 *   mid-write) is cut off and the cut fsynced; damage anywhere else throws
 *   {@link WalCorruptionError} naming the file and byte offset.
 * - `compact(live)` replaces the whole log by `live`, atomically with respect to crashes.
 *
 * The disk calls are synchronous, like the WAL's: a sync blocks the event loop for its fsync.
 *
 * Fail-stop: when `sync`, `compact` or a roll throws (a failed write, fsync, rename…), the disk
 * holds an unknown prefix of what was asked (as after a crash — and a retried fsync that
 * succeeds proves nothing), so the log marks itself failed: that call rethrows the file
 * system's error and every later call throws {@link RecordLogFailedError} (`cause`: that
 * error). To recover, `close` it and `open` the directory again.
 *
 * @example
 * const { log, records } = RecordLog.open({ dir: '/var/lib/tx/coordinator' });
 * for (const r of records) replay(JSON.parse(new TextDecoder().decode(r)));
 * log.append(new TextEncoder().encode(JSON.stringify({ type: 'commit', txId: 't1' })));
 * log.sync(); // durable now: safe to send the commit
 */
export class RecordLog {
  private buffer: Uint8Array[] = [];
  private fd: number;
  private closed = false;
  private failure: { readonly error: unknown } | undefined;
  /** fsyncs done so far (file and directory), for tests and measurements. */
  syncCount = 0;

  private constructor(
    private readonly fs: WalFs,
    private readonly dir: string,
    private readonly maxSegmentBytes: number,
    private readonly onSync: ((seconds: number) => void) | undefined,
    private segments: Segment[],
  ) {
    this.fd = fs.openAppend(this.current().file);
  }

  /**
   * Opens (creating) the log in `options.dir` and replays it.
   *
   * @returns the log, ready for appends, and every durable record in append order (compacted
   *   logs start with the `live` records of the last completed `compact`)
   * @throws {TypeError} when `dir` is not a non-empty string, `fs` not an object or `onSync` not a function
   * @throws {RangeError} when `maxSegmentBytes` is not a positive integer
   * @throws {WalCorruptionError} when a record other than the newest segment's torn tail is damaged
   */
  static open(options: RecordLogOptions): { log: RecordLog; records: Uint8Array[] } {
    const { dir } = options ?? ({} as RecordLogOptions);
    if (typeof dir !== 'string' || dir === '') throw new TypeError(`RecordLog: options.dir must be a non-empty string, got ${String(dir)}`);
    const fs = options.fs === undefined ? nodeWalFs : options.fs;
    if (typeof fs !== 'object' || fs === null) throw new TypeError('RecordLog: options.fs must be a WalFs object');
    const maxSegmentBytes = options.maxSegmentBytes ?? DEFAULT_MAX_SEGMENT_BYTES;
    if (!Number.isInteger(maxSegmentBytes) || maxSegmentBytes <= 0) {
      throw new RangeError(`RecordLog: options.maxSegmentBytes must be a positive integer, got ${String(maxSegmentBytes)}`);
    }
    if (options.onSync !== undefined && typeof options.onSync !== 'function') {
      throw new TypeError(`RecordLog: options.onSync must be a function, got ${typeof options.onSync}`);
    }

    fs.mkdir(dir);
    const names = fs.readdir(dir);
    // A compaction that crashed before its rename: the temporary file is garbage.
    if (names.includes(TEMP)) fs.unlink(path.join(dir, TEMP));
    const seqs = names
      .map((name) => SEGMENT.exec(name))
      .filter((m) => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    const contents = seqs.map((seq) => ({ seq, file: path.join(dir, segmentName(seq)), bytes: fs.readFile(path.join(dir, segmentName(seq))) }));

    // The newest compacted segment (it starts with a base frame) holds everything before it.
    let start = 0;
    for (let i = contents.length - 1; i >= 0; i--) {
      const bytes = (contents[i] as (typeof contents)[number]).bytes;
      const first = bytes.byteLength > 0 ? readFrame(bytes, 0) : undefined;
      if (first?.status === 'ok' && first.typeCode === BASE) {
        start = i;
        break;
      }
    }
    let dirty = false;
    for (const obsolete of contents.slice(0, start)) {
      fs.unlink(obsolete.file);
      dirty = true;
    }

    const records: Uint8Array[] = [];
    const segments: Segment[] = [];
    const kept = contents.slice(start);
    kept.forEach(({ seq, file, bytes }, i) => {
      const last = i === kept.length - 1;
      const segment: Segment = { seq, file, size: bytes.byteLength };
      let offset = 0;
      while (offset < bytes.byteLength) {
        const read = readFrame(bytes, offset);
        // Only the newest segment can end in a record a crash cut short or garbled up to its end:
        // older ones were fsynced whole before the roll (the WAL's rule).
        const tornTail = last && (read.status === 'short' || (read.status === 'bad-checksum' && read.end === bytes.byteLength));
        if (tornTail) {
          fs.truncate(file, offset);
          segment.size = offset;
          const fd = fs.openAppend(file);
          fs.fsync(fd);
          fs.close(fd);
          break;
        }
        if (read.status !== 'ok') {
          throw new WalCorruptionError(file, offset, read.status === 'short' ? 'a record is cut short' : 'checksum mismatch', SUBJECT);
        }
        if (read.typeCode === RECORD) records.push(read.payload.slice());
        else if (read.typeCode !== BASE || offset !== 0) {
          throw new WalCorruptionError(file, offset, read.typeCode === BASE ? 'a base record past the start of a segment' : `unknown record type ${read.typeCode}`, SUBJECT);
        }
        offset = read.next;
      }
      segments.push(segment);
    });
    if (segments.length === 0) {
      // The constructor's openAppend creates the file; the directory fsync makes its name durable.
      segments.push({ seq: 0, file: path.join(dir, segmentName(0)), size: 0 });
      dirty = true;
    }
    const log = new RecordLog(fs, dir, maxSegmentBytes, options.onSync, segments);
    if (dirty) log.fsyncDir();
    return { log, records };
  }

  /** Buffers `record` (copied); durable once the next {@link RecordLog.sync} returns. */
  append(record: Uint8Array): void {
    this.alive('append');
    if (!(record instanceof Uint8Array)) throw new TypeError(`RecordLog: append() takes a Uint8Array, got ${typeof record}`);
    this.buffer.push(frame(RECORD, record));
  }

  /** Records appended and not yet synced. */
  get pending(): number {
    return this.buffer.length;
  }

  /**
   * Writes every buffered record and fsyncs once (group commit); a no-op when nothing is buffered.
   * Rolls to a new segment (created, directory fsynced) once the current one is full.
   *
   * @throws whatever the file system throws; the log is then failed (see "Fail-stop": close it
   *   and reopen; records whose sync failed may or may not be durable, as after a crash)
   * @throws {RecordLogFailedError} when an earlier call failed
   */
  sync(): void {
    this.alive('sync');
    if (this.buffer.length === 0) return;
    this.guard(() => {
      const bytes = concat(this.buffer);
      const started = this.onSync === undefined ? 0 : performance.now();
      this.fs.write(this.fd, bytes);
      this.buffer = [];
      this.current().size += bytes.byteLength;
      this.fs.fsync(this.fd);
      this.syncCount++;
      if (this.onSync !== undefined) {
        try {
          this.onSync((performance.now() - started) / 1000);
        } catch {
          // metrics never fail a write
        }
      }
      if (this.current().size >= this.maxSegmentBytes) this.roll();
    });
  }

  /**
   * Replaces the whole log by `live` (in order), durably and atomically with respect to a crash:
   * the records go to a temporary file, which is fsynced, renamed to a new segment that opens
   * with a base marker, and the directory fsynced; only then are the old segments removed (and
   * the directory fsynced again). A crash before the rename's directory fsync leaves the old log,
   * after it the new one. Records appended but not synced are dropped: `live` is the whole truth.
   * For dropping finished transactions or sagas.
   *
   * @throws whatever the file system throws; the log is then failed (see "Fail-stop"): the
   *   buffer is kept until the rename, and after it the log must not append to the old segment
   *   (a reopen deletes it as obsolete), so no later call runs
   * @throws {RecordLogFailedError} when an earlier call failed
   */
  compact(live: readonly Uint8Array[]): void {
    this.alive('compact');
    for (const record of live) {
      if (!(record instanceof Uint8Array)) throw new TypeError('RecordLog: compact() takes an array of Uint8Array');
    }
    this.guard(() => {
      const temp = path.join(this.dir, TEMP);
      const frames = [frame(BASE, new Uint8Array(0)), ...live.map((r) => frame(RECORD, r))];
      const bytes = concat(frames);
      const tempFd = this.fs.openAppend(temp);
      try {
        this.fs.write(tempFd, bytes);
        this.fs.fsync(tempFd);
      } finally {
        this.fs.close(tempFd);
      }
      const seq = this.current().seq + 1;
      const file = path.join(this.dir, segmentName(seq));
      this.fs.rename(temp, file);
      // `live` is the whole truth from here on: what was buffered is dropped (documented).
      this.buffer = [];
      this.fsyncDir();
      this.fs.close(this.fd);
      const old = this.segments;
      this.segments = [{ seq, file, size: bytes.byteLength }];
      this.fd = this.fs.openAppend(file);
      for (const segment of old) this.fs.unlink(segment.file);
      this.fsyncDir();
    });
  }

  /** The error that failed the log (see "Fail-stop"), or `undefined` while it works. */
  get failed(): unknown {
    return this.failure?.error;
  }

  /** The segment files, oldest first (for tests and operators). */
  segmentFiles(): string[] {
    return this.segments.map((s) => s.file);
  }

  /** Closes the current segment; records appended and not synced are dropped. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffer = [];
    this.fs.close(this.fd);
  }

  private current(): Segment {
    return this.segments.at(-1) as Segment;
  }

  // The new file's name is made durable before anything goes into it (etcd #6368): a record
  // fsynced into a file whose name a crash loses would be an acknowledged record lost.
  private roll(): void {
    this.fs.close(this.fd);
    const seq = this.current().seq + 1;
    const file = path.join(this.dir, segmentName(seq));
    this.segments.push({ seq, file, size: 0 });
    this.fd = this.fs.openAppend(file);
    this.fsyncDir();
  }

  private fsyncDir(): void {
    this.fs.fsyncDir(this.dir);
    this.syncCount++;
  }

  private alive(call: string): void {
    if (this.failure !== undefined) throw new RecordLogFailedError(this.dir, this.failure.error);
    if (this.closed) throw new Error(`RecordLog: ${call}() after close()`);
  }

  // Runs the disk work of a call; its first failure fails the log for good (see "Fail-stop").
  private guard(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.failure = { error };
      throw error;
    }
  }
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  let size = 0;
  for (const chunk of chunks) size += chunk.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
