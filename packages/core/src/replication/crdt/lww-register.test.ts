import { ManualClock } from '../../testing/manual-clock.js';
import { HybridLogicalClock } from '../clocks/hybrid-logical-clock.js';
import { LwwRegister } from './lww-register.js';
import { compareStamps, compareTiedValues } from './lww-stamp.js';

const t = (wallMs: number, logical = 0) => ({ wallMs, logical });

describe('LwwRegister', () => {
  it('keeps the write with the greater timestamp', () => {
    const older = LwwRegister.empty<string>().assign('old', t(10), 'z');
    const newer = LwwRegister.empty<string>().assign('new', t(11), 'a');
    expect(older.merge(newer).value).toBe('new');
    expect(newer.merge(older).value).toBe('new');
    expect(newer.assign('late', t(5), 'b').value).toBe('new'); // a write older than the value loses
    expect(newer.stamp).toEqual({ timestamp: t(11), replica: 'a' });
  });

  it('breaks timestamp ties by replica id, not by arrival or wall time', () => {
    const fromA = LwwRegister.empty<string>().assign('from a', t(10, 2), 'a');
    const fromB = LwwRegister.empty<string>().assign('from b', t(10, 2), 'b');
    expect(fromA.merge(fromB).value).toBe('from b');
    expect(fromB.merge(fromA).value).toBe('from b');
    // The logical part orders writes within one millisecond.
    expect(fromB.merge(LwwRegister.empty<string>().assign('later', t(10, 3), 'a')).value).toBe('later');
  });

  it('orders writes made on one HLC even when the wall clock steps back', () => {
    let physical = 1000;
    const hlc = new HybridLogicalClock({ clock: { now: () => physical } });
    const first = LwwRegister.empty<number>().assign(1, hlc.now(), 'a');
    physical = 900; // an NTP step backwards
    const second = first.assign(2, hlc.now(), 'a');
    expect(second.value).toBe(2);
  });

  it('starts empty; an empty register merges as the identity', () => {
    const empty = LwwRegister.empty<number>();
    expect(empty.value).toBeUndefined();
    expect(empty.stamp).toBeUndefined();
    const x = empty.assign(0, new HybridLogicalClock({ clock: new ManualClock(5) }).now(), 'a');
    expect(empty.merge(x)).toBe(x);
    expect(x.merge(empty)).toBe(x);
  });

  it('serialises, validating untrusted input', () => {
    const x = LwwRegister.empty<{ n: number }>().assign({ n: 1 }, t(7, 1), 'a');
    const json = JSON.parse(JSON.stringify(x)) as unknown;
    expect(json).toEqual({ value: { n: 1 }, timestamp: [7, 1], replica: 'a' });
    expect(LwwRegister.fromJSON(json).value).toEqual({ n: 1 });
    expect(LwwRegister.fromJSON(json, (v) => (v as { n: number }).n * 10).value).toBe(10);
    expect(LwwRegister.fromJSON(null).value).toBeUndefined();
    expect(JSON.stringify(LwwRegister.empty())).toBe('null');
    expect(() => LwwRegister.fromJSON([])).toThrow(/must be an object/);
    expect(() => LwwRegister.fromJSON({ timestamp: [1, 0], replica: 'a' })).toThrow(/LwwRegister.fromJSON: value: is required/);
    expect(() => LwwRegister.fromJSON({ value: 1, timestamp: [1], replica: 'a' })).toThrow(/timestamp/);
    expect(() => LwwRegister.fromJSON({ value: 1, timestamp: [1, 0], replica: '' })).toThrow(/replica/);
    expect(() => LwwRegister.empty().assign(undefined, t(1), 'a')).toThrow(/must not be undefined/);
    expect(() => LwwRegister.empty().assign(1, t(-1), 'a')).toThrow(/LwwRegister.assign: timestamp: wallMs/);
  });

  it('compareStamps and the last-resort tie on values', () => {
    expect(compareStamps({ timestamp: t(1), replica: 'b' }, { timestamp: t(2), replica: 'a' })).toBeLessThan(0);
    expect(compareStamps({ timestamp: t(1), replica: 'b' }, { timestamp: t(1), replica: 'a' })).toBeGreaterThan(0);
    expect(compareStamps({ timestamp: t(1), replica: 'a' }, { timestamp: t(1), replica: 'a' })).toBe(0);
    expect(compareTiedValues(undefined, 1)).toBeGreaterThan(0);
    expect(compareTiedValues('a', 'b')).toBeLessThan(0);
    expect(compareTiedValues(undefined, undefined)).toBe(0);
    // Same stamp, different values (a replica reused a timestamp): still one winner both ways.
    const x = LwwRegister.empty<string>().assign('x', t(1), 'a');
    const y = LwwRegister.empty<string>().assign('y', t(1), 'a');
    expect(x.merge(y).value).toBe('y');
    expect(y.merge(x).value).toBe('y');
  });
});
