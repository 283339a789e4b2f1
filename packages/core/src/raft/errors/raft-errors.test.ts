import { BulwarkError, isBulwarkError } from '../../errors/bulwark-error.js';
import { TimeoutError } from '../../errors/timeout-error.js';
import { ConfChangeError, isConfChangeError } from './conf-change-error.js';
import { LogCompactedError, isLogCompactedError } from './log-compacted-error.js';
import {
  SnapshotTemporarilyUnavailableError,
  isSnapshotTemporarilyUnavailableError,
} from './snapshot-temporarily-unavailable-error.js';

describe('Raft storage errors', () => {
  it('LogCompactedError is a BulwarkError with its name, code and data', () => {
    const error = new LogCompactedError(3, 8);
    expect(error).toBeInstanceOf(BulwarkError);
    expect(isBulwarkError(error)).toBe(true);
    expect([error.name, error.code, error.index, error.firstIndex]).toEqual(['LogCompactedError', 'ERAFTLOGCOMPACTED', 3, 8]);
    expect(error.message).toBe('Raft storage: index 3 is compacted (the first index held is 8)');
  });

  it('SnapshotTemporarilyUnavailableError is a BulwarkError with its name and code', () => {
    const error = new SnapshotTemporarilyUnavailableError();
    expect(error).toBeInstanceOf(BulwarkError);
    expect([error.name, error.code]).toEqual(['SnapshotTemporarilyUnavailableError', 'ERAFTSNAPSHOTUNAVAILABLE']);
    expect(error.message).toMatch(/temporarily unavailable/);
  });

  it('ConfChangeError is a BulwarkError with its name, code and reason', () => {
    const error = new ConfChangeError('it would leave no voter');
    expect(error).toBeInstanceOf(BulwarkError);
    expect([error.name, error.code, error.reason]).toEqual(['ConfChangeError', 'ERAFTCONFCHANGE', 'it would leave no voter']);
    expect(error.message).toBe('Raft configuration change refused: it would leave no voter');
    expect(isConfChangeError(error)).toBe(true);
    expect(isConfChangeError(new LogCompactedError(1, 2))).toBe(false);
  });

  it('each guard accepts its own error, also from another copy, and nothing else', () => {
    const foreign = (code: string) =>
      Object.assign(Object.create({ [Symbol.for('@bulwark/core/error')]: true }) as object, { code });
    expect(isLogCompactedError(new LogCompactedError(1, 2))).toBe(true);
    expect(isLogCompactedError(foreign('ERAFTLOGCOMPACTED'))).toBe(true);
    expect(isSnapshotTemporarilyUnavailableError(new SnapshotTemporarilyUnavailableError())).toBe(true);
    expect(isSnapshotTemporarilyUnavailableError(foreign('ERAFTSNAPSHOTUNAVAILABLE'))).toBe(true);
    for (const value of [new SnapshotTemporarilyUnavailableError(), new TimeoutError(5), new RangeError('x'), null]) {
      expect(isLogCompactedError(value)).toBe(false);
    }
    expect(isSnapshotTemporarilyUnavailableError(new LogCompactedError(1, 2))).toBe(false);
  });
});
