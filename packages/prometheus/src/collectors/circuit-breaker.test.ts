import { CircuitBreaker, createRegistry } from '@bulwark/core';
import { ManualClock, deferred, flushPromises } from '@bulwark/core/testing';
import { freshRegister, samples, typeLine, value } from '../../test/scrape.js';
import { registerMetrics } from '../register-metrics.js';
import { BREAKER_STATES } from './circuit-breaker.js';

function setup() {
  const clock = new ManualClock(0);
  const registry = createRegistry({
    clock,
    defaults: { breaker: { timeout: 1000, resetTimeout: 5000, slidingWindow: { kind: 'consecutive', failures: 2 } } },
    policies: { payments: { breaker: {} } },
  });
  const { register, scrape } = freshRegister();
  const handle = registerMetrics(registry, { register });
  const payments = registry.breaker('payments');
  return { clock, registry, register, scrape, handle, payments };
}

const states = (text: string) => samples(text, 'bulwark_circuit_breaker_state');
const listeners = (breaker: CircuitBreaker<never, unknown>) => ({ success: breaker.listenerCount('success'), failure: breaker.listenerCount('failure') });
/** Every sample line of `name`'s breaker series, in any breaker family. */
const seriesOf = (text: string, name: string) => text.split('\n').filter((line) => line.startsWith('bulwark_circuit_breaker_') && line.includes(`name="${name}"`));
const COUNT = 'bulwark_circuit_breaker_call_duration_seconds_count';

