import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '../../testing/manual-clock.js';
import { seededRandom } from '../../testing/seeded-random.js';
import { TransportFaults } from './transport-faults.js';

describe('TransportFaults', () => {
  it('is inert until a rule is set, without drawing random numbers', () => {
    let draws = 0;
    const faults = new TransportFaults({ random: () => (draws++, 0) });
    for (let i = 0; i < 10; i++) expect(faults.outbound('b')).toEqual({ drop: false, delayMs: 0 });
    expect(faults.inbound('b')).toBe(true);
    expect(draws).toBe(0);
    expect(faults.active).toBe(false);
    expect(faults.describe()).toEqual({ active: false, drop: 0, delayMs: 0, partitioned: [], oneWay: false, dropped: { outbound: 0, inbound: 0 }, delayed: 0, since: null });
  });

  it('drops about the configured share of messages, repeatably under a seed', () => {
    const run = (): boolean[] => {
      const faults = new TransportFaults({ random: seededRandom(42) });
      faults.set({ drop: 0.3 });
      return Array.from({ length: 1000 }, () => faults.outbound('b').drop);
    };
    const first = run();
    expect(run()).toEqual(first);
    const dropped = first.filter(Boolean).length;
    expect(dropped).toBeGreaterThan(200);
    expect(dropped).toBeLessThan(400);
    const all = new TransportFaults({ random: seededRandom(1) });
    all.set({ drop: 1 });
    expect(all.outbound('b').drop).toBe(true);
    expect(all.describe().dropped.outbound).toBe(1);
  });

  it('delays messages, cuts partitioned links both ways (or outbound only with oneWay), and clears', () => {
    const clock = new ManualClock(5000);
    const faults = new TransportFaults({ clock, random: seededRandom(3) });
    expect(faults.clock).toBe(clock);
    faults.set({ delayMs: 40, partitioned: ['c', 'c'] });
    expect(faults.outbound('b')).toEqual({ drop: false, delayMs: 40 });
    expect(faults.outbound('c')).toEqual({ drop: true, delayMs: 0 });
    expect(faults.inbound('c')).toBe(false);
    expect(faults.inbound('b')).toBe(true);
    expect(faults.describe()).toMatchObject({ active: true, delayMs: 40, partitioned: ['c'], dropped: { outbound: 1, inbound: 1 }, delayed: 1, since: 5000 });
    faults.set({ partitioned: ['c'], oneWay: true });
    expect(faults.outbound('c').drop).toBe(true);
    expect(faults.inbound('c')).toBe(true);
    expect(faults.outbound('b')).toEqual({ drop: false, delayMs: 0 }); // the delay of the previous rule is gone
    faults.clear();
    expect(faults.outbound('c').drop).toBe(false);
    expect(faults.describe()).toMatchObject({ active: false, partitioned: [], dropped: { outbound: 2, inbound: 1 }, since: null });
  });

  it('validates rules and options, naming the field, and keeps the rule on a bad one', () => {
    const faults = new TransportFaults();
    faults.set({ partitioned: ['x'] });
    expect(() => faults.set({ drop: 2 })).toThrow(new RangeError('TransportFaults: rule.drop must be a number in [0, 1], got 2'));
    expect(() => faults.set({ drop: 'x' as never })).toThrow(TypeError);
    expect(() => faults.set({ delayMs: -1 })).toThrow(/rule\.delayMs/);
    expect(() => faults.set({ delayMs: Infinity })).toThrow(RangeError);
    expect(() => faults.set({ partitioned: 'b' as never })).toThrow(/rule\.partitioned/);
    expect(() => faults.set({ partitioned: [''] })).toThrow(/rule\.partitioned/);
    expect(() => faults.set({ oneWay: 1 as never })).toThrow(/rule\.oneWay/);
    expect(() => faults.set(null as never)).toThrow(/needs an object/);
    expect(faults.describe().partitioned).toEqual(['x']);
    expect(() => new TransportFaults({ random: 1 as never })).toThrow(/options\.random/);
    expect(() => new TransportFaults({ clock: {} as never })).toThrow(/options\.clock/);
    faults.set({});
    expect(faults.active).toBe(false);
  });
});
