import * as path from 'node:path';
import type { Random } from '../../time/random.js';
import type { WalFs } from './wal-fs.js';

/** Thrown by {@link CrashFs} at its crash point and by every call after it. */
export class CrashError extends Error {
  override readonly name = 'CrashError';
}

interface Inode {
  durable: Uint8Array; // survives a crash
  content: Uint8Array; // what reads see: durable plus writes not fsynced yet
}

type DirOp = { op: 'link'; name: string; inode: Inode } | { op: 'unlink'; name: string };

/**
 * Test-only: an in-memory {@link WalFs} for one directory that models a crash. File content is
 * durable up to the last `fsync`; names (create, rename, unlink) are durable after `fsyncDir`.
 * With `crashAt = n` the n-th mutating call (write, fsync, create, truncate, rename, unlink,
 * fsyncDir; from 1) throws {@link CrashError} and the disk freezes; {@link CrashFs.afterCrash}
 * then builds the disk a restart would find: each file keeps its durable bytes plus a random
 * prefix of what was written after, and a random prefix of the name changes since the last
 * `fsyncDir` took effect. Not exported from the package.
 */
export class CrashFs implements WalFs {
  private durableNames = new Map<string, Inode>();
  private names = new Map<string, Inode>();
  private pendingOps: DirOp[] = [];
  private fds = new Map<number, Inode>();
  private nextFd = 3;
  private crashed = false;
  /** Mutating calls done so far. */
  steps = 0;

  constructor(private readonly crashAt = Infinity) {}

  /** The disk after the crash (or now, as if the power went), as a fresh `CrashFs`. */
  afterCrash(random: Random): CrashFs {
    const names = new Map(this.durableNames);
    const kept = Math.floor(random() * (this.pendingOps.length + 1));
    for (const op of this.pendingOps.slice(0, kept)) {
      if (op.op === 'link') names.set(op.name, op.inode);
      else names.delete(op.name);
    }
    const next = new CrashFs();
    const copies = new Map<Inode, Inode>();
    for (const [name, inode] of names) {
      let copy = copies.get(inode);
      if (copy === undefined) {
        const extra = inode.content.byteLength - inode.durable.byteLength;
        const keep = inode.durable.byteLength + Math.floor(random() * (extra + 1));
        const bytes = inode.content.slice(0, keep);
        copy = { durable: bytes, content: bytes };
        copies.set(inode, copy);
      }
      next.names.set(name, copy);
      next.durableNames.set(name, copy);
    }
    return next;
  }

  /** Flips one byte of a file (durably), for corruption tests. */
  corrupt(file: string, offset: number): void {
    const inode = this.lookup(file);
    inode.content = inode.content.slice();
    (inode.content[offset] as number) ^= 0xff;
    inode.durable = inode.content;
  }

  /** The names present now. */
  list(): string[] {
    return [...this.names.keys()].sort();
  }

  mkdir(): void {
    // one flat directory: nothing to create
  }

  readdir(): string[] {
    this.alive();
    return [...this.names.keys()];
  }

  readFile(file: string): Uint8Array {
    this.alive();
    return this.lookup(file).content.slice();
  }

  openAppend(file: string): number {
    const name = path.basename(file);
    let inode = this.names.get(name);
    if (inode === undefined) {
      this.step();
      inode = { durable: new Uint8Array(0), content: new Uint8Array(0) };
      this.names.set(name, inode);
      this.pendingOps.push({ op: 'link', name, inode });
    }
    const fd = this.nextFd++;
    this.fds.set(fd, inode);
    return fd;
  }

  write(fd: number, data: Uint8Array): void {
    const inode = this.inode(fd);
    this.step();
    const next = new Uint8Array(inode.content.byteLength + data.byteLength);
    next.set(inode.content);
    next.set(data, inode.content.byteLength);
    inode.content = next;
  }

  fsync(fd: number): void {
    const inode = this.inode(fd);
    this.step();
    inode.durable = inode.content;
  }

  close(fd: number): void {
    this.fds.delete(fd);
  }

  // Simplification: a cut is durable at once (FileStorage fsyncs right after cutting anyway).
  truncate(file: string, length: number): void {
    const inode = this.lookup(file);
    this.step();
    inode.content = inode.content.slice(0, length);
    inode.durable = inode.durable.slice(0, Math.min(length, inode.durable.byteLength));
  }

  rename(from: string, to: string): void {
    const inode = this.lookup(from);
    this.step();
    this.names.delete(path.basename(from));
    this.names.set(path.basename(to), inode);
    this.pendingOps.push({ op: 'unlink', name: path.basename(from) }, { op: 'link', name: path.basename(to), inode });
  }

  unlink(file: string): void {
    this.lookup(file);
    this.step();
    this.names.delete(path.basename(file));
    this.pendingOps.push({ op: 'unlink', name: path.basename(file) });
  }

  fsyncDir(): void {
    this.step();
    this.durableNames = new Map(this.names);
    this.pendingOps = [];
  }

  private alive(): void {
    if (this.crashed) throw new CrashError('the disk crashed');
  }

  private step(): void {
    this.alive();
    this.steps++;
    if (this.steps >= this.crashAt) {
      this.crashed = true;
      throw new CrashError(`crash at step ${this.steps}`);
    }
  }

  private inode(fd: number): Inode {
    this.alive();
    const inode = this.fds.get(fd);
    if (inode === undefined) throw new Error(`EBADF: ${fd}`);
    return inode;
  }

  private lookup(file: string): Inode {
    this.alive();
    const inode = this.names.get(path.basename(file));
    if (inode === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    return inode;
  }
}
