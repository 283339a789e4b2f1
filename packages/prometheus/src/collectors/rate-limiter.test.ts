import { createRegistry } from '@bulwark/core';
import { ManualClock } from '@bulwark/core/testing';
import { freshRegister, samples, typeLine, value } from '../../test/scrape.js';
import { registerMetrics } from '../register-metrics.js';

function setup() {
  const clock = new ManualClock(0);
  const registry = createRegistry({
    clock,
    policies: {
      geo: { rateLimiter: { mode: 'token-bucket', limit: 2, intervalMs: 1000 } },
      mail: { rateLimiter: { mode: 'sliding-window', limit: 3, windowMs: 60_000 } },
    },
  });
  const { register, scrape } = freshRegister();
  registerMetrics(registry, { register });
  return { clock, registry, scrape };
}

describe('rate limiter metrics', () => {
  it('read the available permits from the clock at scrape time, in both modes', async () => {
    const { clock, registry, scrape } = setup();
    expect(samples(await scrape(), 'bulwark_rate_limiter_available_permits')).toEqual([
      'bulwark_rate_limiter_available_permits{name="geo"} 2',
      'bulwark_rate_limiter_available_permits{name="mail"} 3',
    ]);
    await registry.rateLimiter('geo').execute(() => 1);
    await registry.rateLimiter('geo').execute(() => 2);
    await registry.rateLimiter('mail').execute(() => 3);
    let text = await scrape();
    expect(value(text, 'bulwark_rate_limiter_available_permits{name="geo"}')).toBe(0);
    expect(value(text, 'bulwark_rate_limiter_available_permits{name="mail"}')).toBe(2);
    clock.advance(500); // the bucket gains one permit every 500 ms; the window still holds the call
    text = await scrape();
    expect(value(text, 'bulwark_rate_limiter_available_permits{name="geo"}')).toBe(1);
    expect(value(text, 'bulwark_rate_limiter_available_permits{name="mail"}')).toBe(2);
    clock.advance(60_000);
    text = await scrape();
    expect(value(text, 'bulwark_rate_limiter_available_permits{name="geo"}')).toBe(2);
    expect(value(text, 'bulwark_rate_limiter_available_permits{name="mail"}')).toBe(3);
  });

  it('count permitted and rejected calls', async () => {
    const { registry, scrape } = setup();
    const geo = registry.rateLimiter('geo');
    await geo.execute(() => 1);
    await geo.execute(() => 2);
    await expect(geo.execute(() => 3)).rejects.toThrow();
    const text = await scrape();
    expect(typeLine(text, 'bulwark_rate_limiter_rejected_calls_total')).toBe('# TYPE bulwark_rate_limiter_rejected_calls_total counter');
    expect(samples(text, 'bulwark_rate_limiter_rejected_calls_total')).toEqual([
      'bulwark_rate_limiter_rejected_calls_total{name="geo"} 1',
      'bulwark_rate_limiter_rejected_calls_total{name="mail"} 0',
    ]);
    expect(samples(text, 'bulwark_rate_limiter_permitted_calls_total')).toEqual([
      'bulwark_rate_limiter_permitted_calls_total{name="geo"} 2',
      'bulwark_rate_limiter_permitted_calls_total{name="mail"} 0',
    ]);
  });
});
