import { createRegistry } from '@bulwark/core';
import type { PolicyRegistry } from '@bulwark/core';
import { ManualClock } from '@bulwark/core/testing';
import express from 'express';
import type { Request } from 'express';
import { appErrorHandler, closeServers, listen } from '../test/http.js';
import { bulkhead } from './bulkhead.js';
import { MAX_DERIVED_NAMES, family, lookup, policySource, sameOptions, validateWith } from './policy-source.js';

afterEach(closeServers);

const request = (path: string) => ({ baseUrl: '', method: 'GET', route: { path } }) as unknown as Request;

describe('policySource', () => {
  let registry: PolicyRegistry;
  beforeEach(() => (registry = createRegistry()));
  afterEach(() => registry.dispose());

  it('creates a named policy at once, and a derived one for the first request only', () => {
    const named = policySource({ where: 'bulkhead', kind: 'bulkhead', registry, name: 'now', create: (r, n) => r.bulkhead(n, { maxConcurrent: 1 }) });
    expect(registry.get('bulkhead', 'now')).toBeDefined();
    expect(named(request('/ignored'))).toBe(registry.get('bulkhead', 'now'));

    const derived = policySource({ where: 'bulkhead', kind: 'bulkhead', registry, name: undefined, create: (r, n) => r.bulkhead(n, { maxConcurrent: 1 }) });
    expect(registry.all()).toHaveLength(1);
    const first = derived(request('/a'));
    expect(derived(request('/b'))).toBe(first);
    expect(registry.all().map((e) => e.name)).toEqual(['now', 'express:GET /a']);
  });

  it(`stops deriving names after ${MAX_DERIVED_NAMES} in one registry, with an error that says why`, () => {
    const create = (r: PolicyRegistry, n: string) => r.bulkhead(n, { maxConcurrent: 1 });
    for (let i = 0; i < MAX_DERIVED_NAMES; i++) policySource({ where: 'bulkhead', kind: 'bulkhead', registry, name: undefined, create })(request('/per-request'));
    const extra = policySource({ where: 'bulkhead', kind: 'bulkhead', registry, name: undefined, create });
    expect(() => extra(request('/per-request'))).toThrow(
      new RangeError(`bulkhead: ${MAX_DERIVED_NAMES} policy names were derived from routes in this registry already; create each middleware once (not per request), or give it options.name`),
    );
    expect(registry.get('bulkhead', `express:GET /per-request#${MAX_DERIVED_NAMES}`)).toBeDefined();
    const other = createRegistry(); // the bound is per registry
    expect(() => policySource({ where: 'bulkhead', kind: 'bulkhead', registry: other, name: undefined, create })(request('/x'))).not.toThrow();
    other.dispose();
  });

  it('passes the failure to create a derived policy to the app’s error handler', async () => {
    const app = express();
    app.get('/x', bulkhead({ maxConcurrent: 1, registry }), (_req, res) => void res.send('x'));
    const seen: unknown[] = [];
    app.use(appErrorHandler(seen));
    const url = await listen(app);
    registry.dispose();
    expect(await (await fetch(`${url}/x`)).text()).toBe('app: registry: it has been disposed');
  });

  it('puts the middleware’s name on errors of a named policy', () => {
    expect(() => policySource({ where: 'timeout', kind: 'timeout', registry, name: 'x', create: (r, n) => r.timeout(n, { timeoutMs: -1 }) })).toThrow(
      new RangeError('timeout: options.timeoutMs must be a positive finite number, got -1'),
    );
  });
});

describe('lookup', () => {
  it('returns the instance of a name, creates a configured one, and explains a name it cannot make', () => {
    const registry = createRegistry({ policies: { api: { bulkhead: { maxConcurrent: 2 } } } });
    const made = registry.timeout('made', { timeoutMs: 5 });
    expect(lookup(registry, 'timeout', 'made')).toBe(made);
    expect(lookup(registry, 'bulkhead', 'api').maxConcurrent).toBe(2);
    let error: unknown;
    try {
      lookup(registry, 'timeout', 'none');
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(
      'registry has no timeout named "none", and none can be made from its configuration (policies.none.timeout.timeoutMs must be a positive finite number, got undefined)',
    );
    expect((error as Error).cause).toMatchObject({ message: 'policies.none.timeout.timeoutMs must be a positive finite number, got undefined' });
    registry.dispose();
  });
});

describe('validateWith', () => {
  it('builds in a throwaway registry, leaving the real one alone, and rewords the error for the middleware', () => {
    const registry = createRegistry();
    let scratch: PolicyRegistry | undefined;
    validateWith('bulkhead', (r) => {
      scratch = r;
      return r.bulkhead('options', { maxConcurrent: 1 });
    });
    expect(scratch).not.toBe(registry);
    expect(() => scratch?.bulkhead('again', { maxConcurrent: 1 })).toThrow('registry: it has been disposed');
    expect(() => validateWith('bulkhead', (r) => r.bulkhead('options', { maxConcurrent: 0 }))).toThrow(
      new RangeError('bulkhead: options.maxConcurrent must be a positive integer, got 0'),
    );
    registry.dispose();
  });
});

describe('family', () => {
  it('builds once per registry, kind and name; returns it again for equal options and refuses other options', () => {
    const registry = createRegistry();
    let builds = 0;
    const build = () => ({ id: ++builds });
    const a = family(registry, 'breaker', 'f', { size: 1, keys: ['x'] }, build);
    expect(family(registry, 'breaker', 'f', { size: 1, keys: ['x'] }, build)).toBe(a);
    expect(family(registry, 'rateLimiter', 'f', { size: 1 }, build)).not.toBe(a);
    expect(family(createRegistry(), 'breaker', 'f', { size: 2 }, build)).not.toBe(a);
    expect(() => family(registry, 'breaker', 'f', { size: 2 }, build)).toThrow(
      new TypeError('registry: a breaker named "f" exists already with other options; ask for it with the same options, or use another name'),
    );
    expect(builds).toBe(3);
  });
});

describe('sameOptions', () => {
  it('compares plain objects and arrays by content, ignoring undefined fields, and everything else by identity', () => {
    const fn = () => 1;
    const clock = new ManualClock();
    expect(sameOptions({ a: 1, b: [1, { c: 'x' }], f: fn, clock }, { b: [1, { c: 'x' }], a: 1, f: fn, clock, d: undefined })).toBe(true);
    expect(sameOptions({ f: fn }, { f: () => 1 })).toBe(false);
    expect(sameOptions({ clock }, { clock: new ManualClock() })).toBe(false);
    expect(sameOptions({ d: new Date(0) }, { d: new Date(0) })).toBe(false);
    expect(sameOptions([1, 2], { 0: 1, 1: 2 })).toBe(false);
    expect(sameOptions({ a: 1 }, { a: 2 })).toBe(false);
    expect(sameOptions({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameOptions(null, {})).toBe(false);
    expect(sameOptions(NaN, NaN)).toBe(true);
  });
});
