import { createRegistry } from '@bulwark/core';
import { freshRegister, samples, typeLine } from '../../test/scrape.js';
import { registerMetrics } from '../register-metrics.js';

describe('fallback metrics', () => {
  it('count the errors a fallback handled and those it passed through', async () => {
    const registry = createRegistry({
      policies: { prices: { fallback: { value: 0, shouldHandle: (error) => (error as Error).message !== 'bug' } } },
    });
    const { register, scrape } = freshRegister();
    registerMetrics(registry, { register });
    const prices = registry.fallback('prices');
    await expect(prices.execute(() => 42)).resolves.toBe(42);
    await expect(prices.execute(() => Promise.reject(new Error('503')))).resolves.toBe(0);
    await expect(prices.execute(() => Promise.reject(new Error('503')))).resolves.toBe(0);
    await expect(prices.execute(() => Promise.reject(new Error('bug')))).rejects.toThrow('bug');

    const text = await scrape();
    expect(typeLine(text, 'bulwark_fallback_errors_total')).toBe('# TYPE bulwark_fallback_errors_total counter');
    expect(samples(text, 'bulwark_fallback_errors_total')).toEqual([
      'bulwark_fallback_errors_total{name="prices",kind="handled"} 2',
      'bulwark_fallback_errors_total{name="prices",kind="passed_through"} 1',
    ]);
  });
});
