import { isTimeoutError, TimeoutError } from '../../errors/timeout-error.js';
import { flushPromises, ManualClock } from '../../testing/manual-clock.js';
import { Semaphore } from './semaphore.js';

describe('Semaphore (opossum semaphore.js)', () => {
  it('test() takes free permits synchronously and refuses when none is left', () => {
    const sem = new Semaphore(2, new ManualClock());
    expect(sem.count).toBe(2);
    expect(sem.test()).toBe(true);
    expect(sem.count).toBe(1);
    expect(sem.test()).toBe(true);
    expect(sem.count).toBe(0);
    expect(sem.test()).toBe(false);
    expect(sem.count).toBe(0);
  });

  it('release() returns a permit that test() can take again', () => {
    const sem = new Semaphore(1, new ManualClock());
    expect(sem.test()).toBe(true);
    expect(sem.test()).toBe(false);
    sem.release();
    expect(sem.count).toBe(1);
    expect(sem.test()).toBe(true);
  });

  it('a semaphore of 0 refuses every test()', () => {
    const sem = new Semaphore(0, new ManualClock());
    expect(sem.test()).toBe(false);
    expect(sem.count).toBe(0);
  });

  it('take() resolves at once with a release function while permits are free', async () => {
    const sem = new Semaphore(1, new ManualClock());
    const release = await sem.take();
    expect(sem.count).toBe(0);
    expect(sem.test()).toBe(false);
    release();
    expect(sem.count).toBe(1);
  });

  it('take() queues waiters first in, first out, each woken by one release()', async () => {
    const sem = new Semaphore(1, new ManualClock());
    expect(sem.test()).toBe(true);
    const order: string[] = [];
    const releases: Record<string, () => void> = {};
    for (const name of ['a', 'b', 'c']) {
      void sem.take().then((release) => {
        order.push(name);
        releases[name] = release;
      });
    }
    await flushPromises();
    expect(order).toEqual([]);
    sem.release(); // wakes a; the permit goes straight to it
    await flushPromises();
    expect(order).toEqual(['a']);
    expect(sem.count).toBe(0);
    expect(sem.test()).toBe(false);
    releases.a();
    await flushPromises();
    expect(order).toEqual(['a', 'b']);
    releases.b();
    await flushPromises();
    expect(order).toEqual(['a', 'b', 'c']);
    releases.c();
    expect(sem.count).toBe(1);
  });

  it('take(timeout) rejects with ETIMEDOUT "Timed out after Nms" when no permit frees up in time', async () => {
    const clock = new ManualClock();
    const sem = new Semaphore(1, clock);
    sem.test();
    const taken = sem.take(50);
    let settled = false;
    taken.then(
      () => (settled = true),
      () => (settled = true),
    );
    await clock.advanceAsync(49);
    expect(settled).toBe(false);
    await clock.advanceAsync(1);
    await expect(taken).rejects.toThrow('Timed out after 50ms');
    const error: unknown = await taken.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toBeInstanceOf(Error);
    expect(isTimeoutError(error)).toBe(true);
    expect((error as TimeoutError).code).toBe('ETIMEDOUT');
    expect((error as TimeoutError).message).toBe('Timed out after 50ms');
    expect((error as TimeoutError).timeoutMs).toBe(50);
    // No permit was taken by the timed-out waiter.
    expect(sem.count).toBe(0);
  });

  it('a timed-out waiter leaves the queue: the next release goes to the waiter behind it', async () => {
    const clock = new ManualClock();
    const sem = new Semaphore(1, clock);
    sem.test();
    const first = sem.take(10).catch((e: unknown) => e);
    const woken: string[] = [];
    void sem.take().then(() => woken.push('second'));
    const third = sem.take(100);
    void third.then(() => woken.push('third'));
    await clock.advanceAsync(10);
    expect(await first).toBeInstanceOf(TimeoutError);
    sem.release();
    await flushPromises();
    // 'second' got the permit, not the timed-out 'first' (opossum's shift() would drop 'second').
    expect(woken).toEqual(['second']);
    expect(sem.count).toBe(0);
    sem.release();
    await flushPromises();
    expect(woken).toEqual(['second', 'third']);
  });

  it('a timed-out waiter behind others leaves the queue without disturbing those ahead of it', async () => {
    const clock = new ManualClock();
    const sem = new Semaphore(1, clock);
    sem.test();
    const woken: string[] = [];
    void sem.take().then(() => woken.push('first'));
    const second = sem.take(10).catch((e: unknown) => e);
    void sem.take().then(() => woken.push('third'));
    await clock.advanceAsync(10);
    expect(await second).toBeInstanceOf(TimeoutError);
    sem.release();
    await flushPromises();
    expect(woken).toEqual(['first']);
    sem.release();
    await flushPromises();
    expect(woken).toEqual(['first', 'third']);
    expect(sem.count).toBe(0);
  });

  it('a waiter woken before its timeout is not rejected later, and its timer is cleared', async () => {
    const clock = new ManualClock();
    const sem = new Semaphore(1, clock);
    sem.test();
    const taken = sem.take(100);
    expect(clock.pendingTimers).toBe(1);
    await clock.advanceAsync(50);
    sem.release();
    const release = await taken;
    expect(clock.pendingTimers).toBe(0);
    await clock.advanceAsync(1_000);
    expect(sem.count).toBe(0);
    release();
    expect(sem.count).toBe(1);
  });

  it('take(0) and take() wait without a timer', async () => {
    const clock = new ManualClock();
    const sem = new Semaphore(0, clock);
    let resolved = 0;
    void sem.take(0).then(() => resolved++);
    void sem.take().then(() => resolved++);
    expect(clock.pendingTimers).toBe(0);
    await clock.advanceAsync(10 ** 9);
    expect(resolved).toBe(0);
    sem.release();
    sem.release();
    await flushPromises();
    expect(resolved).toBe(2);
    expect(sem.count).toBe(0);
  });

  it('release() without a waiter raises the count above the initial one (as opossum)', () => {
    const sem = new Semaphore(1, new ManualClock());
    sem.release();
    expect(sem.count).toBe(2);
  });
});
