import { createRegistry, resetDefaultRegistry } from '@bulwark/core';
import type { PolicyConfig, PolicyRegistry, RegistryEntry } from '@bulwark/core';
import { jest } from '@jest/globals';
import { ManualClock } from '@bulwark/core/testing';
import { Counter, Registry, register as globalRegister } from 'prom-client';
import type { OpenMetricsContentType } from 'prom-client';
import { families, freshRegister, samples, typeLine, value } from '../test/scrape.js';
import { registerMetrics } from './register-metrics.js';

const ALL_FAMILIES = [
  'bulwark_circuit_breaker_state',
  'bulwark_circuit_breaker_calls_total',
  'bulwark_circuit_breaker_failure_rate',
  'bulwark_circuit_breaker_call_duration_seconds',
  'bulwark_bulkhead_active_calls',
  'bulwark_bulkhead_queued_calls',
  'bulwark_bulkhead_max_concurrent_calls',
  'bulwark_bulkhead_max_queued_calls',
  'bulwark_bulkhead_accepted_calls_total',
  'bulwark_bulkhead_rejected_calls_total',
  'bulwark_retry_calls_total',
  'bulwark_rate_limiter_available_permits',
  'bulwark_rate_limiter_permitted_calls_total',
  'bulwark_rate_limiter_rejected_calls_total',
  'bulwark_timeout_calls_total',
  'bulwark_timeout_timed_out_calls_total',
  'bulwark_timeout_caller_aborted_calls_total',
  'bulwark_attempt_timeout_calls_total',
  'bulwark_attempt_timeout_timed_out_calls_total',
  'bulwark_attempt_timeout_caller_aborted_calls_total',
  'bulwark_fallback_errors_total',
];

function payments(): PolicyRegistry {
  return createRegistry({ clock: new ManualClock(0), policies: { payments: { breaker: { timeout: false }, bulkhead: { maxConcurrent: 2 } } } });
}

/** Every kind of policy, so each collector has a series for the name. */
const EVERY_KIND: PolicyConfig = {
  breaker: {},
  bulkhead: { maxConcurrent: 1 },
  retry: {},
  rateLimiter: { mode: 'token-bucket', limit: 1, intervalMs: 1000 },
  timeout: { timeoutMs: 1000 },
  attemptTimeout: { timeoutMs: 100 },
  fallback: { value: 0 },
};
const KINDS = Object.keys(EVERY_KIND) as Array<RegistryEntry['kind']>;

/** The sample lines of `name`, in every family. */
const linesOf = (text: string, name: string) => text.split('\n').filter((line) => !line.startsWith('#') && line.includes(`name="${name}"`));
const successListeners = (registry: PolicyRegistry, name: string) => registry.get('breaker', name)?.listenerCount('success');

/** Counts the live subscriptions to the registry's onCreated and onRemoved, as the registry keeps them private. */
function liveSubscriptions(registry: PolicyRegistry) {
  const live = { onCreated: 0, onRemoved: 0 };
  for (const field of ['onCreated', 'onRemoved'] as const) {
    const subscribe = registry[field];
    Object.defineProperty(registry, field, {
      value: (listener: (entry: RegistryEntry) => void) => {
        const subscription = subscribe(listener);
        let active = true;
        live[field]++;
        return {
          dispose() {
            if (active) live[field]--;
            active = false;
            subscription.dispose();
          },
        };
      },
    });
  }
  return live;
}

