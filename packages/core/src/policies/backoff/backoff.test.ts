import fc from 'fast-check';
import { seededRandom } from '../../testing/seeded-random.js';
import type { Random } from '../../time/random.js';
import { constantBackoff, exponentialBackoff, linearBackoff, type Backoff } from './backoff.js';

/** The delays before retries 1..n, passing each delay back as `previousMs`. */
function delays(backoff: Backoff, n: number, random: Random): number[] {
  const out: number[] = [];
  let previous = 0;
  for (let retry = 1; retry <= n; retry++) {
    previous = backoff.delay(retry, previous, random);
    out.push(previous);
  }
  return out;
}

const fixed = (x: number): Random => () => x;
const ALMOST_ONE = 1 - 2 ** -53;

describe('constantBackoff', () => {
  it('returns the same delay every time and describes itself', () => {
    const b = constantBackoff(250);
    expect(delays(b, 5, Math.random)).toEqual([250, 250, 250, 250, 250]);
    expect(b.description).toBe('constant 250ms');
    expect(constantBackoff(0).delay(1, 0, Math.random)).toBe(0);
  });

  it('rejects a bad delay, naming it', () => {
    expect(() => constantBackoff(-1)).toThrow(new RangeError('constantBackoff: options.delayMs must be a non-negative finite number, got -1'));
    expect(() => constantBackoff('5' as unknown as number)).toThrow(TypeError);
    expect(() => constantBackoff(Infinity)).toThrow(RangeError);
  });
});

describe('linearBackoff', () => {
  it('grows by stepMs (default initialDelayMs) up to maxDelayMs', () => {
    expect(delays(linearBackoff({ initialDelayMs: 100 }), 4, Math.random)).toEqual([100, 200, 300, 400]);
    expect(delays(linearBackoff({ initialDelayMs: 100, stepMs: 50, maxDelayMs: 220 }), 5, Math.random)).toEqual([100, 150, 200, 220, 220]);
    expect(delays(linearBackoff({ initialDelayMs: 10, stepMs: 0 }), 3, Math.random)).toEqual([10, 10, 10]);
    expect(linearBackoff({ initialDelayMs: 100 }).description).toBe('linear');
  });

  it('applies full and equal jitter to the linear delay', () => {
    const full = linearBackoff({ initialDelayMs: 100, jitter: 'full' });
    expect(full.delay(2, 0, fixed(0.5))).toBe(100);
    expect(full.description).toBe('linear full jitter');
    const equal = linearBackoff({ initialDelayMs: 100, jitter: 'equal' });
    expect(equal.delay(2, 0, fixed(0))).toBe(100);
    expect(equal.delay(2, 0, fixed(0.5))).toBe(150);
  });

  it('rejects bad options, naming them', () => {
    expect(() => linearBackoff({ initialDelayMs: 0 })).toThrow(/linearBackoff: options\.initialDelayMs must be a positive finite number, got 0/);
    expect(() => linearBackoff({ initialDelayMs: 1, stepMs: -1 })).toThrow(/options\.stepMs/);
    expect(() => linearBackoff({ initialDelayMs: 1, maxDelayMs: NaN })).toThrow(/options\.maxDelayMs/);
    expect(() => linearBackoff({ initialDelayMs: 1, jitter: 'decorrelated' as 'full' })).toThrow(
      /options\.jitter must be one of 'none', 'full', 'equal', got "decorrelated"/,
    );
    expect(() => linearBackoff(undefined as unknown as { initialDelayMs: number })).toThrow(TypeError);
  });
});

describe('exponentialBackoff', () => {
  it('defaults to 100 ms ×2 capped at 30 s with full jitter', () => {
    const b = exponentialBackoff();
    expect(b.description).toBe('exponential full jitter');
    // Full jitter with random() = 0.5 gives half of 100, 200, 400 ms.
    expect(delays(b, 3, fixed(0.5))).toEqual([50, 100, 200]);
    expect(b.delay(20, 0, fixed(0.5))).toBe(15_000);
  });

  it('without jitter doubles from initialDelayMs up to maxDelayMs', () => {
    const b = exponentialBackoff({ initialDelayMs: 100, maxDelayMs: 1000, jitter: 'none' });
    expect(delays(b, 6, Math.random)).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(b.description).toBe('exponential');
    expect(exponentialBackoff({ initialDelayMs: 10, multiplier: 3, jitter: 'none' }).delay(3, 0, Math.random)).toBe(90);
    expect(exponentialBackoff({ jitter: 'none' }).delay(5000, 0, Math.random)).toBe(30_000); // huge powers stay capped
  });

  it('equal jitter keeps at least half the delay', () => {
    const b = exponentialBackoff({ initialDelayMs: 100, jitter: 'equal' });
    expect(b.delay(3, 0, fixed(0))).toBe(200);
    expect(b.delay(3, 0, fixed(0.5))).toBe(300);
    expect(b.description).toBe('exponential equal jitter');
  });

  it('decorrelated jitter draws between base and three times the previous delay', () => {
    const b = exponentialBackoff({ initialDelayMs: 100, maxDelayMs: 1000, jitter: 'decorrelated' });
    expect(b.description).toBe('exponential decorrelated jitter');
    expect(b.delay(1, 0, fixed(0))).toBe(100);
    expect(b.delay(1, 0, fixed(0.5))).toBe(200); // from base: random(100, 300)
    expect(b.delay(2, 200, fixed(0.5))).toBe(350); // random(100, 600)
    expect(b.delay(3, 900, fixed(0.5))).toBe(1000); // random(100, 2700) = 1400, capped
  });

  it('rejects bad options, naming them', () => {
    expect(() => exponentialBackoff({ initialDelayMs: -5 })).toThrow(/exponentialBackoff: options\.initialDelayMs .* got -5/);
    expect(() => exponentialBackoff({ multiplier: 0.5 })).toThrow(new RangeError('exponentialBackoff: options.multiplier must be a number ≥ 1, got 0.5'));
    expect(() => exponentialBackoff({ maxDelayMs: -1 })).toThrow(/options\.maxDelayMs/);
    expect(() => exponentialBackoff({ jitter: 'half' as 'full' })).toThrow(/options\.jitter/);
  });
});

