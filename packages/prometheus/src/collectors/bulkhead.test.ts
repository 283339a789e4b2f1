import { createRegistry, isBulkheadRejectedError } from '@bulwark/core';
import { ManualClock, deferred, flushPromises } from '@bulwark/core/testing';
import { freshRegister, samples, typeLine, value } from '../../test/scrape.js';
import { registerMetrics } from '../register-metrics.js';

function setup() {
  const clock = new ManualClock(0);
  const registry = createRegistry({
    clock,
    policies: {
      uploads: { bulkhead: { maxConcurrent: 1, maxQueued: 2, queueTimeoutMs: 100 } },
      reports: { bulkhead: { maxConcurrent: 4, maxQueued: Infinity } },
    },
  });
  const { register, scrape } = freshRegister();
  registerMetrics(registry, { register });
  return { clock, registry, scrape, uploads: registry.bulkhead('uploads') };
}

const refused = (promise: Promise<unknown>) => promise.then(
  () => 'ran',
  (error: unknown) => (isBulkheadRejectedError(error) ? error.reason : error),
);

describe('bulkhead metrics', () => {
  it('export the limits, with +Inf for an unbounded queue', async () => {
    const text = await setup().scrape();
    expect(samples(text, 'bulwark_bulkhead_max_concurrent_calls')).toEqual([
      'bulwark_bulkhead_max_concurrent_calls{name="uploads"} 1',
      'bulwark_bulkhead_max_concurrent_calls{name="reports"} 4',
    ]);
    expect(samples(text, 'bulwark_bulkhead_max_queued_calls')).toEqual([
      'bulwark_bulkhead_max_queued_calls{name="uploads"} 2',
      'bulwark_bulkhead_max_queued_calls{name="reports"} +Inf',
    ]);
    expect(typeLine(text, 'bulwark_bulkhead_active_calls')).toBe('# TYPE bulwark_bulkhead_active_calls gauge');
    expect(typeLine(text, 'bulwark_bulkhead_rejected_calls_total')).toBe('# TYPE bulwark_bulkhead_rejected_calls_total counter');
  });

  it('read calls running and waiting at scrape time, and count acceptances and each reason of refusal', async () => {
    const { clock, scrape, uploads } = setup();
    const running = deferred<string>();
    const first = uploads.execute(() => running.promise);
    const second = refused(uploads.execute(() => 'second'));
    const controller = new AbortController();
    const third = refused(uploads.execute(() => 'third', { signal: controller.signal }));
    const fourth = refused(uploads.execute(() => 'fourth')); // the queue is full
    let text = await scrape();
    expect(value(text, 'bulwark_bulkhead_active_calls{name="uploads"}')).toBe(1);
    expect(value(text, 'bulwark_bulkhead_queued_calls{name="uploads"}')).toBe(2);
    await expect(fourth).resolves.toBe('full');

    controller.abort(new Error('gone'));
    await expect(third).resolves.toBe('aborted');
    clock.advance(100);
    await expect(second).resolves.toBe('queue-timeout');
    running.resolve('done');
    await first;
    await flushPromises();

    text = await scrape();
    expect(value(text, 'bulwark_bulkhead_active_calls{name="uploads"}')).toBe(0);
    expect(value(text, 'bulwark_bulkhead_queued_calls{name="uploads"}')).toBe(0);
    expect(value(text, 'bulwark_bulkhead_accepted_calls_total{name="uploads"}')).toBe(1);
    expect(samples(text, 'bulwark_bulkhead_rejected_calls_total')).toEqual([
      'bulwark_bulkhead_rejected_calls_total{name="uploads",reason="full"} 1',
      'bulwark_bulkhead_rejected_calls_total{name="uploads",reason="queue_timeout"} 1',
      'bulwark_bulkhead_rejected_calls_total{name="uploads",reason="aborted"} 1',
      'bulwark_bulkhead_rejected_calls_total{name="reports",reason="full"} 0',
      'bulwark_bulkhead_rejected_calls_total{name="reports",reason="queue_timeout"} 0',
      'bulwark_bulkhead_rejected_calls_total{name="reports",reason="aborted"} 0',
    ]);
  });

  it('show a bulkhead created after registration at the next scrape', async () => {
    const { registry, scrape } = setup();
    registry.bulkhead('exports', { maxConcurrent: 2 });
    expect(samples(await scrape(), 'bulwark_bulkhead_max_queued_calls')).toContain('bulwark_bulkhead_max_queued_calls{name="exports"} 0');
  });
});
