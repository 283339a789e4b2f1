import * as path from 'node:path';
import { type WalRecord, decodeRecord, encodeRecord, maxEntryIndex, readFrame } from './wal-record.js';
import { WalCorruptionError } from './wal-corruption-error.js';
import type { WalFs } from './wal-fs.js';

interface Segment {
  readonly seq: number;
  readonly file: string;
  /** The highest entry index written to it (0 for none): it may go once a snapshot covers it. */
  maxIndex: number;
  size: number;
}

/** Options of {@link Wal.open}. */
export interface WalOptions {
  readonly dir: string;
  readonly fs: WalFs;
  /** Roll to a new segment once the current one reaches this many bytes. */
  readonly maxSegmentBytes: number;
  /** The records that restate the current state at the top of each new segment. */
  readonly header: () => readonly WalRecord[];
}

const SEGMENT = /^wal-(\d{16})\.log$/;
const segmentName = (seq: number): string => `wal-${String(seq).padStart(16, '0')}.log`;

/**
 * The write-ahead log: ordered records in segment files `wal-<seq>.log`. `append` buffers;
 * `sync` writes the buffer and fsyncs once (group commit). Every segment starts with the header
 * records, so segments before one can be deleted without losing anything but old entries.
 * Internal to `FileStorage`.
 */
export class Wal {
  private buffer: Uint8Array[] = [];
  private bufferedMaxIndex = 0;
  private fd: number;
  private closed = false;
  /** fsyncs done (file and directory), for measurements. */
  syncs = 0;

  private constructor(
    private readonly options: WalOptions,
    private readonly segments: Segment[],
  ) {
    this.fd = options.fs.openAppend((segments.at(-1) as Segment).file);
  }

  /**
   * Opens (creating) the log in `options.dir` and replays it. A torn last record of the last
   * segment is cut off (and the cut fsynced).
   *
   * @throws {WalCorruptionError} on damage anywhere else
   */
  static open(options: WalOptions): { wal: Wal; records: WalRecord[] } {
    const { fs, dir } = options;
    fs.mkdir(dir);
    const seqs = fs
      .readdir(dir)
      .map((name) => SEGMENT.exec(name))
      .filter((m) => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    const records: WalRecord[] = [];
    const segments: Segment[] = [];
    seqs.forEach((seq, i) => {
      const file = path.join(dir, segmentName(seq));
      const bytes = fs.readFile(file);
      const last = i === seqs.length - 1;
      const segment: Segment = { seq, file, maxIndex: 0, size: bytes.byteLength };
      let offset = 0;
      while (offset < bytes.byteLength) {
        const read = readFrame(bytes, offset);
        // A crash mid-write leaves a cut or garbled record at the very end of the newest
        // segment and nowhere else: older segments were fsynced whole before the roll.
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
          throw new WalCorruptionError(file, offset, read.status === 'short' ? 'a record is cut short' : 'checksum mismatch');
        }
        const record = decodeRecord(read.typeCode, read.payload);
        if (record === undefined) throw new WalCorruptionError(file, offset, `unknown record type ${read.typeCode}`);
        segment.maxIndex = Math.max(segment.maxIndex, maxEntryIndex(record));
        records.push(record);
        offset = read.next;
      }
      segments.push(segment);
    });
    // A new log, or one whose first header a crash cut short (nothing is written after a header
    // until it is fsynced): start it afresh with a header, so that the next open finds the initial
    // state in the log rather than in its options.
    const header = options.header();
    if (segments.length <= 1 && records.length < header.length) {
      if (segments.length === 0) segments.push({ seq: 0, file: path.join(dir, segmentName(0)), maxIndex: 0, size: 0 });
      else if ((segments[0] as Segment).size > 0) {
        fs.truncate((segments[0] as Segment).file, 0);
        (segments[0] as Segment).size = 0;
      }
      const wal = new Wal(options, segments);
      wal.writeHeader();
      return { wal, records: [...header] };
    }
    return { wal: new Wal(options, segments), records };
  }

  /** Buffers a record; durable after the next {@link Wal.sync}. */
  append(record: WalRecord): void {
    if (this.closed) throw new Error('Raft WAL: append() after close()');
    this.buffer.push(encodeRecord(record));
    this.bufferedMaxIndex = Math.max(this.bufferedMaxIndex, maxEntryIndex(record));
  }

  /** Writes what is buffered and fsyncs it (one fsync however many records); rolls a full segment. */
  sync(): void {
    if (this.closed) throw new Error('Raft WAL: sync() after close()');
    if (this.buffer.length === 0) return;
    const segment = this.segments.at(-1) as Segment;
    const bytes = concat(this.buffer);
    this.buffer = [];
    this.options.fs.write(this.fd, bytes);
    segment.size += bytes.byteLength;
    segment.maxIndex = Math.max(segment.maxIndex, this.bufferedMaxIndex);
    this.bufferedMaxIndex = 0;
    this.options.fs.fsync(this.fd);
    this.syncs++;
    if (segment.size >= this.options.maxSegmentBytes) this.roll();
  }

  /**
   * Deletes the oldest segments whose entries are all at or below `index` (a durable snapshot
   * covers them), never the current one; then fsyncs the directory.
   */
  removeSegmentsThrough(index: number): number {
    let removed = 0;
    while (this.segments.length > 1 && (this.segments[0] as Segment).maxIndex <= index) {
      this.options.fs.unlink((this.segments.shift() as Segment).file);
      removed++;
    }
    if (removed > 0) this.fsyncDir();
    return removed;
  }

  /** The segment files, oldest first (for tests and operators). */
  segmentFiles(): string[] {
    return this.segments.map((s) => s.file);
  }

  /** Closes the current segment; buffered records not synced are dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.fs.close(this.fd);
  }

  // The new segment gets the header and is fsynced, then the directory is fsynced so its name
  // survives a crash (etcd issue #6368); until then the old segment still holds everything.
  private roll(): void {
    this.options.fs.close(this.fd);
    const seq = (this.segments.at(-1) as Segment).seq + 1;
    const file = path.join(this.options.dir, segmentName(seq));
    this.segments.push({ seq, file, maxIndex: 0, size: 0 });
    this.fd = this.options.fs.openAppend(file);
    this.writeHeader();
  }

  private writeHeader(): void {
    for (const record of this.options.header()) this.append(record);
    const segment = this.segments.at(-1) as Segment;
    const bytes = concat(this.buffer);
    this.buffer = [];
    this.options.fs.write(this.fd, bytes);
    segment.size += bytes.byteLength;
    this.options.fs.fsync(this.fd);
    this.fsyncDir();
  }

  private fsyncDir(): void {
    this.options.fs.fsyncDir(this.options.dir);
    this.syncs++;
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