describe('backoff properties (any seed)', () => {
  const params = fc.record({
    seed: fc.integer(),
    base: fc.integer({ min: 1, max: 5000 }),
    cap: fc.integer({ min: 0, max: 100_000 }),
    multiplier: fc.double({ min: 1, max: 5, noNaN: true }),
    retries: fc.integer({ min: 1, max: 40 }),
  });

  it('full jitter stays in [0, min(cap, base·m^(n−1)))', () => {
    fc.assert(
      fc.property(params, ({ seed, base, cap, multiplier, retries }) => {
        const b = exponentialBackoff({ initialDelayMs: base, maxDelayMs: cap, multiplier, jitter: 'full' });
        return delays(b, retries, seededRandom(seed)).every((d, i) => {
          const t = Math.min(cap, base * multiplier ** i);
          return d >= 0 && (d < t || (t === 0 && d === 0));
        });
      }),
    );
  });

  it('equal jitter stays in [t/2, t]', () => {
    fc.assert(
      fc.property(params, ({ seed, base, cap, multiplier, retries }) => {
        const b = exponentialBackoff({ initialDelayMs: base, maxDelayMs: cap, multiplier, jitter: 'equal' });
        return delays(b, retries, seededRandom(seed)).every((d, i) => {
          const t = Math.min(cap, base * multiplier ** i);
          return d >= t / 2 && d <= t;
        });
      }),
    );
  });

  it('decorrelated jitter stays in [min(base, cap), min(cap, max(base, 3·previous))]', () => {
    fc.assert(
      fc.property(params, ({ seed, base, cap, retries }) => {
        const b = exponentialBackoff({ initialDelayMs: base, maxDelayMs: cap, jitter: 'decorrelated' });
        const random = seededRandom(seed);
        let previous = 0;
        for (let retry = 1; retry <= retries; retry++) {
          const d = b.delay(retry, previous, random);
          const high = Math.min(cap, Math.max(base, 3 * (previous > 0 ? previous : base)));
          if (!(d >= Math.min(base, cap) && d <= high)) return false;
          previous = d;
        }
        return true;
      }),
    );
  });

  it('linear jitter stays within [0, t] (full) and [t/2, t] (equal)', () => {
    fc.assert(
      fc.property(params, fc.integer({ min: 0, max: 1000 }), ({ seed, base, cap, retries }, step) => {
        const random = seededRandom(seed);
        const full = delays(linearBackoff({ initialDelayMs: base, stepMs: step, maxDelayMs: cap, jitter: 'full' }), retries, random);
        const equal = delays(linearBackoff({ initialDelayMs: base, stepMs: step, maxDelayMs: cap, jitter: 'equal' }), retries, random);
        return full.every((d, i) => d >= 0 && d <= Math.min(cap, base + step * i)) && equal.every((d, i) => d >= Math.min(cap, base + step * i) / 2 && d <= Math.min(cap, base + step * i));
      }),
    );
  });

  it('exponential without jitter is monotone, never above the cap, and reaches it', () => {
    fc.assert(
      fc.property(params, ({ base, cap, multiplier, retries }) => {
        const d = delays(exponentialBackoff({ initialDelayMs: base, maxDelayMs: cap, multiplier, jitter: 'none' }), retries + 60, Math.random);
        for (let i = 1; i < d.length; i++) if (d[i] < d[i - 1]) return false;
        const reachesCap = multiplier > 1.3 ? d[d.length - 1] === cap : true;
        return d.every((x) => x <= cap) && reachesCap && d[0] === Math.min(base, cap);
      }),
    );
  });

  it('random() at its extremes stays within bounds', () => {
    for (const jitter of ['full', 'equal', 'decorrelated'] as const) {
      const b = exponentialBackoff({ initialDelayMs: 100, maxDelayMs: 1000, jitter });
      for (const r of [0, ALMOST_ONE]) {
        const d = b.delay(4, 300, fixed(r));
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(1000);
      }
    }
  });
});
