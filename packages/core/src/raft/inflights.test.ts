import fc from 'fast-check';
import { Inflights } from './inflights.js';

describe('Inflights (etcd tracker/inflights.go)', () => {
  it('fills by count, frees up to an acknowledged index, and wraps around its ring', () => {
    const window = new Inflights(3, Infinity);
    window.add(2, 10);
    window.add(5, 10);
    window.add(9, 10);
    expect([window.full(), window.count, window.bytes]).toEqual([true, 3, 30]);
    expect(() => window.add(10, 1)).toThrow(/full/);
    window.freeLE(5);
    expect([window.full(), window.count, window.bytes]).toEqual([false, 1, 10]);
    window.add(11, 1);
    window.add(12, 1); // wraps
    window.freeLE(11);
    expect([window.count, window.bytes]).toEqual([1, 1]);
  });

  it('fills by bytes; one append always fits', () => {
    const window = new Inflights(10, 100);
    window.add(1, 250);
    expect(window.full()).toBe(true);
    window.freeLE(1);
    window.add(2, 60);
    expect(window.full()).toBe(false);
    window.add(3, 40);
    expect(window.full()).toBe(true);
  });

  it('frees the oldest on request, resets, and refuses an index that does not follow', () => {
    const window = new Inflights(2, Infinity);
    window.add(4, 1);
    expect(() => window.add(4, 1)).toThrow(/does not follow/);
    window.add(6, 2);
    window.freeFirst();
    expect([window.count, window.bytes]).toEqual([1, 2]);
    window.reset();
    expect([window.count, window.bytes, window.full()]).toEqual([0, 0, false]);
    window.freeFirst(); // nothing to free
    expect(window.count).toBe(0);
  });

  it('matches a plain list under any sequence of adds and frees', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), bytes: fc.nat(20) }),
      fc.record({ kind: fc.constant('free' as const), upTo: fc.nat(40) }),
      fc.record({ kind: fc.constant('first' as const) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 60 }), (capacity, ops) => {
        const window = new Inflights(capacity, 30);
        const model: { index: number; bytes: number }[] = [];
        let next = 1;
        for (const o of ops) {
          if (o.kind === 'add') {
            if (model.length === capacity) continue;
            window.add(next, o.bytes);
            model.push({ index: next++, bytes: o.bytes });
          } else if (o.kind === 'free') {
            window.freeLE(o.upTo);
            while (model.length > 0 && (model[0] as { index: number }).index <= o.upTo) model.shift();
          } else {
            window.freeFirst();
            model.shift();
          }
          const bytes = model.reduce((sum, m) => sum + m.bytes, 0);
          expect([window.count, window.bytes, window.full()]).toEqual([model.length, bytes, model.length === capacity || bytes >= 30]);
        }
      }),
    );
  });
});
