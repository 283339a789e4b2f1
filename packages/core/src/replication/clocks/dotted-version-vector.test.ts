import { DottedVersionVector, compareDots, dotKey } from './dotted-version-vector.js';
import { VectorClock } from './vector-clock.js';

const vc = (counters: Record<string, number>) => VectorClock.from(counters);

describe('DottedVersionVector', () => {
  const v1 = DottedVersionVector.event(VectorClock.empty, 'a', 1);
  const v2 = DottedVersionVector.event(v1.toVectorClock(), 'b', 1);
  const v3 = DottedVersionVector.event(v1.toVectorClock(), 'a', 2);

  it('orders versions by whether a context covers the other dot', () => {
    expect(v1.compare(v2)).toBe('before');
    expect(v2.compare(v1)).toBe('after');
    expect(v2.compare(v3)).toBe('concurrent');
    expect(v1.compare(DottedVersionVector.event(VectorClock.empty, 'a', 1))).toBe('equal');
    expect(v3.compare(v3)).toBe('equal');
  });

  it('tells apart two writes through one replica with the same context (no false ordering)', () => {
    // Both writers read v1 and wrote at a; a plain per-server version vector would make the
    // second {a:3} and order it after the first, silently losing it.
    const w1 = DottedVersionVector.event(v1.toVectorClock(), 'a', 2);
    const w2 = DottedVersionVector.event(v1.toVectorClock(), 'a', 3);
    expect(w1.compare(w2)).toBe('concurrent');
  });

  it('coveredBy, toVectorClock and toString', () => {
    expect(v1.coveredBy(vc({ a: 1 }))).toBe(true);
    expect(v3.coveredBy(vc({ a: 1, b: 5 }))).toBe(false);
    expect(v2.toVectorClock().toJSON()).toEqual([['a', 1], ['b', 1]]);
    expect(String(v2)).toBe('b:1{a:1}');
  });

  it('is frozen and validates its dot and the invariant that the context does not cover it', () => {
    expect(Object.isFrozen(v1)).toBe(true);
    expect(() => DottedVersionVector.event(vc({ a: 2 }), 'a', 2)).toThrow(RangeError);
    expect(() => DottedVersionVector.event(vc({ a: 2 }), 'a', 2)).toThrow(/already covers the dot a:2/);
    expect(() => DottedVersionVector.event(VectorClock.empty, '', 1)).toThrow(/dot.replica/);
    expect(() => DottedVersionVector.event(VectorClock.empty, 'a', 0)).toThrow(/dot.counter/);
    expect(() => new DottedVersionVector({ replica: 'a', counter: 1 }, {} as VectorClock)).toThrow(/context must be a VectorClock/);
  });

  it('round-trips through JSON and validates untrusted input', () => {
    const json = JSON.parse(JSON.stringify(v2)) as unknown;
    expect(json).toEqual({ dot: ['b', 1], context: [['a', 1]] });
    expect(DottedVersionVector.fromJSON(json).compare(v2)).toBe('equal');
    expect(() => DottedVersionVector.fromJSON(null)).toThrow(/DottedVersionVector.fromJSON: must be an object/);
    expect(() => DottedVersionVector.fromJSON({ dot: 'b1', context: [] })).toThrow(/dot: must be \[replica, counter\]/);
    expect(() => DottedVersionVector.fromJSON({ dot: ['b', -1], context: [] })).toThrow(/a counter must be a positive safe integer/);
    expect(() => DottedVersionVector.fromJSON({ dot: ['b', 1], context: 7 })).toThrow(/VectorClock.fromJSON: must be an array/);
    expect(() => DottedVersionVector.fromJSON({ dot: ['b', 1], context: [['b', 1]] })).toThrow(RangeError);
  });

  it('compareDots orders by replica then counter; dotKey is unambiguous', () => {
    expect([{ replica: 'b', counter: 1 }, { replica: 'a', counter: 2 }, { replica: 'a', counter: 1 }].sort(compareDots)).toEqual([
      { replica: 'a', counter: 1 },
      { replica: 'a', counter: 2 },
      { replica: 'b', counter: 1 },
    ]);
    expect(dotKey({ replica: '1:a', counter: 2 })).not.toBe(dotKey({ replica: 'a', counter: 21 }));
  });
});
