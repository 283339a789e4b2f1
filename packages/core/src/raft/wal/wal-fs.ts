import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The file operations the WAL uses, synchronous and narrow so tests can inject faults (see
 * `crash-fs.ts`). Paths are absolute or relative to the process; `fd` is whatever `open` returned.
 * Synchronous on purpose (see design.md, "Why synchronous fs"): Raft's Ready loop must wait for the
 * fsync anyway, and a synchronous disk makes crash points deterministic.
 */
export interface WalFs {
  /** Creates `dir` (and its parents) if missing. */
  mkdir(dir: string): void;
  /** The names in `dir` (not paths), in any order. */
  readdir(dir: string): string[];
  /** The whole content of a file. */
  readFile(file: string): Uint8Array;
  /** Opens `file` for appending, creating it (empty) when missing. */
  openAppend(file: string): number;
  /** Writes all of `data` at the end of the file. */
  write(fd: number, data: Uint8Array): void;
  /** Makes the file's content durable (fdatasync). */
  fsync(fd: number): void;
  close(fd: number): void;
  /** Cuts `file` to `length` bytes. */
  truncate(file: string, length: number): void;
  /** Atomically replaces `to` by `from`. */
  rename(from: string, to: string): void;
  unlink(file: string): void;
  /** Makes the directory's entries (files created, renamed, removed in it) durable. */
  fsyncDir(dir: string): void;
}

/** The {@link WalFs} over `node:fs`'s synchronous calls. */
export const nodeWalFs: WalFs = Object.freeze({
  mkdir: (dir: string) => void fs.mkdirSync(dir, { recursive: true }),
  readdir: (dir: string) => fs.readdirSync(dir),
  readFile: (file: string) => fs.readFileSync(file),
  openAppend: (file: string) => fs.openSync(file, 'a'),
  write: (fd: number, data: Uint8Array) => {
    let done = 0;
    while (done < data.byteLength) done += fs.writeSync(fd, data, done, data.byteLength - done);
  },
  fsync: (fd: number) => fs.fdatasyncSync(fd),
  close: (fd: number) => fs.closeSync(fd),
  truncate: (file: string, length: number) => fs.truncateSync(file, length),
  rename: (from: string, to: string) => fs.renameSync(from, to),
  unlink: (file: string) => fs.unlinkSync(file),
  fsyncDir: (dir: string) => {
    const fd = fs.openSync(path.resolve(dir), 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  },
});
