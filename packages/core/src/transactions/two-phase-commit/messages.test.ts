import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MESSAGE_LIMITS, type TransactionMessage, checkTransactionMessage } from './messages.js';

const prepare = { type: 'prepare', txId: 't', from: 'c', to: 'p', epoch: 1, order: 2, writes: [{ key: 'k', value: 'v' }, { key: 'd', value: null }], reads: ['r'] };

describe('checkTransactionMessage', () => {
  it('limits the total size of keys and values in one message (maxMessageBytes)', () => {
    const big = 'v'.repeat(MESSAGE_LIMITS.maxValueLength);
    const count = Math.floor(MESSAGE_LIMITS.maxMessageBytes / MESSAGE_LIMITS.maxValueLength) + 1;
    const writes = Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: big }));
    expect(() => checkTransactionMessage({ ...prepare, writes })).toThrow(/message\. must be at most 8388608 bytes of keys and values in all/);
    expect(checkTransactionMessage({ ...prepare, writes: writes.slice(0, count - 2) })).toBeDefined();
    const reads = Object.fromEntries(writes.map((w) => [w.key, w.value]));
    expect(() => checkTransactionMessage({ type: 'vote', txId: 't', from: 'p', to: 'c', vote: 'yes', reads })).toThrow(/bytes of keys and values/);
    const manyKeys = Array.from({ length: 9000 }, (_, i) => `${i}`.padStart(MESSAGE_LIMITS.maxKeyLength, 'k'));
    expect(() => checkTransactionMessage({ ...prepare, writes: [], reads: manyKeys })).toThrow(/bytes of keys and values/);
  });

  it('accepts every well-formed message and returns it', () => {
    const messages: TransactionMessage[] = [
      prepare as TransactionMessage,
      { type: 'vote', txId: 't', from: 'p', to: 'c', vote: 'yes', reads: { r: 'v', q: null } },
      { type: 'vote', txId: 't', from: 'p', to: 'c', vote: 'no', reason: 'lock-conflict' },
      { type: 'vote', txId: 't', from: 'p', to: 'c', vote: 'read-only' },
      { type: 'commit', txId: 't', from: 'c', to: 'p', epoch: 0 },
      { type: 'abort', txId: 't', from: 'c', to: 'p', epoch: 3 },
      { type: 'ack', txId: 't', from: 'p', to: 'c' },
      { type: 'status', txId: 't', from: 'p', to: 'c' },
    ];
    for (const m of messages) expect(checkTransactionMessage(JSON.parse(JSON.stringify(m)))).toEqual(m);
  });

  it.each([
    [null, /message\. must be an object/],
    [[], /must be an object/],
    [{ ...prepare, type: 'commit-all' }, /message\.type must be one of prepare, vote/],
    [{ ...prepare, txId: '' }, /message\.txId must be a non-empty string/],
    [{ ...prepare, txId: 'x'.repeat(MESSAGE_LIMITS.maxIdLength + 1) }, /message\.txId must be a non-empty string of at most 256/],
    [{ ...prepare, from: 3 }, /message\.from/],
    [{ ...prepare, to: undefined }, /message\.to/],
    [{ ...prepare, epoch: 1.5 }, /message\.epoch must be a non-negative integer/],
    [{ ...prepare, order: -1 }, /message\.order/],
    [{ ...prepare, writes: 'k=v' }, /message\.writes must be an array/],
    [{ ...prepare, writes: [null] }, /message\.writes\[0\] must be an object/],
    [{ ...prepare, writes: [{ key: '', value: 'v' }] }, /message\.writes\[0\]\.key/],
    [{ ...prepare, writes: [{ key: 'k', value: 5 }] }, /message\.writes\[0\]\.value must be a string of at most \d+ characters or null, got 5/],
    [{ ...prepare, writes: [{ key: 'k', value: 'x'.repeat(MESSAGE_LIMITS.maxValueLength + 1) }] }, /writes\[0\]\.value/],
    [{ ...prepare, writes: [{ key: 'k', value: '1' }, { key: 'k', value: '2' }] }, /writes\[1\]\.key must be a key written once/],
    [{ ...prepare, writes: Array.from({ length: MESSAGE_LIMITS.maxKeys + 1 }, (_, i) => ({ key: `k${i}`, value: '' })) }, /writes must be an array of at most/],
    [{ ...prepare, reads: [7] }, /message\.reads\[0\]/],
    [{ type: 'vote', txId: 't', from: 'p', to: 'c', vote: 'perhaps' }, /message\.vote must be 'yes', 'no' or 'read-only'/],
    [{ type: 'vote', txId: 't', from: 'p', to: 'c', vote: 'no', reason: 'bored' }, /message\.reason must be one of/],
    [{ type: 'vote', txId: 't', from: 'p', to: 'c', vote: 'yes', reads: [] }, /message\.reads must be an object/],
    [{ type: 'vote', txId: 't', from: 'p', to: 'c', vote: 'yes', reads: { k: 1 } }, /message\.reads\["k"\]/],
    [{ type: 'commit', txId: 't', from: 'c', to: 'p' }, /message\.epoch/],
  ])('refuses %j naming the field', (value, pattern) => {
    expect(() => checkTransactionMessage(value)).toThrow(TypeError);
    expect(() => checkTransactionMessage(value)).toThrow(pattern);
  });

  it('never throws anything but a TypeError on arbitrary JSON (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom('prepare', 'vote', 'commit', 'abort', 'ack', 'status'), (junk, type) => {
        for (const value of [junk, { ...(typeof junk === 'object' && junk !== null && !Array.isArray(junk) ? junk : {}), type, txId: 't', from: 'a', to: 'b' }]) {
          try {
            checkTransactionMessage(value);
          } catch (error) {
            if (!(error instanceof TypeError)) throw error;
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
