import { createRegistry } from '@bulwark/core';
import { ManualClock } from '@bulwark/core/testing';
import { freshRegister, samples, typeLine } from '../../test/scrape.js';
import { registerMetrics } from '../register-metrics.js';

describe('timeout metrics', () => {
  it('count started, timed-out and caller-aborted calls, in separate families for total and per-attempt timeouts', async () => {
    const clock = new ManualClock(0);
    const registry = createRegistry({
      clock,
      policies: { payments: { timeout: { timeoutMs: 3000, strategy: 'aggressive' }, attemptTimeout: { timeoutMs: 1000, strategy: 'aggressive' } } },
    });
    const { register, scrape } = freshRegister();
    registerMetrics(registry, { register });
    const total = registry.timeout('payments');
    const attempt = registry.attemptTimeout('payments');

    await total.execute(() => 'fast');
    const slow = total.execute(() => new Promise<never>(() => undefined));
    clock.advance(3000);
    await expect(slow).rejects.toThrow();
    const controller = new AbortController();
    const abandoned = total.execute(() => new Promise<never>(() => undefined), { signal: controller.signal });
    controller.abort(new Error('gone'));
    await expect(abandoned).rejects.toThrow('gone');
    const slowAttempt = attempt.execute(() => new Promise<never>(() => undefined));
    clock.advance(1000);
    await expect(slowAttempt).rejects.toThrow();

    const text = await scrape();
    expect(typeLine(text, 'bulwark_timeout_calls_total')).toBe('# TYPE bulwark_timeout_calls_total counter');
    expect(samples(text, 'bulwark_timeout_calls_total')).toEqual(['bulwark_timeout_calls_total{name="payments"} 3']);
    expect(samples(text, 'bulwark_timeout_timed_out_calls_total')).toEqual(['bulwark_timeout_timed_out_calls_total{name="payments"} 1']);
    expect(samples(text, 'bulwark_timeout_caller_aborted_calls_total')).toEqual(['bulwark_timeout_caller_aborted_calls_total{name="payments"} 1']);
    expect(samples(text, 'bulwark_attempt_timeout_calls_total')).toEqual(['bulwark_attempt_timeout_calls_total{name="payments"} 1']);
    expect(samples(text, 'bulwark_attempt_timeout_timed_out_calls_total')).toEqual(['bulwark_attempt_timeout_timed_out_calls_total{name="payments"} 1']);
    expect(samples(text, 'bulwark_attempt_timeout_caller_aborted_calls_total')).toEqual([
      'bulwark_attempt_timeout_caller_aborted_calls_total{name="payments"} 0',
    ]);
  });
});
