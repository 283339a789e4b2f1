import { once } from 'node:events';
import { ServerResponse } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { deferred } from '@bulwark/core/testing';
import express from 'express';
import { abortableFetch, closeServers, listen, until } from '../test/http.js';
import { ResponseWatch, watchResponse } from './response-watch.js';
import type { ResponseOutcome } from './response-watch.js';

afterEach(closeServers);

describe('watchResponse', () => {
  it('reports a response sent in full as finished, without aborting the signal', async () => {
    const seen: Array<{ outcome: ResponseOutcome; aborted: boolean; ended: boolean }> = [];
    const app = express();
    app.get('/', (_req, res) => {
      const watch = watchResponse(res);
      expect(watchResponse(res)).toBe(watch); // one per response
      const signal = watch.signal;
      watch.onEnd((outcome) => seen.push({ outcome, aborted: signal.aborted, ended: watch.ended }));
      expect(watch.ended).toBe(false);
      res.send('ok');
    });
    const url = await listen(app);
    expect(await (await fetch(url)).text()).toBe('ok');
    await until(() => seen.length === 1);
    expect(seen).toEqual([{ outcome: 'finished', aborted: false, ended: true }]);
  });

  it('reports a connection closed first as aborted, aborting the signal before the end listeners run', async () => {
    const gate = deferred<void>();
    const seen: Array<{ outcome: ResponseOutcome; aborted: boolean }> = [];
    let reason: unknown;
    let watching = false;
    const app = express();
    app.get('/', async (_req, res) => {
      const watch = watchResponse(res);
      watching = true;
      watch.signal.addEventListener('abort', () => (reason = watch.signal.reason));
      watch.onEnd((outcome) => seen.push({ outcome, aborted: watch.signal.aborted }));
      void watch.whenEnded().then((outcome) => seen.push({ outcome, aborted: watch.aborted }));
      await gate.promise;
    });
    const url = await listen(app);
    const request = abortableFetch(url);
    await until(() => watching);
    request.abort();
    await request.settled;
    await until(() => seen.length === 2);
    expect(seen).toEqual([
      { outcome: 'aborted', aborted: true },
      { outcome: 'aborted', aborted: true },
    ]);
    expect((reason as DOMException).name).toBe('AbortError');
    gate.resolve();
  });

  it('knows the outcome of a response that ended before it was watched, and calls late listeners at once', async () => {
    const res = new ServerResponse({ method: 'GET', httpVersion: '1.1', headers: {} } as IncomingMessage);
    res.destroy();
    await once(res, 'close');
    const watch = new ResponseWatch(res);
    expect(watch.aborted).toBe(true);
    expect(watch.signal.aborted).toBe(true);
    const outcomes: ResponseOutcome[] = [];
    watch.onEnd((outcome) => outcomes.push(outcome));
    expect(outcomes).toEqual(['aborted']);

    const finished = Object.create(ServerResponse.prototype, { writableFinished: { value: true }, destroyed: { value: true } }) as ServerResponse;
    const done = new ResponseWatch(finished);
    expect([done.ended, done.aborted, done.signal.aborted]).toEqual([true, false, false]);
    await expect(done.whenEnded()).resolves.toBe('finished');
  });

  it('aborts the abortOnClose targets with the signal’s reason before the end listeners, and calls every end listener in order', async () => {
    const gate = deferred<void>();
    const seen: string[] = [];
    let watch: ResponseWatch | undefined;
    const app = express();
    app.get('/', async (_req, res) => {
      watch = watchResponse(res);
      const signal = watch.signal;
      for (const name of ['a', 'b', 'c']) watch.onEnd((outcome) => seen.push(`${name}:${outcome}`));
      for (const name of ['x', 'y']) watch.abortOnClose({ abort: (reason) => seen.push(`${name}:${reason === signal.reason}`) });
      await gate.promise;
    });
    const url = await listen(app);
    const request = abortableFetch(url);
    await until(() => watch !== undefined);
    request.abort();
    await request.settled;
    await until(() => seen.length === 5);
    expect(seen).toEqual(['x:true', 'y:true', 'a:aborted', 'b:aborted', 'c:aborted']);
    expect(watch?.abortReason).toBeInstanceOf(DOMException);
    gate.resolve();
  });

  it('aborts a late abortOnClose target at once after an abort, and never after a full response', async () => {
    const gone = new ServerResponse({ method: 'GET', httpVersion: '1.1', headers: {} } as IncomingMessage);
    gone.destroy();
    await once(gone, 'close');
    const aborted: unknown[] = [];
    const watch = watchResponse(gone);
    watch.abortOnClose({ abort: (reason) => aborted.push(reason) });
    expect(aborted).toEqual([watch.abortReason]);
    expect(watch.signal.reason).toBe(watch.abortReason);

    const finished = Object.create(ServerResponse.prototype, { writableFinished: { value: true }, destroyed: { value: true } }) as ServerResponse;
    const done = watchResponse(finished);
    done.abortOnClose({ abort: (reason) => aborted.push(reason) });
    expect(aborted).toHaveLength(1);
    expect(done.abortReason).toBeUndefined();
  });

  it('calls settleOnEnd handlers with their data and the response, in order with onEnd listeners, past the two kept in fields', async () => {
    const seen: string[] = [];
    let response: unknown;
    const handler = {
      responseEnded(outcome: ResponseOutcome, data: string, res: ServerResponse): void {
        seen.push(`${data}:${outcome}:${res === response}`);
      },
    };
    const app = express();
    app.get('/', (_req, res) => {
      response = res;
      const watch = watchResponse(res);
      watch.settleOnEnd(handler, 'first');
      watch.onEnd((outcome) => seen.push(`listener:${outcome}`));
      watch.settleOnEnd(handler, 'third');
      watch.settleOnEnd(handler, 'fourth');
      res.send('ok');
    });
    const url = await listen(app);
    expect(await (await fetch(url)).text()).toBe('ok');
    await until(() => seen.length === 4);
    expect(seen).toEqual(['first:finished:true', 'listener:finished', 'third:finished:true', 'fourth:finished:true']);
  });

  it('calls a late settleOnEnd handler at once with the outcome', async () => {
    const gone = new ServerResponse({ method: 'GET', httpVersion: '1.1', headers: {} } as IncomingMessage);
    gone.destroy();
    await once(gone, 'close');
    const seen: unknown[] = [];
    watchResponse(gone).settleOnEnd({ responseEnded: (outcome, data, res) => seen.push(outcome, data, res === gone) }, 7);
    expect(seen).toEqual(['aborted', 7, true]);
  });
});
