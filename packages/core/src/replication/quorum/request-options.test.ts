import { resolveRequest } from './request-options.js';

const defaults = { consistency: 'strong' as const, replicas: 3, clusterSize: 5, requestTimeoutMs: 1000 };

describe('resolveRequest', () => {
  it('fills in each level’s defaults', () => {
    expect(resolveRequest({}, defaults, 'get')).toEqual({ consistency: 'strong', n: 3, r: 2, w: 2, sloppy: false, timeoutMs: 1000 });
    expect(resolveRequest({ consistency: 'eventual' }, defaults, 'get')).toEqual({ consistency: 'eventual', n: 3, r: 1, w: 1, sloppy: true, timeoutMs: 1000 });
    expect(resolveRequest({ consistency: 'weak' }, defaults, 'get')).toEqual({ consistency: 'weak', n: 3, r: 1, w: 1, sloppy: false, timeoutMs: 1000 });
    expect(resolveRequest({ n: 5 }, defaults, 'get')).toMatchObject({ r: 3, w: 3 });
    expect(resolveRequest({ n: 4, r: 3, w: 2, timeoutMs: 50 }, defaults, 'get')).toMatchObject({ n: 4, r: 3, w: 2, timeoutMs: 50 });
    expect(resolveRequest({ consistency: 'eventual', sloppy: false, r: 3, w: 3 }, defaults, 'get')).toMatchObject({ sloppy: false, r: 3, w: 3 });
  });

  it.each([
    [{ consistency: 'linear' }, /get: consistency must be 'strong', 'eventual' or 'weak', got linear/],
    [{ n: 6 }, /get: n must be an integer in \[1, 5\], got 6/],
    [{ n: 0 }, /get: n must be/],
    [{ r: 4 }, /get: r must be an integer in \[1, 3\], got 4/],
    [{ w: 1.5 }, /get: w must be/],
    [{ r: 1, w: 2 }, /'strong' needs r \+ w > n, got r=1, w=2, n=3/],
    [{ sloppy: true }, /'strong' cannot use a sloppy quorum/],
    [{ consistency: 'weak', r: 2 }, /'weak' reads and writes one replica; r and w must be 1, got r=2, w=1/],
    [{ timeoutMs: 0 }, /get: timeoutMs must be a positive number, got 0/],
  ])('rejects %j with a RangeError naming the option', (options, message) => {
    expect(() => resolveRequest(options as never, defaults, 'get')).toThrow(RangeError);
    expect(() => resolveRequest(options as never, defaults, 'get')).toThrow(message);
  });
});
