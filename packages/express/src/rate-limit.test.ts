import { createRegistry, rateLimiter } from '@bulwark/core';
import type { PolicyRegistry } from '@bulwark/core';
import { ManualClock } from '@bulwark/core/testing';
import express from 'express';
import type { RequestHandler } from 'express';
import { appErrorHandler, closeServers, listen, until } from '../test/http.js';
import { KeyedRateLimiter } from './keyed-rate-limiter.js';
import { rateLimit } from './rate-limit.js';

afterEach(closeServers);

const from = (ip: string): RequestInit => ({ headers: { 'x-forwarded-for': ip } });

function countingHandler() {
  const calls = { count: 0 };
  const handler: RequestHandler = (_req, res) => {
    calls.count++;
    res.json({ ok: true });
  };
  return { handler, calls };
}

/** An app that trusts X-Forwarded-For, so each test request can come from the address it names. */
function proxiedApp() {
  const app = express();
  app.set('trust proxy', true);
  return app;
}

describe('rateLimit()', () => {
  let clock: ManualClock;
  let registry: PolicyRegistry;
  beforeEach(() => {
    clock = new ManualClock();
    registry = createRegistry({ clock });
  });
  afterEach(() => registry.dispose());

  const perMinute = { mode: 'token-bucket', limit: 2, intervalMs: 60_000 } as const;

  it('answers a client over its quota with 429 and Retry-After, per IP, without calling the handler', async () => {
    const { handler, calls } = countingHandler();
    const app = proxiedApp();
    app.get('/api', rateLimit({ ...perMinute, clock, name: 'api', registry }), handler);
    const url = await listen(app);

    expect((await fetch(`${url}/api`, from('10.0.0.1'))).status).toBe(200);
    expect((await fetch(`${url}/api`, from('10.0.0.1'))).status).toBe(200);
    const limited = await fetch(`${url}/api`, from('10.0.0.1'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30'); // one permit every 30 s
    expect(await limited.json()).toEqual({
      error: { code: 'ERATELIMITED', message: 'Rate limit exceeded; a permit is available in 30000ms', retryAfterMs: 30_000 },
    });
    expect((await fetch(`${url}/api`, from('10.0.0.2'))).status).toBe(200); // another client, another quota
    expect(calls.count).toBe(3);

    clock.advance(30_000);
    expect((await fetch(`${url}/api`, from('10.0.0.1'))).status).toBe(200);
    const keyed = registry.rateLimiter('api') as KeyedRateLimiter;
    expect(keyed).toBeInstanceOf(KeyedRateLimiter);
    expect(keyed.metrics()).toEqual({ permitted: 4, rejected: 1, queued: 0 });
    expect(keyed.keyCount).toBe(2);
  });

  it('keys by keyFor(req) when given', async () => {
    const { handler } = countingHandler();
    const app = express();
    app.get('/api', rateLimit({ mode: 'sliding-window', limit: 1, windowMs: 1_000, clock, registry, keyFor: (req) => req.get('x-api-key') ?? 'anonymous' }), handler);
    const url = await listen(app);
    const withKey = (key: string): RequestInit => ({ headers: { 'x-api-key': key } });
    expect((await fetch(`${url}/api`, withKey('a'))).status).toBe(200);
    expect((await fetch(`${url}/api`, withKey('a'))).status).toBe(429);
    expect((await fetch(`${url}/api`, withKey('b'))).status).toBe(200);
    expect((await fetch(`${url}/api`)).status).toBe(200);
    expect((await fetch(`${url}/api`)).status).toBe(429);
  });

  it('remembers at most maxKeys clients, forgetting the least recently seen (who then starts with a full quota)', async () => {
    const { handler } = countingHandler();
    const app = proxiedApp();
    app.get('/api', rateLimit({ mode: 'token-bucket', limit: 1, intervalMs: 60_000, clock, registry, name: 'api', maxKeys: 2 }), handler);
    const url = await listen(app);
    expect((await fetch(`${url}/api`, from('10.0.0.1'))).status).toBe(200);
    expect((await fetch(`${url}/api`, from('10.0.0.2'))).status).toBe(200);
    expect((await fetch(`${url}/api`, from('10.0.0.1'))).status).toBe(429); // 10.0.0.1 is now the most recent
    expect((await fetch(`${url}/api`, from('10.0.0.3'))).status).toBe(200); // forgets 10.0.0.2
    expect((await fetch(`${url}/api`, from('10.0.0.1'))).status).toBe(429);
    expect((await fetch(`${url}/api`, from('10.0.0.2'))).status).toBe(200); // forgotten: a full quota again
    const keyed = registry.rateLimiter('api') as KeyedRateLimiter;
    expect(keyed.keyCount).toBe(2);
    expect(keyed.metrics()).toEqual({ permitted: 4, rejected: 2, queued: 0 }); // forgotten keys' counts are kept
  });

  it('lets a request wait up to maxWaitMs for its permit, and drops it from the queue when its client disconnects', async () => {
    const { handler, calls } = countingHandler();
    const app = proxiedApp();
    app.get('/api', rateLimit({ mode: 'token-bucket', limit: 1, intervalMs: 1_000, maxWaitMs: 1_000, clock, registry, name: 'api' }), handler);
    const url = await listen(app);
    const keyed = registry.rateLimiter('api') as KeyedRateLimiter;
    expect((await fetch(`${url}/api`, from('10.0.0.1'))).status).toBe(200);
    const waiting = fetch(`${url}/api`, from('10.0.0.1'));
    await until(() => keyed.queueLength === 1);
    clock.advance(1_000);
    expect((await waiting).status).toBe(200);

    expect((await fetch(`${url}/api`)).status).toBe(200); // from 127.0.0.1, whose quota is fresh
    const queued = new AbortController();
    const pending = fetch(`${url}/api`, { signal: queued.signal }).catch((error: unknown) => error);
    await until(() => keyed.queueLength === 1);
    queued.abort();
    await pending;
    await until(() => keyed.queueLength === 0);
    clock.advance(5_000);
    expect(calls.count).toBe(3);
    expect(keyed.metrics()).toMatchObject({ queued: 2 });
  });

  it('shares one quota between every request given a RateLimiterPolicy or the name of a plain one', async () => {
    const { handler } = countingHandler();
    const configured = createRegistry({ clock, policies: { global: { rateLimiter: { mode: 'token-bucket', limit: 1, intervalMs: 60_000 } } } });
    const app = proxiedApp();
    app.get('/instance', rateLimit(rateLimiter({ mode: 'token-bucket', limit: 1, intervalMs: 60_000, clock })), handler);
    app.get('/named', rateLimit('global', { registry: configured }), handler);
    const url = await listen(app);
    for (const path of ['/instance', '/named']) {
      expect((await fetch(`${url}${path}`, from('10.0.0.1'))).status).toBe(200);
      expect((await fetch(`${url}${path}`, from('10.0.0.2'))).status).toBe(429);
    }
    configured.dispose();
  });

  it('uses a keyed limiter given by name per client, with keyFor if given', async () => {
    const { handler } = countingHandler();
    rateLimit({ ...perMinute, limit: 1, clock, registry, name: 'per-client' });
    const app = proxiedApp();
    app.get('/by-ip', rateLimit('per-client', { registry }), handler);
    app.get('/by-key', rateLimit(registry.rateLimiter('per-client'), { keyFor: () => 'everyone' }), handler);
    const url = await listen(app);
    expect((await fetch(`${url}/by-ip`, from('10.0.0.1'))).status).toBe(200);
    expect((await fetch(`${url}/by-ip`, from('10.0.0.2'))).status).toBe(200);
    expect((await fetch(`${url}/by-ip`, from('10.0.0.2'))).status).toBe(429);
    expect((await fetch(`${url}/by-key`, from('10.0.0.3'))).status).toBe(200);
    expect((await fetch(`${url}/by-key`, from('10.0.0.4'))).status).toBe(429);
  });

  it('passes a bad key to the app’s error handler', async () => {
    const { handler, calls } = countingHandler();
    const app = express();
    app.get('/api', rateLimit({ ...perMinute, clock, registry, keyFor: (() => ({})) as never }), handler);
    const seen: unknown[] = [];
    app.use(appErrorHandler(seen));
    const url = await listen(app);
    expect(await (await fetch(`${url}/api`)).text()).toBe('app: rateLimit: options.keyFor(req) must return a string, got an object');
    expect(calls.count).toBe(0);
  });

  it('answers through onRejected when given', async () => {
    const { handler } = countingHandler();
    const app = express();
    app.get('/api', rateLimit({ ...perMinute, limit: 1, clock, registry, onRejected: ({ error, next }) => next(error) }), handler);
    const seen: unknown[] = [];
    app.use(appErrorHandler(seen));
    const url = await listen(app);
    await fetch(`${url}/api`);
    expect((await fetch(`${url}/api`)).status).toBe(500);
    expect(seen).toEqual([expect.objectContaining({ code: 'ERATELIMITED' })]);
  });

  it('shares the quotas of one name given the same options, and refuses other options at creation', () => {
    rateLimit({ ...perMinute, clock, registry, name: 'api' });
    expect(() => rateLimit({ ...perMinute, clock, registry, name: 'api' })).not.toThrow();
    expect(registry.all().filter((e) => e.kind === 'rateLimiter')).toHaveLength(1);
    expect(() => rateLimit({ ...perMinute, limit: 3, clock, registry, name: 'api' })).toThrow(
      new TypeError('rateLimit: a rateLimiter named "api" exists already with other options; ask for it with the same options, or use another name'),
    );
    expect(() => rateLimit({ ...perMinute, clock, registry, name: 'api', maxKeys: 5 })).toThrow(/exists already with other options/);
  });

  it('refuses bad options at creation, naming the field', () => {
    expect(() => rateLimit({ mode: 'token-bucket', limit: 0, intervalMs: 1 })).toThrow(new RangeError('rateLimit: options.limit must be a positive integer, got 0'));
    expect(() => rateLimit({ mode: 'leaky', limit: 1 } as never)).toThrow(/^rateLimit: options\.mode must be one of 'token-bucket', 'sliding-window', got "leaky"/);
    expect(() => rateLimit({ mode: 'sliding-window', limit: 1, windowMs: 1, burst: 2 } as never)).toThrow(/^rateLimit: options\.burst does not apply to mode 'sliding-window'/);
    expect(() => rateLimit({ ...perMinute, maxKeys: 1.5 })).toThrow(new RangeError('rateLimit: options.maxKeys must be a positive integer, got 1.5'));
    expect(() => rateLimit({ ...perMinute, keyFor: 'ip' } as never)).toThrow(new TypeError('rateLimit: options.keyFor must be a function, got "ip"'));
    expect(() => rateLimit({ ...perMinute, limt: 2 } as never)).toThrow(/^rateLimit: options\.limt is not an option/);
    expect(() => rateLimit(rateLimiter(perMinute), { keyFor: () => 'k' })).toThrow(/^rateLimit: options\.keyFor needs a keyed limiter/);
    expect(() => rateLimit('missing', { registry })).toThrow(/^rateLimit: registry has no rateLimiter named "missing"/);
    expect(() => rateLimit(perMinute as never, {})).toThrow(/^rateLimit: pass the middleware's options in the first argument/);
    expect(() => rateLimit([] as never)).toThrow(/^rateLimit: the argument must be a RateLimiterPolicy, a registry name or options, got an array/);
  });
});
