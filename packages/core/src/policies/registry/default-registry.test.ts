import { defaultRegistry, resetDefaultRegistry } from './default-registry.js';
import { createRegistry, PolicyRegistry } from './registry.js';

describe('defaultRegistry', () => {
  afterEach(() => resetDefaultRegistry());

  it('is one registry for the whole process, kept under a registered symbol', () => {
    const registry = defaultRegistry();
    expect(registry).toBeInstanceOf(PolicyRegistry);
    expect(defaultRegistry()).toBe(registry);
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('@bulwark/core.defaultRegistry')]).toBe(registry);
    const b = registry.bulkhead('uploads', { maxConcurrent: 2 });
    expect(defaultRegistry().bulkhead('uploads')).toBe(b);
  });

  it('can be replaced for tests, returning the old one', () => {
    const old = defaultRegistry();
    const mine = createRegistry({ policies: { a: { retry: {} } } });
    expect(resetDefaultRegistry(mine)).toBe(old);
    expect(defaultRegistry()).toBe(mine);
    const previous = resetDefaultRegistry();
    expect(previous).toBe(mine);
    expect(defaultRegistry().all()).toEqual([]);
  });
});
