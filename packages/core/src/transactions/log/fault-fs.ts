import type { WalFs } from '../../raft/wal/wal-fs.js';

/** The {@link WalFs} calls {@link FaultFs} can fail. */
export type FaultOp = 'write' | 'fsync' | 'openAppend' | 'rename' | 'unlink' | 'fsyncDir' | 'truncate';

/**
 * Test-only: a {@link WalFs} over another that fails chosen calls once, as a disk returning EIO
 * does (the call throws; unlike `CrashFs` the disk stays usable). Not exported from the package.
 */
export class FaultFs implements WalFs {
  readonly #faults: Array<{ op: FaultOp; skip: number }> = [];

  constructor(readonly inner: WalFs) {}

  /** The `skip + 1`-th next call of `op` throws an EIO error (and does nothing). */
  failNext(op: FaultOp, skip = 0): void {
    this.#faults.push({ op, skip });
  }

  mkdir(dir: string): void {
    this.inner.mkdir(dir);
  }
  readdir(dir: string): string[] {
    return this.inner.readdir(dir);
  }
  readFile(file: string): Uint8Array {
    return this.inner.readFile(file);
  }
  openAppend(file: string): number {
    this.#maybeFail('openAppend');
    return this.inner.openAppend(file);
  }
  write(fd: number, data: Uint8Array): void {
    this.#maybeFail('write');
    this.inner.write(fd, data);
  }
  fsync(fd: number): void {
    this.#maybeFail('fsync');
    this.inner.fsync(fd);
  }
  close(fd: number): void {
    this.inner.close(fd);
  }
  truncate(file: string, length: number): void {
    this.#maybeFail('truncate');
    this.inner.truncate(file, length);
  }
  rename(from: string, to: string): void {
    this.#maybeFail('rename');
    this.inner.rename(from, to);
  }
  unlink(file: string): void {
    this.#maybeFail('unlink');
    this.inner.unlink(file);
  }
  fsyncDir(dir: string): void {
    this.#maybeFail('fsyncDir');
    this.inner.fsyncDir(dir);
  }

  #maybeFail(op: FaultOp): void {
    const index = this.#faults.findIndex((f) => f.op === op);
    if (index < 0) return;
    const fault = this.#faults[index] as { op: FaultOp; skip: number };
    if (fault.skip > 0) {
      fault.skip--;
      return;
    }
    this.#faults.splice(index, 1);
    throw Object.assign(new Error(`EIO: i/o error, ${op}`), { code: 'EIO' });
  }
}
