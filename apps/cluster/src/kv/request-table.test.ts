import { RequestTable } from './request-table.js';

const record = (revision: number) => ({ fingerprint: 'put\u0000k', result: { type: 'ok' as const, key: 'k', revision } });

describe('RequestTable', () => {
  it('forgets the oldest ids beyond its bound, also when restoring more than it holds', () => {
    const table = new RequestTable(2);
    table.remember('a', record(1));
    table.remember('b', record(2));
    table.remember('c', record(3));
    expect(table.entries().map(([id]) => id)).toEqual(['b', 'c']);
    expect(table.get('a')).toBeUndefined();
    expect(table.get('c')).toEqual(record(3));
    table.restore([['x', record(1)], ['y', record(2)], ['z', record(3)]]);
    expect(table.entries().map(([id]) => id)).toEqual(['y', 'z']);
    expect(table.size).toBe(2);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses maxEntries %p', (max) => {
    expect(() => new RequestTable(max)).toThrow(RangeError);
  });
});
