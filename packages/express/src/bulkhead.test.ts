import { jest } from '@jest/globals';
import { bulkhead as coreBulkhead, createRegistry } from '@bulwark/core';
import type { BulkheadPolicy, PolicyRegistry } from '@bulwark/core';
import { ManualClock, deferred } from '@bulwark/core/testing';
import express from 'express';
import type { RequestHandler } from 'express';
import { abortableFetch, appErrorHandler, closeServers, listen, until } from '../test/http.js';
import { bulkhead } from './bulkhead.js';
import type { RejectedContext } from './rejection.js';

afterEach(closeServers);

/** A handler that answers at once, or holds the request until the test releases it (`?hold`). */
function gatedHandler() {
  const gate = deferred<void>();
  const state = { entered: 0, closed: 0 };
  const handler: RequestHandler = async (req, res) => {
    state.entered++;
    res.on('close', () => state.closed++);
    if (req.query.hold !== undefined) await gate.promise;
    res.json({ ok: true });
  };
  return { handler, state, release: () => gate.resolve() };
}

describe('bulkhead()', () => {
  let clock: ManualClock;
  let registry: PolicyRegistry;
  beforeEach(() => {
    clock = new ManualClock();
    registry = createRegistry({ clock });
  });
  afterEach(() => registry.dispose());

  it('sheds requests past maxConcurrent with 503, Retry-After and a JSON body, without calling the handler', async () => {
    const { handler, state, release } = gatedHandler();
    const app = express();
    app.get('/work', bulkhead({ maxConcurrent: 1, name: 'work', registry }), handler);
    const url = await listen(app);
    expect((await fetch(`${url}/work`)).status).toBe(200); // one completed call: the bulkhead can estimate a wait
    const held = fetch(`${url}/work?hold`);
    await until(() => state.entered === 2);

    const shed = await fetch(`${url}/work`);
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('1');
    expect(shed.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await shed.json()).toEqual({
      error: { code: 'EBULKHEADREJECTED', message: 'Bulkhead is full: every slot is busy and the queue is full', retryAfterMs: 1 },
    });
    expect(state.entered).toBe(2);

    release();
    expect((await held).status).toBe(200);
    await until(() => registry.bulkhead('work').activeCount === 0);
    expect(registry.bulkhead('work').metrics()).toMatchObject({ accepted: 2, rejected: { full: 1, queueTimeout: 0, aborted: 0 } });
  });

  it('queues up to maxQueued requests, first in first out, and sheds a queued request after queueTimeoutMs', async () => {
    const { handler, state, release } = gatedHandler();
    const app = express();
    app.get('/work', bulkhead({ maxConcurrent: 1, maxQueued: 1, queueTimeoutMs: 500, name: 'work', registry }), handler);
    const url = await listen(app);
    const policy = registry.bulkhead('work');

    const first = fetch(`${url}/work?hold`);
    await until(() => state.entered === 1);
    const queued = fetch(`${url}/work`);
    await until(() => policy.queuedCount === 1);
    expect((await fetch(`${url}/work`)).status).toBe(503); // the queue is full
    release();
    expect((await first).status).toBe(200);
    expect((await queued).status).toBe(200); // it got the slot when the first finished
    expect(state.entered).toBe(2);

    const { handler: slow, state: slowState } = gatedHandler();
    const app2 = express();
    app2.get('/slow', bulkhead({ maxConcurrent: 1, maxQueued: 1, queueTimeoutMs: 500, name: 'slow', registry }), slow);
    const url2 = await listen(app2);
    void fetch(`${url2}/slow?hold`).catch(() => undefined);
    await until(() => slowState.entered === 1);
    const waiting = fetch(`${url2}/slow`);
    await until(() => registry.bulkhead('slow').queuedCount === 1);
    clock.advance(500);
    const timedOut = await waiting;
    expect(timedOut.status).toBe(503);
    expect(await timedOut.json()).toMatchObject({ error: { code: 'EBULKHEADREJECTED', message: expect.stringContaining('queue timeout') } });
    expect(registry.bulkhead('slow').metrics().rejected.queueTimeout).toBe(1);
  });

  it('releases the slot when the client aborts, and lets the next request in', async () => {
    const { handler, state, release } = gatedHandler();
    const app = express();
    app.get('/work', bulkhead({ maxConcurrent: 1, name: 'work', registry }), handler);
    const url = await listen(app);
    const policy = registry.bulkhead('work');

    const request = abortableFetch(`${url}/work?hold`);
    await until(() => policy.activeCount === 1);
    request.abort();
    await request.settled;
    await until(() => state.closed === 1);
    await until(() => policy.activeCount === 0);
    expect((await fetch(`${url}/work`)).status).toBe(200);
    release(); // the aborted handler wakes up and writes to a closed response: nothing happens
  });

  it('takes a queued request whose client disconnects out of the queue, and never runs it', async () => {
    const { handler, state, release } = gatedHandler();
    const app = express();
    app.get('/work', bulkhead({ maxConcurrent: 1, maxQueued: 5, name: 'work', registry }), handler);
    const url = await listen(app);
    const policy = registry.bulkhead('work');

    const first = fetch(`${url}/work?hold`);
    await until(() => policy.activeCount === 1);
    const queued = abortableFetch(`${url}/work`);
    await until(() => policy.queuedCount === 1);
    queued.abort();
    await queued.settled;
    await until(() => policy.queuedCount === 0);
    expect(policy.metrics().rejected.aborted).toBe(1);
    release();
    expect((await first).status).toBe(200);
    expect(state.entered).toBe(1);
  });

  it('takes a free slot of a core bulkhead with tryAcquire, and gives the client’s signal only to a request that has to wait', async () => {
    const { handler, release } = gatedHandler();
    const pool = coreBulkhead({ maxConcurrent: 1, maxQueued: 1 });
    const execute = jest.spyOn(pool, 'execute');
    const tryAcquire = jest.spyOn(pool, 'tryAcquire');
    const app = express();
    app.get('/work', bulkhead(pool), handler);
    const url = await listen(app);
    const held = fetch(`${url}/work?hold`);
    await until(() => pool.activeCount === 1);
    // A free slot: a permit, no promise, no signal (nor its listener).
    expect(tryAcquire).toHaveReturnedWith(expect.objectContaining({ done: false }));
    expect(execute).not.toHaveBeenCalled();
    const queued = fetch(`${url}/work`);
    await until(() => pool.queuedCount === 1);
    expect(execute).toHaveBeenCalledTimes(1);
    expect(execute.mock.calls[0]?.[1]?.signal).toBeInstanceOf(AbortSignal);
    release();
    expect([(await held).status, (await queued).status]).toEqual([200, 200]);
    expect(pool.metrics()).toMatchObject({ accepted: 2, completed: 2, activeCount: 0 });
  });

  it('runs a bulkhead without tryAcquire (another copy of the package) through execute, with a signal only when no slot is free', async () => {
    const { handler, release } = gatedHandler();
    const core = coreBulkhead({ maxConcurrent: 1, maxQueued: 1 });
    // A policy with the gauges and execute, but no tryAcquire, as an older copy of core has.
    const pool = {
      execute: jest.fn(core.execute.bind(core)),
      get activeCount() {
        return core.activeCount;
      },
      get maxConcurrent() {
        return core.maxConcurrent;
      },
    } as unknown as BulkheadPolicy;
    const app = express();
    app.get('/work', bulkhead(pool), handler);
    const url = await listen(app);
    const held = fetch(`${url}/work?hold`);
    await until(() => core.activeCount === 1);
    const queued = fetch(`${url}/work`);
    await until(() => core.queuedCount === 1);
    const calls = (pool.execute as jest.Mock).mock.calls as unknown[][];
    expect(calls[0]?.[1]).toBeUndefined();
    expect((calls[1]?.[1] as { signal?: unknown } | undefined)?.signal).toBeInstanceOf(AbortSignal);
    release();
    expect([(await held).status, (await queued).status]).toEqual([200, 200]);
  });

  it('lets a request whose client went away before it ran pass by, untouched and uncounted', async () => {
    const { handler, state } = gatedHandler();
    const gate = deferred<void>();
    const seen = { arrived: false, closed: false, passed: false };
    const app = express();
    const slow: RequestHandler = async (_req, res, next) => {
      seen.arrived = true;
      res.on('close', () => (seen.closed = true));
      await gate.promise;
      next();
      seen.passed = true;
    };
    app.get('/work', slow, bulkhead({ maxConcurrent: 1, name: 'work', registry }), handler);
    const url = await listen(app);
    const request = abortableFetch(`${url}/work`);
    await until(() => seen.arrived);
    request.abort();
    await request.settled;
    await until(() => seen.closed);
    gate.resolve();
    await until(() => seen.passed);
    expect(state.entered).toBe(0);
    expect(registry.bulkhead('work').metrics()).toMatchObject({ accepted: 0, rejected: { full: 0, queueTimeout: 0, aborted: 0 } });
  });

  it('takes a BulkheadPolicy instance, or a name the registry holds or is configured with', async () => {
    const configured = createRegistry({ clock, policies: { api: { bulkhead: { maxConcurrent: 1 } } } });
    const pool = coreBulkhead({ maxConcurrent: 1 });
    const instance = gatedHandler();
    const named = gatedHandler();
    const app = express();
    app.get('/instance', bulkhead(pool), instance.handler);
    app.get('/named', bulkhead('api', { registry: configured }), named.handler);
    const url = await listen(app);

    for (const [path, policy, gate] of [
      ['/instance', pool, instance],
      ['/named', configured.bulkhead('api'), named],
    ] as const) {
      const held = fetch(`${url}${path}?hold`);
      await until(() => policy.activeCount === 1);
      expect((await fetch(`${url}${path}`)).status).toBe(503);
      gate.release();
      expect((await held).status).toBe(200);
      expect(gate.state.entered).toBe(1);
    }
    configured.dispose();
  });

  it('answers through onRejected when given, with the mapped response', async () => {
    const { handler, state, release } = gatedHandler();
    const seen: unknown[] = [];
    const app = express();
    const onRejected = ({ error, response, res }: RejectedContext) => {
      seen.push(error);
      res.status(response.status).type('text').send(`busy (${response.body.error.code})`);
    };
    app.get('/work', bulkhead({ maxConcurrent: 1, registry, name: 'work', onRejected }), handler);
    const url = await listen(app);
    const held = fetch(`${url}/work?hold`);
    await until(() => state.entered === 1);
    const shed = await fetch(`${url}/work`);
    expect([shed.status, await shed.text()]).toEqual([503, 'busy (EBULKHEADREJECTED)']);
    expect(seen).toHaveLength(1);
    release();
    await held;
  });

  it('passes an error thrown by onRejected to the app’s error handler', async () => {
    const { handler, state, release } = gatedHandler();
    const app = express();
    const failure = new Error('onRejected broke');
    app.get(
      '/work',
      bulkhead({
        maxConcurrent: 1,
        registry,
        onRejected: () => {
          throw failure;
        },
      }),
      handler,
    );
    const caught: unknown[] = [];
    app.use(appErrorHandler(caught));
    const url = await listen(app);
    const held = fetch(`${url}/work?hold`);
    await until(() => state.entered === 1);
    expect((await fetch(`${url}/work`)).status).toBe(500);
    expect(caught).toEqual([failure]);
    release();
    await held;
  });

  it('shares one bulkhead between middlewares given one name and the same options, and refuses other options at creation', () => {
    const a = bulkhead({ maxConcurrent: 2, name: 'shared', registry });
    const b = bulkhead({ maxConcurrent: 2, name: 'shared', registry });
    expect(a).not.toBe(b);
    expect(registry.all().filter((e) => e.kind === 'bulkhead')).toHaveLength(1);
    expect(() => bulkhead({ maxConcurrent: 3, name: 'shared', registry })).toThrow(
      new TypeError('bulkhead: a bulkhead named "shared" exists already with other options; ask for it without options, or use another name'),
    );
  });

  it.each([
    [{ maxConcurrent: 0 }, RangeError, 'bulkhead: options.maxConcurrent must be a positive integer, got 0'],
    [{}, TypeError, 'bulkhead: options.maxConcurrent must be a positive integer, got undefined'],
    [{ maxConcurrent: 1, maxQueued: -1 }, RangeError, 'bulkhead: options.maxQueued must be a non-negative integer, got -1'],
    [{ maxConcurrent: 1, queueTimeoutMs: 0 }, RangeError, 'bulkhead: options.queueTimeoutMs must be a positive finite number, got 0'],
    [{ maxConcurrent: 1, maxConcurent: 2 }, TypeError, 'bulkhead: options.maxConcurent is not an option (the options are maxConcurrent, maxQueued, queueTimeoutMs, name, registry, onRejected)'],
    [{ maxConcurrent: 1, name: '' }, TypeError, 'bulkhead: options.name must be a non-empty string, got ""'],
    [{ maxConcurrent: 1, registry: {} }, TypeError, 'bulkhead: options.registry must be a PolicyRegistry (from createRegistry() or defaultRegistry()), got an object'],
    [{ maxConcurrent: 1, onRejected: 'json' }, TypeError, 'bulkhead: options.onRejected must be a function, got "json"'],
  ])('refuses bad options at creation: %j', (options, Kind, message) => {
    expect(() => bulkhead(options as never)).toThrow(new Kind(message));
  });

  it('refuses a bad argument, a second argument after options, and a name the registry cannot make', () => {
    expect(() => bulkhead(42 as never)).toThrow(new TypeError('bulkhead: the argument must be a BulkheadPolicy, a registry name or options, got 42'));
    expect(() => bulkhead({ maxConcurrent: 1 } as never, {})).toThrow(/^bulkhead: pass the middleware's options in the first argument/);
    expect(() => bulkhead('nowhere', { registry })).toThrow(
      'bulkhead: registry has no bulkhead named "nowhere", and none can be made from its configuration (policies.nowhere.bulkhead.maxConcurrent must be a positive integer, got undefined)',
    );
    expect(() => bulkhead('nowhere', { registry, maxConcurrent: 1 } as never)).toThrow(/^bulkhead: options\.maxConcurrent is not an option/);
  });
});