describe('circuit breaker metrics', () => {
  it('start with the state closed, every count 0, a failure rate of 0 and an empty histogram', async () => {
    const { scrape } = setup();
    const text = await scrape();
    expect(states(text).map((line) => /state="(\w+)"/.exec(line)?.[1])).toEqual(BREAKER_STATES);
    expect(states(text)).toEqual([
      'bulwark_circuit_breaker_state{name="payments",state="closed"} 1',
      'bulwark_circuit_breaker_state{name="payments",state="open"} 0',
      'bulwark_circuit_breaker_state{name="payments",state="half_open"} 0',
      'bulwark_circuit_breaker_state{name="payments",state="isolated"} 0',
      'bulwark_circuit_breaker_state{name="payments",state="shutdown"} 0',
    ]);
    expect(samples(text, 'bulwark_circuit_breaker_calls_total')).toEqual([
      'bulwark_circuit_breaker_calls_total{name="payments",kind="successful"} 0',
      'bulwark_circuit_breaker_calls_total{name="payments",kind="failed"} 0',
      'bulwark_circuit_breaker_calls_total{name="payments",kind="rejected"} 0',
      'bulwark_circuit_breaker_calls_total{name="payments",kind="timeout"} 0',
      'bulwark_circuit_breaker_calls_total{name="payments",kind="fallback"} 0',
    ]);
    expect(samples(text, 'bulwark_circuit_breaker_failure_rate')).toEqual(['bulwark_circuit_breaker_failure_rate{name="payments"} 0']);
    expect(samples(text, 'bulwark_circuit_breaker_call_duration_seconds_count')).toEqual([
      'bulwark_circuit_breaker_call_duration_seconds_count{name="payments"} 0',
    ]);
    expect(typeLine(text, 'bulwark_circuit_breaker_state')).toBe('# TYPE bulwark_circuit_breaker_state gauge');
    expect(typeLine(text, 'bulwark_circuit_breaker_calls_total')).toBe('# TYPE bulwark_circuit_breaker_calls_total counter');
    expect(typeLine(text, 'bulwark_circuit_breaker_call_duration_seconds')).toBe('# TYPE bulwark_circuit_breaker_call_duration_seconds histogram');
  });

  it('count outcomes, observe durations in seconds, and follow the state from closed to open to half-open', async () => {
    const { clock, scrape, payments } = setup();
    const answer = deferred<string>();
    const ok = payments.execute(() => answer.promise);
    clock.advance(250);
    answer.resolve('paid');
    await expect(ok).resolves.toBe('paid');
    let text = await scrape();
    expect(value(text, 'bulwark_circuit_breaker_calls_total{name="payments",kind="successful"}')).toBe(1);
    expect(value(text, 'bulwark_circuit_breaker_call_duration_seconds_sum{name="payments"}')).toBe(0.25);
    expect(value(text, 'bulwark_circuit_breaker_call_duration_seconds_bucket{le="0.1",name="payments"}')).toBe(0);
    expect(value(text, 'bulwark_circuit_breaker_call_duration_seconds_bucket{le="0.25",name="payments"}')).toBe(1);

    const failed = payments.execute(() => Promise.reject(new Error('503')));
    await expect(failed).rejects.toThrow('503');
    text = await scrape();
    expect(value(text, 'bulwark_circuit_breaker_failure_rate{name="payments"}')).toBe(0.5);
    expect(value(text, 'bulwark_circuit_breaker_state{name="payments",state="closed"}')).toBe(1);

    const hung = payments.execute(() => new Promise<never>(() => undefined));
    clock.advance(1000); // the timeout: the second failure in a row opens the breaker
    await expect(hung).rejects.toThrow('Timed out after 1000ms');
    await expect(payments.execute(() => 'never runs')).rejects.toThrow('Breaker is open');
    text = await scrape();
    expect(states(text)).toEqual([
      'bulwark_circuit_breaker_state{name="payments",state="closed"} 0',
      'bulwark_circuit_breaker_state{name="payments",state="open"} 1',
      'bulwark_circuit_breaker_state{name="payments",state="half_open"} 0',
      'bulwark_circuit_breaker_state{name="payments",state="isolated"} 0',
      'bulwark_circuit_breaker_state{name="payments",state="shutdown"} 0',
    ]);
    expect(samples(text, 'bulwark_circuit_breaker_calls_total')).toEqual([
      'bulwark_circuit_breaker_calls_total{name="payments",kind="successful"} 1',
      'bulwark_circuit_breaker_calls_total{name="payments",kind="failed"} 2',
      'bulwark_circuit_breaker_calls_total{name="payments",kind="rejected"} 1',
      'bulwark_circuit_breaker_calls_total{name="payments",kind="timeout"} 1',
      'bulwark_circuit_breaker_calls_total{name="payments",kind="fallback"} 0',
    ]);
    // 0.25 s, 0 s and 1 s; the rejected call never ran, so it has no duration.
    expect(value(text, 'bulwark_circuit_breaker_call_duration_seconds_count{name="payments"}')).toBe(3);
    expect(value(text, 'bulwark_circuit_breaker_call_duration_seconds_sum{name="payments"}')).toBe(1.25);
    expect(value(text, 'bulwark_circuit_breaker_call_duration_seconds_bucket{le="0.005",name="payments"}')).toBe(1);
    expect(value(text, 'bulwark_circuit_breaker_call_duration_seconds_bucket{le="+Inf",name="payments"}')).toBe(3);

    clock.advance(5000);
    text = await scrape();
    expect(value(text, 'bulwark_circuit_breaker_state{name="payments",state="half_open"}')).toBe(1);
    expect(value(text, 'bulwark_circuit_breaker_state{name="payments",state="open"}')).toBe(0);
  });

  it('report isolated and shutdown breakers', async () => {
    const { scrape, payments } = setup();
    const isolation = payments.isolate();
    expect(states(await scrape())).toContain('bulwark_circuit_breaker_state{name="payments",state="isolated"} 1');
    isolation.dispose();
    payments.shutdown();
    const text = await scrape();
    expect(value(text, 'bulwark_circuit_breaker_state{name="payments",state="shutdown"}')).toBe(1);
    expect(value(text, 'bulwark_circuit_breaker_state{name="payments",state="closed"}')).toBe(0);
  });

  it('count fallbacks of a breaker built elsewhere and registered', async () => {
    const { clock, registry, scrape } = setup();
    const legacy = new CircuitBreaker((id: number) => Promise.reject(new Error(`no user ${id}`)), { clock, name: 'users' });
    legacy.fallback(() => 'anonymous');
    registry.register('users', legacy);
    await expect(legacy.fire(7)).resolves.toBe('anonymous');
    const text = await scrape();
    expect(value(text, 'bulwark_circuit_breaker_calls_total{name="users",kind="failed"}')).toBe(1);
    expect(value(text, 'bulwark_circuit_breaker_calls_total{name="users",kind="fallback"}')).toBe(1);
    expect(value(text, 'bulwark_circuit_breaker_call_duration_seconds_count{name="users"}')).toBe(1);
    expect(value(text, 'bulwark_circuit_breaker_failure_rate{name="users"}')).toBe(1);
    legacy.shutdown();
  });

  it('observe the durations of breakers created after registration, and stop listening on unregister', async () => {
    const { clock, registry, scrape, handle } = setup();
    const late = registry.breaker('search');
    expect(late.listenerCount('success')).toBe(1);
    expect(late.listenerCount('failure')).toBe(1);
    const answer = deferred<number>();
    const call = late.execute(() => answer.promise);
    clock.advance(40);
    answer.resolve(3);
    await call;
    const text = await scrape();
    expect(states(text)).toContain('bulwark_circuit_breaker_state{name="search",state="closed"} 1');
    expect(value(text, 'bulwark_circuit_breaker_call_duration_seconds_sum{name="search"}')).toBe(0.04);

    handle.unregister();
    expect(late.listenerCount('success')).toBe(0);
    expect(late.listenerCount('failure')).toBe(0);
    expect(registry.breaker('payments').listenerCount('success')).toBe(0);
    registry.breaker('after-unregister');
    expect(registry.breaker('after-unregister').listenerCount('success')).toBe(0);
    await flushPromises();
  });

  it('keep every counter monotonic across scrapes', async () => {
    const { clock, scrape, payments } = setup();
    let previous = new Map<string, number>();
    for (let round = 0; round < 6; round++) {
      if (round % 2 === 0) await payments.execute(() => 'ok').catch(() => undefined);
      else await payments.execute(() => Promise.reject(new Error('x'))).catch(() => undefined);
      clock.advance(2000);
      const current = new Map(samples(await scrape(), 'bulwark_circuit_breaker_calls_total').map((line) => [line.split(' ')[0], Number(line.split(' ')[1])]));
      for (const [series, before] of previous) expect(current.get(series)).toBeGreaterThanOrEqual(before);
      previous = current;
    }
    expect([...previous.values()].reduce((a, b) => a + b)).toBeGreaterThan(0);
  });

  describe('of a breaker removed from the registry', () => {
    it('are gone at the next scrape, its listeners with them, and other breakers keep theirs', async () => {
      const { clock, registry, scrape, payments } = setup();
      const search = registry.breaker('search');
      search.on('success', () => undefined); // the application's own listener stays
      const done = deferred<string>();
      const call = search.execute(() => done.promise);
      clock.advance(30);
      done.resolve('found');
      await call;
      expect(value(await scrape(), `${COUNT}{name="search"}`)).toBe(1);
      expect(listeners(search)).toEqual({ success: 2, failure: 1 });

      registry.remove('breaker', 'search'); // not shut down: whoever holds it may go on using it
      expect(listeners(search)).toEqual({ success: 1, failure: 0 });
      const text = await scrape();
      expect(seriesOf(text, 'search')).toEqual([]);
      expect(seriesOf(text, 'payments')).toHaveLength(5 + 5 + 1 + (11 + 1) + 2); // state, calls, rate, buckets, sum and count
      expect(listeners(payments)).toEqual({ success: 1, failure: 1 });
      await search.execute(() => 'still works');
      expect(seriesOf(await scrape(), 'search')).toEqual([]);
    });

    it('start afresh for a breaker created anew under its name, which the old one\u2019s late calls do not reach', async () => {
      const { clock, registry, scrape, payments } = setup();
      await payments.execute(() => 'ok');
      const inFlight = deferred<string>();
      const late = payments.execute(() => inFlight.promise);
      const lateFailure = payments.execute(() => new Promise<never>(() => undefined)).catch((error: unknown) => error); // times out after 1000 ms
      registry.remove('breaker', 'payments');
      const fresh = registry.breaker('payments');
      expect(fresh).not.toBe(payments);
      let text = await scrape();
      expect(value(text, `${COUNT}{name="payments"}`)).toBe(0);
      expect(value(text, 'bulwark_circuit_breaker_calls_total{name="payments",kind="successful"}')).toBe(0);

      clock.advance(200);
      inFlight.resolve('late');
      await expect(late).resolves.toBe('late');
      clock.advance(800);
      expect(await lateFailure).toMatchObject({ code: 'ETIMEDOUT' });
      expect(value(await scrape(), `${COUNT}{name="payments"}`)).toBe(0);

      const answer = deferred<string>();
      const call = fresh.execute(() => answer.promise);
      clock.advance(100);
      answer.resolve('new');
      await call;
      text = await scrape();
      expect(value(text, `${COUNT}{name="payments"}`)).toBe(1);
      expect(value(text, 'bulwark_circuit_breaker_call_duration_seconds_sum{name="payments"}')).toBe(0.1);
      expect(listeners(fresh)).toEqual({ success: 1, failure: 1 });
      expect(listeners(payments)).toEqual({ success: 0, failure: 0 });
    });

    it('ignore the late calls of a breaker removed and shut down, as the adapters evict', async () => {
      const { clock, registry, scrape, payments } = setup();
      const inFlight = deferred<string>();
      const late = payments.execute(() => inFlight.promise);
      registry.remove('breaker', 'payments');
      payments.shutdown();
      registry.breaker('payments');
      clock.advance(500);
      inFlight.resolve('late');
      await late.catch(() => undefined);
      expect(value(await scrape(), `${COUNT}{name="payments"}`)).toBe(0);
    });

    it('stop observing a call whose own success event removed the breaker (Node calls a copy of the listener list)', async () => {
      const clock = new ManualClock(0);
      const registry = createRegistry({ clock, policies: { payments: { breaker: {} } } });
      const payments = registry.breaker('payments');
      payments.on('success', () => registry.remove('breaker', 'payments')); // before the exporter's listener
      const { register, scrape } = freshRegister();
      registerMetrics(registry, { register });
      await payments.execute(() => 'ok');
      expect(seriesOf(await scrape(), 'payments')).toEqual([]);
      expect(listeners(payments)).toEqual({ success: 1, failure: 0 });
    });

    it('belong to a breaker created anew from inside an earlier onRemoved listener', async () => {
      const clock = new ManualClock(0);
      const registry = createRegistry({ clock, policies: { payments: { breaker: {} } } });
      const replace = registry.onRemoved(({ name }) => registry.breaker(name)); // runs before the exporter's listener
      const { register, scrape } = freshRegister();
      registerMetrics(registry, { register });
      const old = registry.breaker('payments');
      registry.remove('breaker', 'payments');
      replace.dispose();
      const fresh = registry.breaker('payments');
      expect(fresh).not.toBe(old);
      expect(listeners(old)).toEqual({ success: 0, failure: 0 });
      expect(listeners(fresh)).toEqual({ success: 1, failure: 1 });
      expect(value(await scrape(), `${COUNT}{name="payments"}`)).toBe(0); // the old breaker's undo left the new series alone
      await fresh.execute(() => 'ok');
      expect(value(await scrape(), `${COUNT}{name="payments"}`)).toBe(1);
      registry.remove('breaker', 'payments');
      expect(listeners(fresh)).toEqual({ success: 0, failure: 0 });
      expect(seriesOf(await scrape(), 'payments')).toEqual([]);
    });

    it('stay when another kind of that name is removed', async () => {
      const clock = new ManualClock(0);
      const registry = createRegistry({ clock, policies: { payments: { breaker: {}, bulkhead: { maxConcurrent: 1 } } } });
      const { register, scrape } = freshRegister();
      registerMetrics(registry, { register });
      await registry.breaker('payments').execute(() => 'ok');
      registry.remove('bulkhead', 'payments');
      const text = await scrape();
      expect(value(text, `${COUNT}{name="payments"}`)).toBe(1);
      expect(listeners(registry.breaker('payments'))).toEqual({ success: 1, failure: 1 });
      expect(samples(text, 'bulwark_bulkhead_active_calls')).toEqual([]);
    });
  });
});
