import { isBulwarkError } from '@bulwark/core';
import { HttpStatusError, isHttpStatusError } from './http-status-error.js';
import { OriginLimitError } from './origin-limit-error.js';

describe('HttpStatusError', () => {
  it('carries the response, its status and the Retry-After delay, and names itself', () => {
    const response = new Response('busy', { status: 503, statusText: 'Service Unavailable' });
    const error = new HttpStatusError(response, 2000, 'GET https://a.example/x');
    expect(error).toMatchObject({ name: 'HttpStatusError', code: 'EHTTPSTATUS', status: 503, retryAfterMs: 2000, response });
    expect(error.message).toBe('GET https://a.example/x answered 503 Service Unavailable');
    expect(new HttpStatusError(new Response(null, { status: 500 }), undefined, 'GET /').message).toBe('GET / answered 500');
    expect(String(error)).toBe('HttpStatusError: GET https://a.example/x answered 503 Service Unavailable');
    expect(isBulwarkError(error)).toBe(true);
  });

  it('is recognised by its guard, by code, and nothing else is', () => {
    expect(isHttpStatusError(new HttpStatusError(new Response(null, { status: 502 }), undefined, 'x'))).toBe(true);
    expect(isHttpStatusError(new OriginLimitError('https://a.example', 1))).toBe(false);
    expect(isHttpStatusError({ code: 'EHTTPSTATUS' })).toBe(false); // no brand
    expect(isHttpStatusError(new Error('x'))).toBe(false);
    expect(isHttpStatusError(null)).toBe(false);
  });
});
