import { jest } from '@jest/globals';
import { createRegistry } from '@bulwark/core';
import type { PolicyRegistry, RegistryEntry, RegistryStateChangeEvent } from '@bulwark/core';
import { ManualClock, deferred, flushPromises } from '@bulwark/core/testing';
import { KeyedBreakers, isEvictable } from './keyed-breakers.js';

const options = { timeout: false, resetTimeout: 1_000 } as const;

describe('KeyedBreakers', () => {
  let clock: ManualClock;
  let registry: PolicyRegistry;
  let emitWarning: ReturnType<typeof jest.spyOn>;
  beforeEach(() => {
    clock = new ManualClock();
    registry = createRegistry({ clock });
    emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  });
  afterEach(() => {
    emitWarning.mockRestore();
    registry.dispose();
  });

  const breakerNames = () =>
    registry
      .all()
      .filter((e) => e.kind === 'breaker')
      .map((e) => e.name)
      .sort();

  it('evicts the least recently used key, takes its breaker out of the registry and shuts it down, and gives a returning key a new breaker', () => {
    const keyed = new KeyedBreakers(registry, 't', options, 2);
    const a = keyed.forKey('a');
    const b = keyed.forKey('b');
    expect(keyed.forKey('a')).toBe(a); // a is now the most recently used
    const c = keyed.forKey('c'); // evicts b
    expect(breakerNames()).toEqual(['t[a]', 't[c]']);
    expect(b.isShutdown).toBe(true);
    expect(keyed.keyCount).toBe(2);

    const b2 = keyed.forKey('b'); // back: a new, closed breaker, and a (least recent now) goes
    expect(b2).not.toBe(b);
    expect(b2.closed).toBe(true);
    expect(registry.get('breaker', 't[b]')).toBe(b2);
    expect(a.isShutdown).toBe(true);
    expect(c.closed).toBe(true);
    expect(breakerNames()).toEqual(['t[b]', 't[c]']);
    expect(emitWarning).not.toHaveBeenCalled();
  });

  it('reports each eviction through registry.onRemoved, and not as a state change of the name', () => {
    const removed: RegistryEntry[] = [];
    const changes: RegistryStateChangeEvent[] = [];
    registry.onRemoved((entry) => removed.push(entry));
    registry.onStateChange((event) => changes.push(event));
    const keyed = new KeyedBreakers(registry, 't', options, 1);
    const a = keyed.forKey('a');
    keyed.forKey('b');
    expect(removed).toEqual([{ kind: 'breaker', name: 't[a]', policy: a }]);
    expect(changes).toEqual([]);
  });

  it('keeps open breakers, so a failing key is not retried at once, and evicts them once they half-open', () => {
    const keyed = new KeyedBreakers(registry, 't', options, 2);
    const a = keyed.forKey('a');
    const b = keyed.forKey('b');
    a.open();
    keyed.forKey('c'); // a is the least recently used, but open: b goes
    expect(b.isShutdown).toBe(true);
    expect(keyed.forKey('a')).toBe(a);
    expect(a.opened).toBe(true);
    expect(clock.pendingTimers).toBe(1); // a's reset timer

    clock.advance(1_000); // a half-opens: its next request would be let through anyway
    expect(a.halfOpen).toBe(true);
    keyed.forKey('c'); // c is now the most recent, a the least
    keyed.forKey('d');
    expect(a.isShutdown).toBe(true);
    expect(breakerNames()).toEqual(['t[c]', 't[d]']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps breakers with a call in flight, and evicts them once it settles', async () => {
    const keyed = new KeyedBreakers(registry, 't', options, 2);
    const a = keyed.forKey('a');
    const b = keyed.forKey('b');
    const gate = deferred<string>();
    const call = a.execute(() => gate.promise);
    keyed.forKey('c'); // a is older, but busy: b goes
    expect([a.isShutdown, b.isShutdown]).toEqual([false, true]);

    gate.resolve('done');
    await expect(call).resolves.toBe('done');
    expect(a.metrics()).toMatchObject({ successes: 1, inFlight: 0 });
    keyed.forKey('d'); // a, now idle, is the least recently used
    expect(a.isShutdown).toBe(true);
    expect(breakerNames()).toEqual(['t[c]', 't[d]']);
  });

  it('keeps a disabled breaker (someone chose to disable it)', () => {
    const keyed = new KeyedBreakers(registry, 't', options, 2);
    const a = keyed.forKey('a');
    const b = keyed.forKey('b');
    a.disable();
    keyed.forKey('c');
    expect([a.isShutdown, b.isShutdown]).toEqual([false, true]);
  });

  it('sends new keys to the shared overflow breaker while none can be evicted, warning once, and gives them their own once one can', async () => {
    const keyed = new KeyedBreakers(registry, 't', options, 2);
    const a = keyed.forKey('a');
    const b = keyed.forKey('b');
    a.open();
    const gate = deferred<void>();
    const call = b.execute(() => gate.promise);

    const overflow = keyed.forKey('c');
    expect(overflow.name).toBe('t[(overflow)]');
    expect(keyed.forKey('d')).toBe(overflow);
    expect(keyed.keyCount).toBe(2);
    expect(breakerNames()).toEqual(['t[(overflow)]', 't[a]', 't[b]']);
    expect(emitWarning).toHaveBeenCalledTimes(1);
    expect(emitWarning).toHaveBeenCalledWith(
      'circuitBreaker "t": all maxKeys (2) keys have a breaker that cannot be evicted (open, busy or disabled); new keys share the breaker "t[(overflow)]" until one can',
      { code: 'BULWARK_BREAKER_KEYS' },
    );

    gate.resolve();
    await call;
    await flushPromises();
    const c = keyed.forKey('c'); // b is idle now: c gets a breaker of its own
    expect(c.name).toBe('t[c]');
    expect(b.isShutdown).toBe(true);
    expect(overflow.isShutdown).toBe(false); // the overflow breaker stays for the next time
    expect(emitWarning).toHaveBeenCalledTimes(1);
  });

  it('leaves no timer behind: an evicted breaker is shut down, its health check included', () => {
    const keyed = new KeyedBreakers(registry, 't', options, 1);
    const a = keyed.forKey('a');
    a.healthCheck(() => Promise.resolve(), 5_000);
    expect(clock.pendingTimers).toBe(1);
    keyed.forKey('b');
    expect(a.isShutdown).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('forgets a breaker of its own that someone else removed from the registry, the overflow breaker included', () => {
    const keyed = new KeyedBreakers(registry, 't', options, 1);
    const a = keyed.forKey('a');
    a.open();
    const overflow = keyed.forKey('b');
    expect(registry.remove('breaker', 't[a]')?.policy).toBe(a);
    a.shutdown();
    registry.remove('breaker', 't[(overflow)]');
    expect(keyed.keyCount).toBe(0);
    const a2 = keyed.forKey('a');
    expect(a2).not.toBe(a);
    expect(a2.closed).toBe(true);
    a2.open();
    const overflow2 = keyed.forKey('b');
    expect(overflow2).not.toBe(overflow);
    expect(registry.get('breaker', 't[(overflow)]')).toBe(overflow2);
    expect(clock.pendingTimers).toBe(1); // a2's reset timer (a's went with its shutdown)
  });

  it('ignores removals of breakers that are not its own', () => {
    const keyed = new KeyedBreakers(registry, 't', options, 2);
    const a = keyed.forKey('a');
    registry.breaker('other[a]', options);
    registry.remove('breaker', 'other[a]');
    registry.bulkhead('t[a]', { maxConcurrent: 1 });
    registry.remove('bulkhead', 't[a]');
    expect(keyed.forKey('a')).toBe(a);
    expect(keyed.keyCount).toBe(1);
  });
});

describe('isEvictable', () => {
  it('holds for an enabled breaker that is closed or half-open with no call in flight', async () => {
    const clock = new ManualClock();
    const registry = createRegistry({ clock });
    const breaker = registry.breaker('b', options);
    expect(isEvictable(breaker)).toBe(true);
    const gate = deferred<void>();
    const call = breaker.execute(() => gate.promise);
    expect(isEvictable(breaker)).toBe(false);
    gate.resolve();
    await call;
    breaker.open();
    expect(isEvictable(breaker)).toBe(false);
    clock.advance(1_000);
    expect(breaker.halfOpen).toBe(true);
    expect(isEvictable(breaker)).toBe(true);
    breaker.isolate();
    expect(isEvictable(breaker)).toBe(false);
    const disabled = registry.breaker('d', options);
    disabled.disable();
    expect(isEvictable(disabled)).toBe(false);
    registry.dispose();
    expect(isEvictable(breaker)).toBe(false); // shut down
  });
});
