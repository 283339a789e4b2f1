import { createRegistry, timeout as coreTimeout } from '@bulwark/core';
import type { PolicyRegistry } from '@bulwark/core';
import { ManualClock, deferred, flushPromises } from '@bulwark/core/testing';
import express from 'express';
import type { RequestHandler } from 'express';
import { abortableFetch, appErrorHandler, closeServers, listen, until } from '../test/http.js';
import { circuitBreaker } from './circuit-breaker.js';
import { timeout } from './timeout.js';

afterEach(closeServers);

/** A handler that waits for the test, then writes every way it can; it records its signal and what its writes threw. */
function slowHandler() {
  const gate = deferred<void>();
  const state: { signal?: AbortSignal; entered: number; threw: unknown[]; wrote: boolean } = { entered: 0, threw: [], wrote: false };
  const handler: RequestHandler = async (_req, res) => {
    state.entered++;
    state.signal = res.locals.bulwarkSignal;
    await gate.promise;
    try {
      res.status(200).setHeader('x-late', '1');
      res.write('late ');
      res.json({ late: true });
      state.wrote = true;
    } catch (error) {
      state.threw.push(error);
    }
  };
  return { handler, state, release: () => gate.resolve() };
}

describe('timeout()', () => {
  let clock: ManualClock;
  let registry: PolicyRegistry;
  beforeEach(() => {
    clock = new ManualClock();
    registry = createRegistry({ clock });
  });
  afterEach(() => registry.dispose());

  it('answers 503 when the response has not started in time, aborts the handler’s signal, and drops its later writes', async () => {
    const { handler, state, release } = slowHandler();
    const app = express();
    app.get('/report', timeout({ timeoutMs: 2_000, name: 'report', registry }), handler);
    const seen: unknown[] = [];
    app.use(appErrorHandler(seen));
    const url = await listen(app);

    const pending = fetch(`${url}/report`);
    await until(() => state.entered === 1);
    expect(state.signal?.aborted).toBe(false);
    clock.advance(1_999);
    await flushPromises();
    expect(state.signal?.aborted).toBe(false);
    clock.advance(1);
    const response = await pending;
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBeNull();
    expect(await response.json()).toEqual({ error: { code: 'ETIMEDOUT', message: 'Timed out after 2000ms' } });
    expect(state.signal?.aborted).toBe(true);
    expect((state.signal?.reason as DOMException).name).toBe('TimeoutError');

    release();
    await until(() => state.wrote);
    expect(state.threw).toEqual([]);
    expect(seen).toEqual([]);
    expect(registry.timeout('report').metrics()).toEqual({ calls: 1, timedOut: 1, callerAborted: 0 });
  });

  it('answers 504 with gateway: true', async () => {
    const { handler, state } = slowHandler();
    const app = express();
    app.get('/upstream', timeout({ timeoutMs: 100, gateway: true, registry }), handler);
    const url = await listen(app);
    const pending = fetch(`${url}/upstream`);
    await until(() => state.entered === 1);
    clock.advance(100);
    expect((await pending).status).toBe(504);
  });

  it('leaves a response that started in time alone, and arms no timer after it', async () => {
    const gate = deferred<void>();
    let signal: AbortSignal | undefined;
    const app = express();
    app.get('/stream', timeout({ timeoutMs: 100, registry }), async (_req, res) => {
      signal = res.locals.bulwarkSignal;
      res.write('first ');
      await gate.promise;
      res.end('last');
    });
    app.get('/fast', timeout({ timeoutMs: 100, registry }), (_req, res) => void res.send('fast'));
    const url = await listen(app);
    expect(await (await fetch(`${url}/fast`)).text()).toBe('fast');
    expect(clock.pendingTimers).toBe(0);

    const pending = fetch(`${url}/stream`);
    await until(() => signal !== undefined && clock.pendingTimers === 0);
    clock.advance(1_000);
    gate.resolve();
    const response = await pending;
    expect([response.status, await response.text()]).toEqual([200, 'first last']);
    expect(signal?.aborted).toBe(false);
  });

  it('aborts the signal when the client disconnects, and counts the call as aborted by its caller', async () => {
    const { handler, state, release } = slowHandler();
    const app = express();
    app.get('/report', timeout({ timeoutMs: 5_000, name: 'report', registry }), handler);
    const url = await listen(app);
    const request = abortableFetch(`${url}/report`);
    await until(() => state.entered === 1);
    request.abort();
    await request.settled;
    await until(() => state.signal?.aborted === true);
    expect((state.signal?.reason as DOMException).name).toBe('AbortError');
    expect(registry.timeout('report').metrics()).toMatchObject({ timedOut: 0, callerAborted: 1 });
    expect(clock.pendingTimers).toBe(0);
    release();
  });

  it('takes a TimeoutPolicy instance of either strategy, or a registry name', async () => {
    const configured = createRegistry({ clock, policies: { reports: { timeout: { timeoutMs: 300 } } } });
    const cases = [
      ['/cooperative', timeout(coreTimeout({ timeoutMs: 100, clock }))],
      ['/aggressive', timeout(coreTimeout({ timeoutMs: 100, strategy: 'aggressive', clock }))],
      ['/named', timeout('reports', { registry: configured })],
    ] as const;
    for (const [path, middleware] of cases) {
      const { handler, state, release } = slowHandler();
      const app = express();
      app.get(path, middleware, handler);
      const url = await listen(app);
      const pending = fetch(`${url}${path}`);
      await until(() => state.entered === 1);
      clock.advance(path === '/named' ? 300 : 100);
      expect((await pending).status).toBe(503);
      release();
    }
    configured.dispose();
  });

  it('lets a breaker outside it count the timeout’s 503 as a failure', async () => {
    const { handler, state, release } = slowHandler();
    const app = express();
    app.get('/report', circuitBreaker({ name: 'report', registry, slidingWindow: { kind: 'consecutive', failures: 5 } }), timeout({ timeoutMs: 10, registry }), handler);
    const url = await listen(app);
    const pending = fetch(`${url}/report`);
    await until(() => state.entered === 1);
    clock.advance(10);
    expect((await pending).status).toBe(503);
    release();
    await until(() => state.wrote);
    await until(() => registry.breaker('report').metrics().failures === 1);
  });

  it('answers through onRejected when given', async () => {
    const { handler, state } = slowHandler();
    const app = express();
    app.get('/x', timeout({ timeoutMs: 10, registry, onRejected: ({ res }) => void res.status(503).send('too slow') }), handler);
    const url = await listen(app);
    const pending = fetch(`${url}/x`);
    await until(() => state.entered === 1);
    clock.advance(10);
    expect(await (await pending).text()).toBe('too slow');
  });

  it('refuses bad options at creation, naming the field', () => {
    expect(() => timeout({ timeoutMs: 0 })).toThrow(new RangeError('timeout: options.timeoutMs must be a positive finite number, got 0'));
    expect(() => timeout({} as never)).toThrow(new TypeError('timeout: options.timeoutMs must be a positive finite number, got undefined'));
    expect(() => timeout({ timeoutMs: 1, gateway: 'yes' } as never)).toThrow(new TypeError('timeout: options.gateway must be a boolean, got "yes"'));
    expect(() => timeout({ timeoutMs: 1, strategy: 'aggressive' } as never)).toThrow(/^timeout: options\.strategy is not an option/);
    expect(() => timeout('missing', { registry })).toThrow(/^timeout: registry has no timeout named "missing"/);
    expect(() => timeout({ timeoutMs: 1 } as never, {})).toThrow(/^timeout: pass the middleware's options in the first argument/);
    expect(() => timeout(5 as never)).toThrow(/^timeout: the argument must be a TimeoutPolicy, a registry name or options, got 5/);
    timeout({ timeoutMs: 1, name: 't', registry });
    expect(() => timeout({ timeoutMs: 2, name: 't', registry })).toThrow(/^timeout: a timeout named "t" exists already with other options/);
  });
});
