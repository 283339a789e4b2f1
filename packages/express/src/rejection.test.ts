import { jest } from '@jest/globals';
import { BulkheadRejectedError, RateLimitedError } from '@bulwark/core';
import type { NextFunction, Request, Response } from 'express';
import { reject } from './rejection.js';
import type { ResponseWatch } from './response-watch.js';

/** A stand-in response that records what is written to it. */
function fakeResponse(headersSent = false) {
  const written: Array<[string, unknown]> = [];
  const res = {
    headersSent,
    status: (code: number) => (written.push(['status', code]), res),
    setHeader: (name: string, value: string) => (written.push([name, value]), res),
    json: (body: unknown) => (written.push(['json', body]), res),
  };
  return { res: res as unknown as Response, written };
}

const watch = (aborted: boolean) => ({ aborted }) as ResponseWatch;
const req = {} as Request;

describe('reject', () => {
  it('sends httpErrorFor’s response for a policy error', () => {
    const { res, written } = fakeResponse();
    const next = jest.fn();
    reject({ gateway: false, onRejected: undefined }, new RateLimitedError(1_500), req, res, next as unknown as NextFunction, watch(false));
    expect(written).toEqual([
      ['status', 429],
      ['retry-after', '2'],
      ['json', { error: { code: 'ERATELIMITED', message: 'Rate limit exceeded; a permit is available in 1500ms', retryAfterMs: 1_500 } }],
    ]);
    expect(next).not.toHaveBeenCalled();
  });

  it('passes other errors, and any error once headers are sent, to next untouched', () => {
    const own = new Error('own');
    for (const [error, headersSent] of [
      [own, false],
      [new RateLimitedError(1), true],
    ] as const) {
      const { res, written } = fakeResponse(headersSent);
      const next = jest.fn();
      reject({ gateway: false, onRejected: undefined }, error, req, res, next as unknown as NextFunction, watch(false));
      expect(next).toHaveBeenCalledWith(error);
      expect(written).toEqual([]);
    }
  });

  it('answers nothing when the client went away', () => {
    const { res, written } = fakeResponse();
    const next = jest.fn();
    const onRejected = jest.fn();
    reject({ gateway: false, onRejected }, new BulkheadRejectedError('aborted'), req, res, next as unknown as NextFunction, watch(true));
    reject({ gateway: false, onRejected }, new RateLimitedError(1), req, res, next as unknown as NextFunction, watch(true));
    expect([written, next.mock.calls, onRejected.mock.calls]).toEqual([[], [], []]);
  });

  it('hands onRejected one frozen context', () => {
    const { res } = fakeResponse();
    const next = jest.fn();
    const contexts: unknown[] = [];
    const error = new RateLimitedError(10);
    reject({ gateway: false, onRejected: (context) => contexts.push(context) }, error, req, res, next as unknown as NextFunction, watch(false));
    expect(contexts).toEqual([{ error, response: expect.objectContaining({ status: 429 }), req, res, next }]);
    expect(Object.isFrozen(contexts[0])).toBe(true);
  });
});
