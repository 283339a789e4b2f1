import { createRegistry } from '@bulwark/core';
import { ManualClock } from '@bulwark/core/testing';
import { freshRegister, samples, typeLine } from '../../test/scrape.js';
import { registerMetrics } from '../register-metrics.js';

describe('retry metrics', () => {
  it('count calls by outcome, with and without retries', async () => {
    const clock = new ManualClock(0);
    const registry = createRegistry({
      clock,
      defaults: { retry: { maxAttempts: 2, backoff: { kind: 'constant', delayMs: 10 } } },
      policies: { search: { retry: {} }, once: { retry: { maxAttempts: 1 } } },
    });
    const { register, scrape } = freshRegister();
    registerMetrics(registry, { register });
    const search = registry.retry('search');

    await search.execute(() => 'first time');
    let attempts = 0;
    const flaky = search.execute(() => (++attempts === 1 ? Promise.reject(new Error('503')) : 'second time'));
    await clock.advanceAsync(10);
    await expect(flaky).resolves.toBe('second time');
    const down = expect(search.execute(() => Promise.reject(new Error('503')))).rejects.toThrow('503');
    await clock.advanceAsync(10);
    await down;
    await expect(registry.retry('once').execute(() => Promise.reject(new Error('503')))).rejects.toThrow();

    const text = await scrape();
    expect(typeLine(text, 'bulwark_retry_calls_total')).toBe('# TYPE bulwark_retry_calls_total counter');
    expect(samples(text, 'bulwark_retry_calls_total')).toEqual([
      'bulwark_retry_calls_total{name="search",kind="successful_without_retry"} 1',
      'bulwark_retry_calls_total{name="search",kind="successful_with_retry"} 1',
      'bulwark_retry_calls_total{name="search",kind="failed_without_retry"} 0',
      'bulwark_retry_calls_total{name="search",kind="failed_with_retry"} 1',
      'bulwark_retry_calls_total{name="once",kind="successful_without_retry"} 0',
      'bulwark_retry_calls_total{name="once",kind="successful_with_retry"} 0',
      'bulwark_retry_calls_total{name="once",kind="failed_without_retry"} 1',
      'bulwark_retry_calls_total{name="once",kind="failed_with_retry"} 0',
    ]);
  });
});
