import { constantBackoff, createRegistry, isCircuitOpenError } from '@bulwark/core';
import type { PolicyRegistry } from '@bulwark/core';
import { ManualClock, flushPromises } from '@bulwark/core/testing';
import { until } from '../test/support/drive.js';
import { FakeFetch } from '../test/support/fake-fetch.js';
import { createFetch } from './create-fetch.js';
import type { CreateFetchOptions } from './create-fetch-options.js';
import { isOriginLimitError } from './origin-limit-error.js';

const T0 = 1_000_000;
const A = 'fetch:https://a.example';
const B = 'fetch:https://b.example';
const C = 'fetch:https://c.example';
const D = 'fetch:https://d.example';

function setup(options: CreateFetchOptions = {}) {
  const clock = new ManualClock(T0);
  const registry = createRegistry({ clock });
  const fake = new FakeFetch(clock);
  const api = createFetch({ fetch: fake.fetch, clock, registry, retry: { backoff: constantBackoff(100) }, ...options });
  return { clock, fake, api, registry };
}

const names = (registry: PolicyRegistry) => registry.all().map(({ kind, name }) => `${kind}:${name}`);
const breakerOf = (registry: PolicyRegistry, name: string) => {
  const breaker = registry.get('breaker', name);
  if (breaker === undefined) throw new Error(`no breaker ${name}`);
  return breaker;
};

