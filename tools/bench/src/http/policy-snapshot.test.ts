import { createRegistry } from '@bulwark/core';
import { httpCase } from './http-cases.js';
import type { PolicySnapshot } from './policy-snapshot.js';
import { checkPolicies, snapshotPolicies } from './policy-snapshot.js';

describe('snapshotPolicies', () => {
  it('reports every instance with its description, bulkhead counts and breaker state', async () => {
    const registry = createRegistry();
    try {
      const pool = registry.bulkhead('GET /', { maxConcurrent: 1, maxQueued: 0 });
      const breaker = registry.breaker('GET /', { timeout: false });
      registry.retry('other', { maxAttempts: 2 });
      await pool.execute(() => breaker.execute(async () => 'hello'));
      // The one slot is taken, so a second call is refused.
      let release = (): void => undefined;
      const held = pool.execute(() => new Promise<void>((resolve) => (release = resolve)));
      await expect(pool.execute(async () => 1)).rejects.toThrow();
      release();
      await held;

      expect(snapshotPolicies(registry)).toEqual([
        { kind: 'bulkhead', name: 'GET /', description: pool.describe(), accepted: 2, rejected: 1 },
        { kind: 'breaker', name: 'GET /', description: breaker.describe(), closed: true },
        { kind: 'retry', name: 'other', description: expect.stringContaining('retry') },
      ]);
    } finally {
      registry.dispose();
    }
  });

  it('is empty for an empty registry', () => {
    expect(snapshotPolicies(createRegistry())).toEqual([]);
  });
});

describe('checkPolicies', () => {
  const spec = httpCase('express-bulwark');
  const before: PolicySnapshot[] = [
    { kind: 'bulkhead', name: 'r', description: 'b', accepted: 100, rejected: 0 },
    { kind: 'breaker', name: 'r', description: 'c', closed: true },
  ];
  const after = (bulkhead: Partial<PolicySnapshot> = {}, breaker: Partial<PolicySnapshot> = {}): PolicySnapshot[] => [
    { ...before[0], accepted: 1_100, ...bulkhead },
    { ...before[1], ...breaker },
  ];

  it('passes when the bulkhead admitted every answered request, refused none, and the breaker is closed', () => {
    expect(() => checkPolicies(spec, before, after(), 1_000)).not.toThrow();
    // Requests in flight when autocannon stopped were admitted but never answered.
    expect(() => checkPolicies(spec, before, after(), 990)).not.toThrow();
  });

  it('counts from zero for a bulkhead created after the first snapshot', () => {
    expect(() => checkPolicies(spec, [], after(), 1_100)).not.toThrow();
    expect(() => checkPolicies(spec, [], after(), 1_101)).toThrow('admitted 1100 requests during the run, fewer than the 1101 answered');
  });

  it('fails when fewer requests went through the bulkhead than were answered', () => {
    expect(() => checkPolicies(spec, before, after(), 1_001)).toThrow(
      "Express + bulkhead + circuitBreaker: the server's registry: bulkhead 'r' admitted 1000 requests during the run, fewer than the 1001 answered",
    );
  });

  it('fails when the bulkhead refused a request or the breaker is not closed', () => {
    expect(() => checkPolicies(spec, before, after({ rejected: 2 }), 1_000)).toThrow("bulkhead 'r' refused 2 requests");
    expect(() => checkPolicies(spec, before, after({}, { closed: false }), 1_000)).toThrow("breaker 'r' is not closed");
  });

  it('fails when the registry holds other kinds than the case names', () => {
    expect(() => checkPolicies(spec, before, [after()[0]], 1_000)).toThrow('holds [bulkhead], expected [breaker, bulkhead]');
    expect(() => checkPolicies(httpCase('nest'), [], after(), 0)).toThrow("Nest: the server's registry holds [breaker, bulkhead], expected []");
    expect(() => checkPolicies(httpCase('nest'), [], [], 5_000)).not.toThrow();
  });
});
