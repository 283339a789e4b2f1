import { CircuitBreaker, RateLimitedError, TimeoutError } from '@bulwark/core';
import { ManualClock } from '@bulwark/core/testing';
import express from 'express';
import { appErrorHandler, closeServers, listen } from '../test/http.js';
import { errorHandler } from './error-handler.js';

afterEach(closeServers);

describe('errorHandler()', () => {
  it('answers a policy error from an async handler with its status, Retry-After and JSON body', async () => {
    const breaker = new CircuitBreaker(() => 'price', { clock: new ManualClock(), timeout: false, resetTimeout: 2_500 });
    breaker.open();
    const app = express();
    app.get('/price', async (_req, res) => {
      res.json(await breaker.execute(() => 'price')); // rejects with CircuitOpenError: Express 5 passes it on
    });
    app.get('/limited', () => {
      throw new RateLimitedError(1_200);
    });
    app.use(errorHandler());
    const url = await listen(app);

    const open = await fetch(`${url}/price`);
    expect(open.status).toBe(503);
    expect(open.headers.get('retry-after')).toBe('3');
    expect(await open.json()).toEqual({ error: { code: 'EOPENBREAKER', message: 'Breaker is open', retryAfterMs: 2_500 } });
    const limited = await fetch(`${url}/limited`);
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '2']);
    breaker.shutdown();
  });

  it('passes the app’s own errors on untouched to the app’s error handler', async () => {
    const own = new Error('database down');
    const app = express();
    app.get('/sync', () => {
      throw own;
    });
    app.get('/async', async () => {
      throw own;
    });
    app.use(errorHandler());
    const seen: unknown[] = [];
    app.use(appErrorHandler(seen));
    const url = await listen(app);
    expect(await (await fetch(`${url}/sync`)).text()).toBe('app: database down');
    expect(await (await fetch(`${url}/async`)).text()).toBe('app: database down');
    expect(seen).toEqual([own, own]);
    expect(seen[0]).toBe(own);
  });

  it('passes a policy error on once headers are sent', async () => {
    const error = new TimeoutError(10);
    const app = express();
    app.get('/', (_req, res, next) => {
      res.write('partial');
      next(error);
    });
    app.use(errorHandler());
    const seen: unknown[] = [];
    app.use(((err, _req, res, next) => {
      void next;
      seen.push(err);
      res.end(' and the end');
    }) as express.ErrorRequestHandler);
    const url = await listen(app);
    const response = await fetch(url);
    expect([response.status, await response.text()]).toEqual([200, 'partial and the end']);
    expect(seen).toEqual([error]);
  });

  it('answers a timeout with 503, or 504 with gateway: true', async () => {
    const app = express();
    const fail: express.RequestHandler = (_req, _res, next) => next(new TimeoutError(50));
    app.get('/service', fail, errorHandler());
    app.get('/gateway', fail, errorHandler({ gateway: true }));
    const url = await listen(app);
    expect((await fetch(`${url}/service`)).status).toBe(503);
    const gateway = await fetch(`${url}/gateway`);
    expect(gateway.status).toBe(504);
    expect(await gateway.json()).toEqual({ error: { code: 'ETIMEDOUT', message: 'Timed out after 50ms' } });
  });

  it('refuses bad options at creation', () => {
    expect(() => errorHandler({ gateway: 1 } as never)).toThrow(new TypeError('errorHandler: options.gateway must be a boolean, got 1'));
    expect(() => errorHandler({ gatway: true } as never)).toThrow(new TypeError('errorHandler: options.gatway is not an option (the options are gateway)'));
    expect(() => errorHandler('x' as never)).toThrow(new TypeError('errorHandler: options must be an object, got "x"'));
  });
});
