import { isBreakerFailureStatus, isIdempotentMethod, isResendableBody, isRetryableStatus } from './request-rules.js';

describe('request rules', () => {
  it('calls GET, HEAD, OPTIONS, PUT, DELETE and QUERY idempotent, in any case', () => {
    expect(['GET', 'head', 'Options', 'PUT', 'delete', 'QUERY'].every(isIdempotentMethod)).toBe(true);
    expect(['POST', 'PATCH', 'CONNECT', 'post'].some(isIdempotentMethod)).toBe(false);
  });

  it('retries 408, 429, 500, 502, 503 and 504 only', () => {
    const retried = [];
    for (let status = 100; status < 600; status++) if (isRetryableStatus(status)) retried.push(status);
    expect(retried).toEqual([408, 429, 500, 502, 503, 504]);
  });

  it('counts 408, 429 and every 5xx as breaker failures', () => {
    const failures = [];
    for (let status = 100; status < 600; status++) if (isBreakerFailureStatus(status)) failures.push(status);
    expect(failures).toEqual([408, 429, ...Array.from({ length: 100 }, (_, i) => 500 + i)]);
  });

  it('tells bodies that can be sent again from one-shot ones', () => {
    const resendable = [undefined, null, '', 'x', new ArrayBuffer(2), new Uint8Array(2), new DataView(new ArrayBuffer(1)), new Blob(['x']), new FormData(), new URLSearchParams('a=1')];
    expect(resendable.map(isResendableBody)).toEqual(resendable.map(() => true));
    const oneShot = [new Blob(['x']).stream(), (async function* () {
      yield 'x';
    })(), { toString: () => 'x' }, 42];
    expect(oneShot.map(isResendableBody)).toEqual(oneShot.map(() => false));
  });
});