describe('registerMetrics', () => {
  it('adds every family, and nothing else (no default process metrics)', async () => {
    const { register, scrape } = freshRegister();
    registerMetrics(payments(), { register });
    expect(families(await scrape())).toEqual(ALL_FAMILIES);
  });

  describe('defaults', () => {
    let previous: PolicyRegistry | undefined;
    afterEach(() => {
      resetDefaultRegistry(previous);
    });

    it("exports defaultRegistry() on prom-client's global register", async () => {
      const registry = payments();
      previous = resetDefaultRegistry(registry);
      const before = globalRegister.getMetricsAsArray().length;
      const handle = registerMetrics();
      try {
        const text = await globalRegister.metrics();
        expect(samples(text, 'bulwark_bulkhead_max_concurrent_calls')).toEqual(['bulwark_bulkhead_max_concurrent_calls{name="payments"} 2']);
        expect(globalRegister.getMetricsAsArray().length).toBe(before + ALL_FAMILIES.length);
        expect(families(text).filter((name) => !name.startsWith('bulwark_'))).toEqual([]);
      } finally {
        handle.unregister();
      }
      expect(globalRegister.getMetricsAsArray().length).toBe(before);
    });
  });

  it('refuses a second registration with the same prefix, saying what to do, and adds nothing', async () => {
    const { register, scrape } = freshRegister();
    const registry = payments();
    const first = registerMetrics(registry, { register });
    expect(() => registerMetrics(registry, { register })).toThrow(
      new TypeError(
        'registerMetrics: the prom-client registry already has a metric named bulwark_circuit_breaker_state. ' +
          'Bulwark metrics are registered on it already: call unregister() on the handle the first registerMetrics() returned, ' +
          'or pass another options.prefix or options.register',
      ),
    );
    expect(families(await scrape())).toEqual(ALL_FAMILIES);
    expect(registry.breaker('payments').listenerCount('success')).toBe(1); // the second call subscribed nothing
    first.unregister();
    registerMetrics(registry, { register }); // free again
    expect(families(await scrape())).toEqual(ALL_FAMILIES);
  });

  it('rolls back a registration that clashes part-way, leaving the clashing metric alone', async () => {
    const { register, scrape } = freshRegister();
    new Counter({ name: 'bulwark_retry_calls_total', help: 'not ours', registers: [register] });
    expect(() => registerMetrics(payments(), { register })).toThrow(/already has a metric named bulwark_retry_calls_total/);
    expect(families(await scrape())).toEqual(['bulwark_retry_calls_total']);
  });

  it('registers side by side under another prefix, or none', async () => {
    const { register, scrape } = freshRegister();
    const registry = payments();
    registerMetrics(registry, { register });
    registerMetrics(registry, { register, prefix: 'shop_' });
    registerMetrics(registry, { register, prefix: '' });
    const text = await scrape();
    expect(value(text, 'shop_bulkhead_max_concurrent_calls{name="payments"}')).toBe(2);
    expect(value(text, 'bulkhead_max_concurrent_calls{name="payments"}')).toBe(2);
    expect(families(text)).toHaveLength(3 * ALL_FAMILIES.length);
  });

  it('uses the given duration buckets, in seconds', async () => {
    const { register, scrape } = freshRegister();
    registerMetrics(payments(), { register, durationBuckets: [0.1, 1] });
    expect(samples(await scrape(), 'bulwark_circuit_breaker_call_duration_seconds_bucket')).toEqual([
      'bulwark_circuit_breaker_call_duration_seconds_bucket{le="0.1",name="payments"} 0',
      'bulwark_circuit_breaker_call_duration_seconds_bucket{le="1",name="payments"} 0',
      'bulwark_circuit_breaker_call_duration_seconds_bucket{le="+Inf",name="payments"} 0',
    ]);
  });

  it('drops the series of a disposed registry', async () => {
    const { register, scrape } = freshRegister();
    const registry = payments();
    registerMetrics(registry, { register });
    registry.dispose();
    const text = await scrape();
    expect(samples(text, 'bulwark_circuit_breaker_state')).toEqual([]);
    expect(samples(text, 'bulwark_bulkhead_active_calls')).toEqual([]);
  });

  describe('unregister()', () => {
    it("removes every family it added and no one else's, and is idempotent", async () => {
      const { register, scrape } = freshRegister();
      const own = new Counter({ name: 'app_orders_total', help: 'orders', registers: [register] });
      const registry = payments();
      const handle = registerMetrics(registry, { register });
      handle.unregister();
      expect(families(await scrape())).toEqual(['app_orders_total']);
      handle.unregister();
      const again = registerMetrics(registry, { register });
      handle.unregister(); // the old handle must not touch the new registration
      expect(families(await scrape())).toEqual(['app_orders_total', ...ALL_FAMILIES]);
      again.unregister();
      expect(register.getSingleMetric('app_orders_total')).toBe(own);
    });

    it('removes the breaker listeners and stops following new instances', async () => {
      const { register, scrape } = freshRegister();
      const registry = payments();
      const breaker = registry.breaker('payments');
      const before = { success: breaker.listenerCount('success'), failure: breaker.listenerCount('failure') };
      const handle = registerMetrics(registry, { register });
      expect(breaker.listenerCount('success')).toBe(before.success + 1);
      handle.unregister();
      expect({ success: breaker.listenerCount('success'), failure: breaker.listenerCount('failure') }).toEqual(before);
      expect(registry.breaker('later').listenerCount('success')).toBe(0);
      expect(await scrape()).toBe('\n');
    });
  });

  describe('OpenMetrics', () => {
    it('exposes counters as families without _total, with _total samples, and unregisters them afterwards', async () => {
      // As a TypeScript user writes it: prom-client's typings give the constructor no argument.
      const register = new Registry<OpenMetricsContentType>();
      register.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
      const scrape = () => register.metrics();
      const handle = registerMetrics(payments(), { register });
      const text = await scrape();
      expect(register.contentType).toBe(Registry.OPENMETRICS_CONTENT_TYPE);
      expect(typeLine(text, 'bulwark_circuit_breaker_calls')).toBe('# TYPE bulwark_circuit_breaker_calls counter');
      expect(samples(text, 'bulwark_circuit_breaker_calls_total')).toContain('bulwark_circuit_breaker_calls_total{name="payments",kind="successful"} 0');
      expect(samples(text, 'bulwark_circuit_breaker_calls_total_total')).toEqual([]);
      expect(typeLine(text, 'bulwark_circuit_breaker_state')).toBe('# TYPE bulwark_circuit_breaker_state gauge');
      expect(text.endsWith('# EOF\n')).toBe(true);
      expect(await scrape()).toBe(text); // a second scrape renders the same (prom-client renames in place once)
      handle.unregister();
      expect(await scrape()).toBe('\n# EOF\n');
    });

    it('keeps _total in the family name in the Prometheus text format', async () => {
      const { register, scrape } = freshRegister();
      registerMetrics(payments(), { register });
      const text = await scrape();
      expect(typeLine(text, 'bulwark_circuit_breaker_calls_total')).toBe('# TYPE bulwark_circuit_breaker_calls_total counter');
      expect(register.contentType).toBe(Registry.PROMETHEUS_CONTENT_TYPE);
    });
  });

  describe('instances removed from the registry', () => {
    it('leave every family at the next scrape, and the other names stay', async () => {
      const { register, scrape } = freshRegister();
      const registry = createRegistry({ clock: new ManualClock(0), policies: { payments: EVERY_KIND, search: EVERY_KIND } });
      registerMetrics(registry, { register });
      let text = await scrape();
      const search = linesOf(text, 'search');
      const names = new Set(linesOf(text, 'payments').map((line) => line.slice(0, line.indexOf('{')).replace(/_(bucket|sum|count)$/, '')));
      expect([...names]).toEqual(ALL_FAMILIES); // a series in every family

      for (const kind of KINDS) registry.remove(kind, 'payments');
      text = await scrape();
      expect(linesOf(text, 'payments')).toEqual([]);
      expect(linesOf(text, 'search')).toEqual(search);
      expect(families(text)).toEqual(ALL_FAMILIES);
    });

    it('keep nothing behind through churn: distinct names, and one name created and removed over and over', async () => {
      const clock = new ManualClock(0);
      const { register, scrape } = freshRegister();
      const registry = createRegistry({ clock, policies: { payments: { breaker: {} } } });
      const handle = registerMetrics(registry, { register });
      const offs = [];
      for (let i = 0; i < 300; i++) {
        const name = i % 2 === 0 ? `tenant-${i}` : 'tenant';
        const breaker = registry.breaker(name);
        registry.bulkhead(name, { maxConcurrent: 1 });
        await breaker.execute(() => 'ok');
        const off = jest.spyOn(breaker, 'off');
        registry.remove('breaker', name);
        registry.remove('bulkhead', name);
        expect(off).toHaveBeenCalledTimes(2);
        expect(breaker.listenerCount('success') + breaker.listenerCount('failure')).toBe(0);
        offs.push(off);
      }
      registry.breaker('tenant');
      const text = await scrape();
      expect(text.split('\n').filter((line) => !line.startsWith('#') && line !== '' && !/name="(payments|tenant)"/.test(line))).toEqual([]);
      expect(value(text, 'bulwark_circuit_breaker_call_duration_seconds_count{name="tenant"}')).toBe(0);

      handle.unregister();
      // Had their undo been kept, unregister would have run it again.
      for (const off of offs) expect(off).toHaveBeenCalledTimes(2);
      expect(successListeners(registry, 'tenant')).toBe(0);
    });

    it('are followed until unregister(), which also ends the onRemoved subscription', async () => {
      const { register, scrape } = freshRegister();
      const registry = payments();
      const live = liveSubscriptions(registry);
      const handle = registerMetrics(registry, { register });
      expect(live).toEqual({ onCreated: 1, onRemoved: 1 });
      registry.breaker('search');
      registry.remove('breaker', 'search');
      registry.remove('bulkhead', 'payments');
      handle.unregister();
      expect(live).toEqual({ onCreated: 0, onRemoved: 0 });
      expect(successListeners(registry, 'payments')).toBe(0);
      expect(await scrape()).toBe('\n');
      expect(registry.remove('breaker', 'payments')).toBeDefined();

      const again = registerMetrics(registry, { register });
      registry.breaker('payments');
      expect(samples(await scrape(), 'bulwark_circuit_breaker_call_duration_seconds_count')).toEqual([
        'bulwark_circuit_breaker_call_duration_seconds_count{name="payments"} 0',
      ]);
      registry.remove('breaker', 'payments');
      expect(samples(await scrape(), 'bulwark_circuit_breaker_call_duration_seconds_count')).toEqual([]);
      again.unregister();
      expect(live).toEqual({ onCreated: 0, onRemoved: 0 });
    });
  });
});
