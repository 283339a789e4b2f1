import { BulwarkError, isBulwarkError } from '../../errors/bulwark-error.js';
import { ClockDriftError, isClockDriftError } from './clock-drift-error.js';

describe('ClockDriftError', () => {
  it('is a BulwarkError with a name, the code ECLOCKDRIFT and its data', () => {
    const error = new ClockDriftError({ wallMs: 1500, logical: 2 }, 1000, 100);
    expect(error).toBeInstanceOf(BulwarkError);
    expect(isBulwarkError(error)).toBe(true);
    expect(error.name).toBe('ClockDriftError');
    expect(error).toMatchObject({ code: 'ECLOCKDRIFT', driftMs: 500, localWallMs: 1000, maxDriftMs: 100, remote: { wallMs: 1500, logical: 2 } });
    expect(error.message).toBe('Hybrid logical clock: a remote timestamp is 500 ms ahead of the local clock, more than maxDriftMs (100 ms)');
  });

  it('isClockDriftError() accepts it, also from another copy, and rejects everything else', () => {
    expect(isClockDriftError(new ClockDriftError({ wallMs: 2, logical: 0 }, 0, 1))).toBe(true);
    const foreign = Object.assign(Object.create({ [Symbol.for('@bulwark/core/error')]: true }) as object, { code: 'ECLOCKDRIFT' });
    expect(isClockDriftError(foreign)).toBe(true);
    for (const value of [Object.assign(new Error('x'), { code: 'ECLOCKDRIFT' }), undefined, 'ECLOCKDRIFT']) expect(isClockDriftError(value)).toBe(false);
  });
});
