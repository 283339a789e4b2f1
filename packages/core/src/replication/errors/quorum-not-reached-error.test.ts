import { BulwarkError } from '../../errors/bulwark-error.js';
import { QuorumNotReachedError, isQuorumNotReachedError } from './quorum-not-reached-error.js';

describe('QuorumNotReachedError', () => {
  it('is a BulwarkError with a name, the code EQUORUM and its data', () => {
    const error = new QuorumNotReachedError('put', 'cart', 'timeout', 2, 1);
    expect(error).toBeInstanceOf(BulwarkError);
    expect(error.name).toBe('QuorumNotReachedError');
    expect(error).toMatchObject({ code: 'EQUORUM', operation: 'put', key: 'cart', reason: 'timeout', required: 2, received: 1 });
    expect(error.message).toBe('Quorum store put of "cart": 1 of 2 acknowledgements before the timeout; the write may or may not have taken effect');
    expect(new QuorumNotReachedError('get', 'k', 'timeout', 2, 0).message).toBe('Quorum store get of "k": 0 of 2 replies before the timeout');
    expect(new QuorumNotReachedError('get', 'k', 'session', 1, 3).message).toMatch(/no replica reached has caught up with the session's causal token/);
  });

  it('isQuorumNotReachedError() accepts it, also from another copy, and rejects everything else', () => {
    expect(isQuorumNotReachedError(new QuorumNotReachedError('delete', 'k', 'timeout', 1, 0))).toBe(true);
    const foreign = Object.assign(Object.create({ [Symbol.for('@bulwark/core/error')]: true }) as object, { code: 'EQUORUM' });
    expect(isQuorumNotReachedError(foreign)).toBe(true);
    expect(isQuorumNotReachedError(Object.assign(new Error('x'), { code: 'EQUORUM' }))).toBe(false);
    expect(isQuorumNotReachedError(undefined)).toBe(false);
  });
});
