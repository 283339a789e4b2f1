import fc from 'fast-check';
import { ManualClock, deferred, flushPromises } from '../testing/index.js';
import type { Deferred } from '../testing/index.js';
import { bulkhead } from './bulkhead.js';
import type { BulkheadAcceptedEvent, BulkheadPermit } from './bulkhead.js';

describe('BulkheadPolicy.tryAcquire', () => {
  it('takes a free slot, counted as accepted, and release() completes it', () => {
    const b = bulkhead({ maxConcurrent: 2, clock: new ManualClock() });
    const accepted: BulkheadAcceptedEvent[] = [];
    b.onAccepted((event) => accepted.push(event));
    const permit = b.tryAcquire();
    expect(permit).toBeDefined();
    expect(b.activeCount).toBe(1);
    expect(accepted).toEqual([{ waitedMs: 0, activeCount: 1, queuedCount: 0 }]);
    permit?.release();
    expect(permit?.done).toBe(true);
    expect(b.activeCount).toBe(0);
    expect(b.metrics()).toMatchObject({ accepted: 1, completed: 1, queued: 0 });
  });

  it('answers undefined when every slot is taken, counting nothing', () => {
    const b = bulkhead({ maxConcurrent: 1, maxQueued: 5 });
    const held = b.tryAcquire();
    expect(b.tryAcquire()).toBeUndefined();
    expect(b.metrics()).toMatchObject({ accepted: 1, rejected: { full: 0, queueTimeout: 0, aborted: 0 } });
    held?.release();
    expect(b.tryAcquire()).toBeDefined();
  });

  it('releases once however often release() is called', () => {
    const b = bulkhead({ maxConcurrent: 2 });
    const first = b.tryAcquire();
    b.tryAcquire();
    first?.release();
    first?.release();
    expect(b.activeCount).toBe(1);
    expect(b.metrics().completed).toBe(1);
  });

  it('gives a released slot to the head of the queue', async () => {
    const b = bulkhead({ maxConcurrent: 1, maxQueued: 1 });
    const permit = b.tryAcquire();
    let ran = false;
    const queued = b.execute(() => {
      ran = true;
      return 'queued';
    });
    expect(b.queuedCount).toBe(1);
    permit?.release();
    expect(ran).toBe(true);
    await expect(queued).resolves.toBe('queued');
  });

  it('times a released call for the Retry-After estimate of later rejections', async () => {
    const clock = new ManualClock();
    const b = bulkhead({ maxConcurrent: 1, clock });
    const permit = b.tryAcquire(); // the first call of a bulkhead is always timed
    clock.advance(40);
    permit?.release();
    b.tryAcquire();
    await expect(b.execute(() => 'shed')).rejects.toMatchObject({ reason: 'full', retryAfterMs: 40 });
  });
});

describe('BulkheadPolicy.tryAcquire properties', () => {
  type Command = { kind: 'permit' } | { kind: 'execute' } | { kind: 'release'; pick: number } | { kind: 'finish'; pick: number };
  const command: fc.Arbitrary<Command> = fc.oneof(
    fc.constant<Command>({ kind: 'permit' }),
    fc.constant<Command>({ kind: 'execute' }),
    fc.nat().map((pick): Command => ({ kind: 'release', pick })),
    fc.nat().map((pick): Command => ({ kind: 'finish', pick })),
  );

  it('never holds more than maxConcurrent slots between permits and executed calls; permits only when a slot is free', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.array(command, { maxLength: 40 }), async (maxConcurrent, maxQueued, commands) => {
        const b = bulkhead({ maxConcurrent, maxQueued });
        const permits: BulkheadPermit[] = [];
        const gates: Array<Deferred<void>> = [];
        let running = 0;
        for (const c of commands) {
          if (c.kind === 'permit') {
            const free = b.activeCount < maxConcurrent;
            const permit = b.tryAcquire();
            expect(permit !== undefined).toBe(free);
            if (permit) permits.push(permit);
          } else if (c.kind === 'execute') {
            b.execute(() => {
              running++;
              const gate = deferred<void>();
              gates.push(gate);
              return gate.promise.finally(() => running--);
            }).catch(() => undefined);
          } else if (c.kind === 'release' && permits.length > 0) {
            permits.splice(c.pick % permits.length, 1)[0].release();
          } else if (c.kind === 'finish' && gates.length > 0) {
            gates.splice(c.pick % gates.length, 1)[0].resolve();
          }
          await flushPromises();
          expect(b.activeCount).toBe(permits.length + running);
          expect(b.activeCount).toBeLessThanOrEqual(maxConcurrent);
        }
      }),
    );
  });
});
