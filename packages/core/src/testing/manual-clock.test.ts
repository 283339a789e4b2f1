import { ManualClock, flushPromises } from './manual-clock.js';

describe('ManualClock', () => {
  it('starts at the given time and defaults to 0', () => {
    expect(new ManualClock(5).now()).toBe(5);
    expect(new ManualClock().now()).toBe(0);
    expect(() => new ManualClock(Number.NaN)).toThrow(RangeError);
  });

  it('fires timers in due order, ties in arming order, with now() at each due time', () => {
    const clock = new ManualClock(100);
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => seen.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => seen.push(`c@${clock.now()}`), 20);
    expect(clock.pendingTimers).toBe(3);
    expect(clock.nextDueAt()).toBe(110);
    clock.advance(15);
    expect(seen).toEqual(['a@110']);
    expect(clock.now()).toBe(115);
    clock.advance(5);
    expect(seen).toEqual(['a@110', 'b@120', 'c@120']);
    expect(clock.pendingTimers).toBe(0);
    expect(clock.nextDueAt()).toBeUndefined();
  });

  it('fires timers armed by callbacks when they fall within the span', () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    clock.setTimeout(() => {
      seen.push(clock.now());
      clock.setTimeout(() => seen.push(clock.now()), 5);
    }, 5);
    clock.advance(10);
    expect(seen).toEqual([5, 10]);
  });

  it('clears timers, ignoring unknown handles', () => {
    const clock = new ManualClock();
    let fired = false;
    const handle = clock.setTimeout(() => (fired = true), 1);
    clock.clearTimeout(handle);
    clock.clearTimeout(12345);
    clock.advance(10);
    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it('treats negative and non-finite delays as 0', () => {
    const clock = new ManualClock();
    let count = 0;
    clock.setTimeout(() => count++, -5);
    clock.setTimeout(() => count++, Number.NaN);
    clock.advance(0);
    expect(count).toBe(2);
  });

  it('rejects bad arguments', () => {
    const clock = new ManualClock();
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.setTimeout(undefined as unknown as () => void, 1)).toThrow(TypeError);
    return expect(clock.advanceAsync(Number.NaN)).rejects.toThrow(RangeError);
  });

  it('advanceAsync lets promise callbacks settle between timers', async () => {
    const clock = new ManualClock();
    const seen: string[] = [];
    clock.setTimeout(() => {
      void Promise.resolve().then(() => seen.push(`then@${clock.now()}`));
    }, 10);
    clock.setTimeout(() => seen.push(`second@${clock.now()}`), 20);
    await clock.advanceAsync(30);
    expect(seen).toEqual(['then@10', 'second@20']);
    expect(clock.now()).toBe(30);
  });

  it('runAll fires everything and stops a self-rearming timer', () => {
    const clock = new ManualClock();
    let count = 0;
    clock.setTimeout(() => count++, 1000);
    clock.setTimeout(() => count++, 5);
    expect(clock.runAll()).toBe(2);
    expect(count).toBe(2);
    expect(clock.now()).toBe(1000);
    const rearm = (): void => void clock.setTimeout(rearm, 1);
    rearm();
    expect(() => clock.runAll(50)).toThrow(/re-arms itself/);
  });

  it('flushPromises resolves after queued promise callbacks', async () => {
    let done = false;
    void Promise.resolve().then(() => Promise.resolve()).then(() => (done = true));
    await flushPromises();
    expect(done).toBe(true);
  });
});
