import { parseRetryAfter } from './retry-after.js';

const NOW = Date.parse('2030-06-01T12:00:00Z');

describe('parseRetryAfter', () => {
  it.each<[string | null | undefined, number | undefined]>([
    ['0', 0],
    ['5', 5000],
    [' 120 ', 120_000],
    ['1.5', 1500],
    ['Sat, 01 Jun 2030 12:00:07 GMT', 7000],
    ['Sat, 01 Jun 2030 11:59:00 GMT', 0], // in the past
    ['Saturday, 01-Jun-30 12:00:03 GMT', 3000], // RFC 850, which HTTP-date still allows
    [null, undefined],
    [undefined, undefined],
    ['', undefined],
    ['-1', undefined],
    ['soon', undefined],
    ['1 2', undefined],
    ['1e3', undefined],
  ])('reads %j as %j ms', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });
});