describe('createFetch: maxOrigins evicts the least recently used idle origin', () => {
  it('evicts the least recently used origin, takes its breaker out of the registry and shuts it down, and gives a returning origin a new one', async () => {
    const { api, registry } = setup({ maxOrigins: 2 });
    await api('https://a.example/');
    await api('https://b.example/');
    await api('https://a.example/'); // a is now the most recently used
    const b = breakerOf(registry, B);
    await api('https://c.example/'); // evicts b
    expect(names(registry)).toEqual([`breaker:${A}`, `breaker:${C}`]);
    expect(b.isShutdown).toBe(true);

    await api('https://b.example/'); // back: a new, closed breaker, and a (least recent now) goes
    const b2 = breakerOf(registry, B);
    expect(b2).not.toBe(b);
    expect(b2.metrics()).toMatchObject({ state: 'closed', fires: 1, successes: 1 });
    expect(names(registry)).toEqual([`breaker:${C}`, `breaker:${B}`]);
  });

  it('keeps an origin whose breaker is open, so it is not retried at once, and evicts it once the breaker half-opens', async () => {
    const { clock, api, registry } = setup({ maxOrigins: 2, retry: false, breaker: { resetTimeout: 5_000 } });
    await api('https://a.example/');
    await api('https://b.example/');
    breakerOf(registry, A).open();
    await api('https://c.example/'); // a is the least recently used, but open: b goes
    expect(names(registry)).toEqual([`breaker:${A}`, `breaker:${C}`]);
    const refused: unknown = await api('https://a.example/').catch((e: unknown) => e);
    expect(isCircuitOpenError(refused)).toBe(true); // still failing fast
    await api('https://c.example/'); // a is the least recently used again
    expect(clock.pendingTimers).toBe(1); // a's reset timer

    await clock.advanceAsync(5_000);
    expect(breakerOf(registry, A).halfOpen).toBe(true); // its next request would be a trial anyway
    const a = breakerOf(registry, A);
    await api('https://d.example/');
    expect(a.isShutdown).toBe(true);
    expect(names(registry)).toEqual([`breaker:${C}`, `breaker:${D}`]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps an origin with a call in progress, even in a retry wait, when its breaker has no call in flight', async () => {
    const { clock, fake, api, registry } = setup({ maxOrigins: 2 });
    fake.respond(503); // a's first attempt fails: its call waits 100 ms to retry
    const first = api('https://a.example/');
    await until(() => fake.calls.length === 1 && clock.pendingTimers === 1);
    expect(breakerOf(registry, A).metrics().inFlight).toBe(0);
    await api('https://b.example/');
    await api('https://c.example/'); // a is older, but busy: b goes
    expect(names(registry)).toEqual([`breaker:${A}`, `breaker:${C}`]);

    await clock.advanceAsync(100);
    await expect(first).resolves.toMatchObject({ status: 200 }); // its retry went through a's own breaker
    expect(breakerOf(registry, A).metrics()).toMatchObject({ state: 'closed', failures: 1, successes: 1 });
    await api('https://d.example/'); // a is idle now, and the least recently used
    expect(names(registry)).toEqual([`breaker:${C}`, `breaker:${D}`]);
  });

  it('keeps an origin whose bulkhead is busy, and evicts it, bulkhead and all, once it is idle', async () => {
    const { fake, api, registry } = setup({ maxOrigins: 2, breaker: false, bulkhead: { maxConcurrent: 1 } });
    fake.hang();
    const controller = new AbortController();
    const first = api('https://a.example/', { signal: controller.signal }).catch((e: unknown) => e);
    await until(() => fake.calls.length === 1);
    await api('https://b.example/');
    await api('https://c.example/'); // a is older, but its bulkhead has a call running: b goes
    expect(names(registry)).toEqual([`bulkhead:${A}`, `bulkhead:${C}`]);

    controller.abort();
    await first;
    await flushPromises(); // the policies give the slot back as their promises unwind
    await api('https://d.example/');
    expect(names(registry)).toEqual([`bulkhead:${C}`, `bulkhead:${D}`]);
  });

  it('refuses a new origin with an OriginLimitError, unsent, while no origin can be evicted, and keeps serving the others', async () => {
    const { fake, api, registry } = setup({ maxOrigins: 2 });
    fake.hang();
    const controller = new AbortController();
    const first = api('https://a.example/', { signal: controller.signal }).catch((e: unknown) => e);
    await until(() => fake.calls.length === 1);
    await api('https://b.example/');
    breakerOf(registry, B).open();

    const refused: unknown = await api('https://c.example/').catch((e: unknown) => e);
    expect(isOriginLimitError(refused)).toBe(true);
    expect(refused).toMatchObject({ origin: 'https://c.example', maxOrigins: 2, message: expect.stringContaining('options.maxOrigins (2) reached and no origin can be evicted') });
    expect(fake.calls).toHaveLength(2);
    expect(names(registry)).toEqual([`breaker:${A}`, `breaker:${B}`]);

    controller.abort();
    await first;
    await flushPromises();
    await expect(api('https://c.example/')).resolves.toMatchObject({ status: 200 }); // a is idle now: it goes
    expect(names(registry)).toEqual([`breaker:${B}`, `breaker:${C}`]);
  });

  it('leaves no timer behind: it removes both instances, reports them through onRemoved, and shuts the breaker down', async () => {
    const { clock, api, registry } = setup({ maxOrigins: 1, bulkhead: { maxConcurrent: 2 } });
    const removed: string[] = [];
    registry.onRemoved(({ kind, name }) => removed.push(`${kind}:${name}`));
    await api('https://a.example/');
    breakerOf(registry, A).healthCheck(() => Promise.resolve(), 5_000);
    expect(clock.pendingTimers).toBe(1);
    await api('https://b.example/');
    expect(removed).toEqual([`bulkhead:${A}`, `breaker:${A}`]);
    expect(names(registry)).toEqual([`breaker:${B}`, `bulkhead:${B}`]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('only lets go of instances the registry had already (configured for the origin): they stay there, with their state', async () => {
    const clock = new ManualClock(T0);
    const registry = createRegistry({ clock, policies: { [A]: { breaker: { resetTimeout: 1_000 } } } });
    const api = createFetch({ fetch: new FakeFetch().fetch, clock, registry, maxOrigins: 1 });
    const configured = breakerOf(registry, A);
    await api('https://a.example/');
    await api('https://b.example/'); // a is let go
    expect(names(registry)).toEqual([`breaker:${A}`, `breaker:${B}`]);
    expect(configured.isShutdown).toBe(false);
    await api('https://a.example/'); // b (ours) is evicted; a's configured breaker is taken again
    expect(breakerOf(registry, A)).toBe(configured);
    expect(configured.metrics().fires).toBe(2);
    expect(names(registry)).toEqual([`breaker:${A}`]);
  });

  it('shares origins safely between two fetches on one registry: neither evicts an origin the other is using, and each takes new instances after an eviction', async () => {
    const { clock, fake, registry, api: first } = setup({ maxOrigins: 1 });
    const second = createFetch({ fetch: fake.fetch, clock, registry, retry: { backoff: constantBackoff(100) } });
    await first('https://a.example/'); // creates a's breaker
    await second('https://a.example/'); // and shares it
    const shared = breakerOf(registry, A);
    expect(shared.metrics().fires).toBe(2);

    fake.respond(503);
    const waiting = second('https://a.example/'); // waits to retry, with no call in a's breaker
    await until(() => clock.pendingTimers === 1);
    const refused: unknown = await first('https://b.example/').catch((e: unknown) => e);
    expect(isOriginLimitError(refused)).toBe(true);
    await clock.advanceAsync(100);
    await expect(waiting).resolves.toMatchObject({ status: 200 });

    await first('https://b.example/'); // a is idle: first evicts it and shuts its breaker down
    expect(shared.isShutdown).toBe(true);
    await expect(second('https://a.example/')).resolves.toMatchObject({ status: 200 }); // not ESHUTDOWN
    const renewed = breakerOf(registry, A);
    expect(renewed).not.toBe(shared);
    expect(renewed.metrics().fires).toBe(1);
  });

  it('takes new instances for an origin whose breaker the application removed, keeping what is still its own', async () => {
    const { api, registry } = setup({ maxOrigins: 1, bulkhead: { maxConcurrent: 2 } });
    await api('https://a.example/');
    const old = breakerOf(registry, A);
    const bulkhead = registry.get('bulkhead', A);
    registry.remove('breaker', A);
    old.shutdown();
    await expect(api('https://a.example/')).resolves.toMatchObject({ status: 200 });
    expect(breakerOf(registry, A)).not.toBe(old);
    expect(registry.get('bulkhead', A)).toBe(bulkhead);
    await api('https://b.example/'); // a is evicted, the bulkhead it kept included
    expect(names(registry)).toEqual([`breaker:${B}`, `bulkhead:${B}`]);

    registry.dispose(); // a known origin then rejects with the registry's error, not a shut-down breaker's
    await expect(api('https://b.example/')).rejects.toThrow('registry: it has been disposed');
  });

  it('keeps an origin whose breaker was disabled (someone chose to), and drops one whose breaker someone removed and shut down', async () => {
    const { api, registry } = setup({ maxOrigins: 2 });
    await api('https://a.example/');
    await api('https://b.example/');
    breakerOf(registry, A).disable();
    await api('https://c.example/'); // a is older, but disabled: b goes
    expect(names(registry)).toEqual([`breaker:${A}`, `breaker:${C}`]);

    const c = breakerOf(registry, C);
    registry.remove('breaker', C);
    c.shutdown();
    breakerOf(registry, A).open();
    await expect(api('https://d.example/')).resolves.toMatchObject({ status: 200 }); // c's entry held nothing left to keep
    expect(names(registry)).toEqual([`breaker:${A}`, `breaker:${D}`]);
  });

  it('does not apply without per-origin policies, nor to data: URLs', async () => {
    const { api } = setup({ maxOrigins: 1, breaker: false });
    await api('https://a.example/');
    await expect(api('https://b.example/')).resolves.toMatchObject({ status: 200 });
    const bounded = setup({ maxOrigins: 1 });
    await bounded.api('https://a.example/');
    await expect(bounded.api('data:text/plain,hello')).resolves.toMatchObject({ status: 200 });
    await flushPromises();
    expect(names(bounded.registry)).toEqual([`breaker:${A}`]);
  });
});
