import { describe, expect, it } from '@jest/globals';
import { isBulwarkError } from '../../../errors/bulwark-error.js';
import { DuplicateTransactionError, isDuplicateTransactionError } from './duplicate-transaction-error.js';
import { TransactionInDoubtError, isTransactionInDoubtError } from './transaction-in-doubt-error.js';
import { TransactionRecordError, isTransactionRecordError } from './transaction-record-error.js';
import { TransactionStoppedError, isTransactionStoppedError } from './transaction-stopped-error.js';

describe('two-phase commit errors', () => {
  it('carry a name, a code, their data, and a guard that tells them apart', () => {
    const errors = [
      [new TransactionInDoubtError('t1', 250), isTransactionInDoubtError, 'ETXINDOUBT', 'TransactionInDoubtError', /t1: outcome unknown after 250 ms/],
      [new TransactionStoppedError('coordinator'), isTransactionStoppedError, 'ETXSTOPPED', 'TransactionStoppedError', /coordinator is stopped/],
      [new DuplicateTransactionError('t2'), isDuplicateTransactionError, 'ETXDUPLICATE', 'DuplicateTransactionError', /t2 is already running/],
      [new TransactionRecordError('participant', 3, 'bad'), isTransactionRecordError, 'ETXRECORD', 'TransactionRecordError', /participant log: record 3 is invalid: bad/],
    ] as const;
    for (const [error, guard, code, name, message] of errors) {
      expect(error).toBeInstanceOf(Error);
      expect(isBulwarkError(error)).toBe(true);
      expect(error.code).toBe(code);
      expect(error.name).toBe(name);
      expect(error.message).toMatch(message);
      for (const [other, otherGuard] of errors) expect((otherGuard as (v: unknown) => boolean)(error)).toBe(other === error);
      expect((guard as (v: unknown) => boolean)(new Error('plain'))).toBe(false);
    }
    const cause = new Error('disk');
    const stopped = new TransactionStoppedError('participant', cause);
    expect(stopped.cause).toBe(cause);
    expect(stopped.message).toMatch(/participant stopped after a failure: Error: disk/);
  });
});
