import { VectorClock } from '../clocks/vector-clock.js';
import { CausalToken } from './causal-token.js';

describe('CausalToken', () => {
  const x = VectorClock.from({ a: 2 });
  const y = VectorClock.from({ b: 1 });

  it('joins the clocks a session sees, per key', () => {
    const token = CausalToken.empty.observe('k', x).observe('k', y).observe('j', y);
    expect(token.for('k').toJSON()).toEqual([['a', 2], ['b', 1]]);
    expect(token.for('j').toJSON()).toEqual([['b', 1]]);
    expect(token.for('none')).toBe(VectorClock.empty);
    expect(token.keys()).toEqual(['j', 'k']);
    expect(token.observe('k', x)).toBe(token); // nothing new
    expect(CausalToken.empty.observe('k', VectorClock.empty)).toBe(CausalToken.empty);
    expect(Object.isFrozen(token)).toBe(true);
  });

  it('forgets keys and merges tokens', () => {
    const token = CausalToken.empty.observe('k', x).observe('j', y);
    expect(token.forget('k').keys()).toEqual(['j']);
    expect(token.forget('zz')).toBe(token);
    const merged = CausalToken.empty.observe('k', y).merge(token);
    expect(merged.for('k').toJSON()).toEqual([['a', 2], ['b', 1]]);
    expect(merged.keys()).toEqual(['j', 'k']);
  });

  it('round-trips through JSON and validates what a client sends back', () => {
    const token = CausalToken.empty.observe('k', x);
    const json = JSON.parse(JSON.stringify(token)) as unknown;
    expect(json).toEqual([['k', [['a', 2]]]]);
    expect(CausalToken.fromJSON(json).for('k').equals(x)).toBe(true);
    expect(CausalToken.fromJSON([])).toBe(CausalToken.empty);
    expect(CausalToken.fromJSON([['k', []]]).keys()).toEqual([]);
    expect(() => CausalToken.fromJSON('x')).toThrow(/CausalToken.fromJSON: must be an array/);
    expect(() => CausalToken.fromJSON([[1, []]])).toThrow(/entry 0: must be \[key, clock\]/);
    expect(() => CausalToken.fromJSON([['k', []], ['k', []]])).toThrow(/entry 1: key listed twice/);
    expect(() => CausalToken.fromJSON([['k', [['a', -1]]]])).toThrow(/VectorClock.fromJSON: entry 0/);
    expect(() => CausalToken.empty.observe(1 as unknown as string, x)).toThrow(/key must be a string/);
    expect(() => CausalToken.empty.observe('k', {} as VectorClock)).toThrow(/clock must be a VectorClock/);
  });
});
