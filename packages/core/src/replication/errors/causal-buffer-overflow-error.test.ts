import { BulwarkError } from '../../errors/bulwark-error.js';
import { CausalBufferOverflowError, isCausalBufferOverflowError } from './causal-buffer-overflow-error.js';

describe('CausalBufferOverflowError', () => {
  it('is a BulwarkError with a name, the code ECAUSALBUFFERFULL and its data', () => {
    const error = new CausalBufferOverflowError(10, 'b', 4);
    expect(error).toBeInstanceOf(BulwarkError);
    expect(error.name).toBe('CausalBufferOverflowError');
    expect(error).toMatchObject({ code: 'ECAUSALBUFFERFULL', maxBuffered: 10, replica: 'b', counter: 4 });
    expect(error.message).toBe('Causal delivery buffer is full (maxBuffered 10): event 4 of "b" was refused');
  });

  it('isCausalBufferOverflowError() accepts it, also from another copy, and rejects everything else', () => {
    expect(isCausalBufferOverflowError(new CausalBufferOverflowError(1, 'a', 1))).toBe(true);
    const foreign = Object.assign(Object.create({ [Symbol.for('@bulwark/core/error')]: true }) as object, { code: 'ECAUSALBUFFERFULL' });
    expect(isCausalBufferOverflowError(foreign)).toBe(true);
    expect(isCausalBufferOverflowError(Object.assign(new Error('x'), { code: 'ECAUSALBUFFERFULL' }))).toBe(false);
    expect(isCausalBufferOverflowError(null)).toBe(false);
  });
});
