import { jest } from '@jest/globals';
import { CircuitBreaker, createRegistry, wrap } from '@bulwark/core';
import type { PolicyRegistry } from '@bulwark/core';
import { ManualClock, deferred, flushPromises } from '@bulwark/core/testing';
import express from 'express';
import type { RequestHandler } from 'express';
import { abortableFetch, appErrorHandler, closeServers, listen, until } from '../test/http.js';
import { circuitBreaker } from './circuit-breaker.js';

afterEach(closeServers);

/** A handler that answers with the status in `?status` (default 200), counting its calls. */
function statusHandler() {
  const calls = { count: 0 };
  const handler: RequestHandler = (req, res) => {
    calls.count++;
    res.status(Number(req.query.status ?? 200)).json({ ok: true });
  };
  return { handler, calls };
}

describe('circuitBreaker()', () => {
  let clock: ManualClock;
  let registry: PolicyRegistry;
  beforeEach(() => {
    clock = new ManualClock();
    registry = createRegistry({ clock });
  });
  afterEach(() => registry.dispose());

  const options = { slidingWindow: { kind: 'consecutive', failures: 2 }, resetTimeout: 10_000 } as const;

  it('opens after failing responses, then answers 503 with Retry-After without calling the handler, and closes after a good trial', async () => {
    const { handler, calls } = statusHandler();
    const app = express();
    app.get('/quotes', circuitBreaker({ ...options, name: 'quotes', registry }), handler);
    const url = await listen(app);
    const breaker = registry.breaker('quotes');

    expect((await fetch(`${url}/quotes`)).status).toBe(200);
    expect((await fetch(`${url}/quotes?status=500`)).status).toBe(500);
    expect((await fetch(`${url}/quotes?status=503`)).status).toBe(503);
    await until(() => breaker.opened);

    const refused = await fetch(`${url}/quotes`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('10');
    expect(await refused.json()).toEqual({ error: { code: 'EOPENBREAKER', message: 'Breaker is open', retryAfterMs: 10_000 } });
    expect(calls.count).toBe(3);

    clock.advance(4_000);
    expect((await fetch(`${url}/quotes`)).headers.get('retry-after')).toBe('6');
    clock.advance(6_000); // half-open: one trial goes through
    expect((await fetch(`${url}/quotes`)).status).toBe(200);
    await until(() => breaker.closed);
    expect(calls.count).toBe(4);
    expect(breaker.metrics()).toMatchObject({ successes: 2, failures: 2, rejects: 2 });
  });

  it('counts next(err) and rejected async handlers through the 500 they produce, and a 4xx error as a success', async () => {
    const app = express();
    const mw = circuitBreaker({ name: 'api', registry, slidingWindow: { kind: 'consecutive', failures: 10 } });
    app.get('/next', mw, (_req, _res, next) => next(new Error('down')));
    app.get('/async', mw, async () => {
      throw new Error('async down');
    });
    const seen: unknown[] = [];
    app.use(appErrorHandler(seen));
    const url = await listen(app);

    expect((await fetch(`${url}/next`)).status).toBe(500);
    expect(await (await fetch(`${url}/async`)).text()).toBe('app: async down');
    await until(() => registry.breaker('api').metrics().failures === 2);

    const plain = express(); // Express's own final handler answers the 404 error with 404
    plain.get('/missing', circuitBreaker({ name: 'plain', registry }), (_req, _res, next) => next(Object.assign(new Error('gone'), { status: 404 })));
    const plainUrl = await listen(plain);
    expect((await fetch(`${plainUrl}/missing`)).status).toBe(404);
    await until(() => registry.breaker('plain').metrics().successes === 1);
    expect(registry.breaker('plain').metrics().failures).toBe(0);
  });

  it('judges responses with isFailure(res) when given', async () => {
    const { handler } = statusHandler();
    const app = express();
    const isFailure = (res: express.Response) => res.statusCode === 429 || res.statusCode >= 500;
    app.get('/x', circuitBreaker({ name: 'x', registry, isFailure, slidingWindow: { kind: 'consecutive', failures: 5 } }), handler);
    const url = await listen(app);
    await fetch(`${url}/x?status=429`);
    await fetch(`${url}/x?status=404`);
    await until(() => registry.breaker('x').metrics().fires === 2);
    await flushPromises();
    expect(registry.breaker('x').metrics()).toMatchObject({ failures: 1, successes: 1 });
  });

  it('counts a failing isFailure as a failure of the call', async () => {
    const { handler } = statusHandler();
    const app = express();
    const isFailure = () => {
      throw new Error('bad predicate');
    };
    app.get('/x', circuitBreaker({ name: 'x', registry, isFailure }), handler);
    const url = await listen(app);
    expect((await fetch(`${url}/x`)).status).toBe(200);
    await until(() => registry.breaker('x').metrics().failures === 1);
  });

  it('counts a client abort as neither success nor failure', async () => {
    const gate = deferred<void>();
    let closed = 0;
    const app = express();
    app.get('/slow', circuitBreaker({ name: 'slow', registry }), async (_req, res) => {
      res.on('close', () => closed++);
      await gate.promise;
      res.end('late');
    });
    const url = await listen(app);
    const breaker = registry.breaker('slow');
    const request = abortableFetch(`${url}/slow`);
    await until(() => breaker.metrics().inFlight === 1);
    request.abort();
    await request.settled;
    await until(() => closed === 1 && breaker.metrics().inFlight === 0);
    gate.resolve();
    await flushPromises();
    expect(breaker.metrics()).toMatchObject({ fires: 1, successes: 0, failures: 0 });
  });

  it('takes a permit of a core breaker without a timeout, runs one with a timeout through executeAbortable, gives any other policy the signal; a client abort counts as neither', async () => {
    const gate = deferred<void>();
    let arrived = 0;
    const app = express();
    const inner = registry.breaker('inner', { timeout: false });
    const instance = new CircuitBreaker(() => undefined, { clock, timeout: false });
    const timed = new CircuitBreaker(() => undefined, { clock, timeout: 60_000 });
    const acquire = jest.spyOn(instance, 'acquirePermit');
    const abortable = jest.spyOn(timed, 'executeAbortable');
    const hold: RequestHandler = async (_req, res) => {
      arrived++;
      await gate.promise;
      res.end('late');
    };
    app.get('/core', circuitBreaker(instance), hold);
    app.get('/timed', circuitBreaker(timed), hold);
    app.get('/wrapped', circuitBreaker(wrap(inner)), hold); // a policy without acquirePermit nor executeAbortable
    const url = await listen(app);
    for (const [path, breaker] of [
      ['/core', instance],
      ['/timed', timed],
      ['/wrapped', inner],
    ] as const) {
      const request = abortableFetch(`${url}${path}`);
      await until(() => breaker.metrics().inFlight === 1);
      request.abort();
      await request.settled;
      await until(() => breaker.metrics().inFlight === 0);
      expect(breaker.metrics()).toMatchObject({ fires: 1, successes: 0, failures: 0 });
    }
    expect(arrived).toBe(3);
    expect(acquire).toHaveBeenCalledTimes(1);
    expect(abortable).toHaveBeenCalledTimes(1);
    gate.resolve();
    instance.shutdown();
    timed.shutdown();
  });


  it('lets a request whose client went away before it ran pass by, uncounted', async () => {
    const { handler, calls } = statusHandler();
    const gate = deferred<void>();
    const seen = { arrived: false, closed: false, passed: false };
    const slow: RequestHandler = async (_req, res, next) => {
      seen.arrived = true;
      res.on('close', () => (seen.closed = true));
      await gate.promise;
      next();
      seen.passed = true;
    };
    const app = express();
    app.get('/x', slow, circuitBreaker({ name: 'x', registry }), handler);
    const url = await listen(app);
    const request = abortableFetch(`${url}/x`);
    await until(() => seen.arrived);
    request.abort();
    await request.settled;
    await until(() => seen.closed);
    gate.resolve();
    await until(() => seen.passed);
    expect(calls.count).toBe(0);
    expect(registry.breaker('x').metrics()).toMatchObject({ fires: 0, inFlight: 0 });
  });

  it('keeps one breaker per key with keyFor, named <name>[key]', async () => {
    const { handler, calls } = statusHandler();
    const app = express();
    app.get('/t/:tenant', circuitBreaker({ ...options, registry, keyFor: (req) => String(req.params.tenant) }), handler);
    const url = await listen(app);
    await fetch(`${url}/t/a?status=500`);
    await fetch(`${url}/t/a?status=500`);
    const a = registry.get('breaker', 'express:GET /t/:tenant[a]');
    await until(() => a?.opened === true);
    expect((await fetch(`${url}/t/a`)).status).toBe(503);
    expect((await fetch(`${url}/t/b`)).status).toBe(200);
    expect(calls.count).toBe(3);
    expect(registry.get('breaker', 'express:GET /t/:tenant[b]')?.closed).toBe(true);
  });

  it('past maxKeys, evicts the least recently used key whose breaker is closed, keeping open ones, and falls back to a shared overflow breaker', async () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const { handler, calls } = statusHandler();
      const app = express();
      app.get('/t/:tenant', circuitBreaker({ ...options, name: 'tenants', registry, keyFor: (req) => String(req.params.tenant), maxKeys: 2 }), handler);
      const url = await listen(app);
      const breakerNames = () =>
        registry
          .all()
          .filter((e) => e.kind === 'breaker')
          .map((e) => e.name);

      expect((await fetch(`${url}/t/a?status=500`)).status).toBe(500);
      expect((await fetch(`${url}/t/a?status=500`)).status).toBe(500);
      const a = registry.breaker('tenants[a]');
      await until(() => a.opened);
      expect((await fetch(`${url}/t/b`)).status).toBe(200);
      const b = registry.breaker('tenants[b]');
      await until(() => b.metrics().inFlight === 0);
      expect((await fetch(`${url}/t/c`)).status).toBe(200); // a is older, but open: b goes
      expect(breakerNames()).toEqual(['tenants[a]', 'tenants[c]']);
      expect(b.isShutdown).toBe(true);
      expect((await fetch(`${url}/t/a`)).status).toBe(503); // still failing fast
      expect(clock.pendingTimers).toBe(1); // a's reset timer; nothing of b's

      registry.breaker('tenants[c]').open();
      expect((await fetch(`${url}/t/d`)).status).toBe(200); // a and c open: d shares the overflow breaker
      expect(breakerNames()).toEqual(['tenants[a]', 'tenants[c]', 'tenants[(overflow)]']);
      await until(() => registry.breaker('tenants[(overflow)]').metrics().successes === 1);
      expect(emitWarning).toHaveBeenCalledTimes(1);
      expect(emitWarning).toHaveBeenCalledWith(expect.stringMatching(/all maxKeys \(2\) keys have a breaker that cannot be evicted/), { code: 'BULWARK_BREAKER_KEYS' });
      expect(calls.count).toBe(5);
    } finally {
      emitWarning.mockRestore();
    }
  });

  it('passes an error of keyFor, or a key that is not a string, to the app’s error handler', async () => {
    const { handler, calls } = statusHandler();
    const app = express();
    app.get('/throws', circuitBreaker({ registry, keyFor: () => { throw new Error('no key'); } }), handler);
    app.get('/undefined', circuitBreaker({ registry, keyFor: (() => undefined) as never }), handler);
    app.get('/number', circuitBreaker({ registry, keyFor: (() => 7) as never }), handler);
    const seen: unknown[] = [];
    app.use(appErrorHandler(seen));
    const url = await listen(app);
    expect(await (await fetch(`${url}/throws`)).text()).toBe('app: no key');
    expect(await (await fetch(`${url}/undefined`)).text()).toBe('app: circuitBreaker: options.keyFor(req) must return a string, got undefined');
    expect((await fetch(`${url}/number`)).status).toBe(200);
    expect(registry.get('breaker', 'express:GET /number[7]')).toBeDefined();
    expect(calls.count).toBe(1);
  });

  it('takes a CircuitBreaker instance, or a registry name', async () => {
    const { handler, calls } = statusHandler();
    const configured = createRegistry({ clock, policies: { partner: { breaker: { resetTimeout: 5_000 } } } });
    const instance = new CircuitBreaker(() => undefined, { clock, timeout: false, resetTimeout: 2_000 });
    const app = express();
    app.get('/instance', circuitBreaker(instance), handler);
    app.get('/named', circuitBreaker('partner', { registry: configured }), handler);
    const url = await listen(app);
    instance.open();
    configured.breaker('partner').open();
    expect((await fetch(`${url}/instance`)).headers.get('retry-after')).toBe('2');
    expect((await fetch(`${url}/named`)).headers.get('retry-after')).toBe('5');
    expect(calls.count).toBe(0);
    instance.shutdown();
    configured.dispose();
  });

  it('gives a breaker built from options no deadline of its own (timeout: false), unless told', () => {
    circuitBreaker({ name: 'plain', registry });
    circuitBreaker({ name: 'bounded', registry, timeout: 3_000 });
    expect(registry.breaker('plain').options.timeout).toBe(false);
    expect(registry.breaker('bounded').options.timeout).toBe(3_000);
  });

  it('answers through onRejected when given', async () => {
    const { handler } = statusHandler();
    const app = express();
    app.get(
      '/x',
      circuitBreaker({ name: 'x', registry, onRejected: ({ response, res }) => void res.status(response.status).send('come back later') }),
      handler,
    );
    const url = await listen(app);
    registry.breaker('x').open();
    const refused = await fetch(`${url}/x`);
    expect([refused.status, await refused.text()]).toEqual([503, 'come back later']);
  });

  it('refuses bad options at creation, naming the field', () => {
    expect(() => circuitBreaker({ resetTimeout: -1 })).toThrow(new RangeError('circuitBreaker: options.resetTimeout must be a non-negative finite number, got -1'));
    expect(() => circuitBreaker({ slidingWindow: { kind: 'count', size: 0 } })).toThrow(
      new RangeError('circuitBreaker: options.slidingWindow.size must be a positive integer, got 0'),
    );
    expect(() => circuitBreaker({ resetTimout: 5 } as never)).toThrow(/^circuitBreaker: options\.resetTimout is not a breaker option/);
    expect(() => circuitBreaker({ isFailure: 500 } as never)).toThrow(new TypeError('circuitBreaker: options.isFailure must be a function, got 500'));
    expect(() => circuitBreaker({ keyFor: 'ip' } as never)).toThrow(new TypeError('circuitBreaker: options.keyFor must be a function, got "ip"'));
    expect(() => circuitBreaker({ keyFor: () => 'k', maxKeys: 0 })).toThrow(new RangeError('circuitBreaker: options.maxKeys must be a positive integer, got 0'));
    expect(() => circuitBreaker({ maxKeys: 5 })).toThrow(new TypeError('circuitBreaker: options.maxKeys applies only with options.keyFor'));
    expect(() => circuitBreaker('x', { keyFor: () => 'k' } as never)).toThrow(/^circuitBreaker: options\.keyFor needs breaker options/);
    expect(() => circuitBreaker('x', { resetTimeout: 1 } as never)).toThrow(/^circuitBreaker: options\.resetTimeout is not an option/);
    expect(() => circuitBreaker({} as never, {})).toThrow(/^circuitBreaker: pass the middleware's options in the first argument/);
    expect(() => circuitBreaker(null as never)).toThrow(/^circuitBreaker: the argument must be a CircuitBreaker, a registry name or options, got null/);
  });

  it('refuses a given name the registry holds with other options, and keyed breakers asked for with other options', () => {
    circuitBreaker({ name: 'a', registry, resetTimeout: 1_000 });
    expect(() => circuitBreaker({ name: 'a', registry, resetTimeout: 1_000 })).not.toThrow();
    expect(() => circuitBreaker({ name: 'a', registry, resetTimeout: 2_000 })).toThrow(/^circuitBreaker: a breaker named "a" exists already with other options/);
    const keyFor = () => 'k';
    circuitBreaker({ name: 'k', registry, keyFor });
    expect(() => circuitBreaker({ name: 'k', registry, keyFor, maxKeys: 3 })).toThrow(/^circuitBreaker: a breaker named "k" exists already with other options/);
  });
});
