import { OrSet } from './or-set.js';

describe('OrSet', () => {
  const base = OrSet.empty<string>().add('milk', 'a');

  it('adds and removes, and a concurrent add wins over a remove', () => {
    const x = base.remove('milk');
    const y = base.add('milk', 'b');
    expect(x.has('milk')).toBe(false);
    expect(x.merge(y).has('milk')).toBe(true);
    expect(y.merge(x).has('milk')).toBe(true);
  });

  it('a remove wins over the adds it has seen', () => {
    const removed = base.add('eggs', 'a').remove('milk');
    expect(removed.merge(base).values()).toEqual(['eggs']);
    expect(base.merge(removed).values()).toEqual(['eggs']);
  });

  it('re-adding after a remove works, and adds of one element at two replicas both need removing', () => {
    const again = base.remove('milk').add('milk', 'a');
    expect(again.merge(base).has('milk')).toBe(true);
    const both = base.merge(OrSet.empty<string>().add('milk', 'b'));
    const removedHere = both.remove('milk');
    expect(removedHere.merge(both).has('milk')).toBe(false);
  });

  it('tells elements apart by type, sorts them, counts them, and ignores removing what is absent', () => {
    const set = OrSet.empty<string | number | boolean>().add(1, 'a').add('1', 'a').add(true, 'b').add('b', 'a');
    expect(set.size).toBe(4);
    expect(set.values()).toEqual([true, 1, '1', 'b']); // boolean:, number:, string: keys
    expect(set.remove('zzz')).toBe(set);
    expect(set.remove(1).has('1')).toBe(true);
    expect(set.merge(set)).toBe(set);
  });

  it('serialises elements with their dots and the context, validating untrusted input', () => {
    const set = base.add('eggs', 'b').remove('milk');
    const json = JSON.parse(JSON.stringify(set)) as unknown;
    expect(json).toEqual({ elements: [['eggs', [['b', 1]]]], context: [['a', 1], ['b', 1]] });
    const back = OrSet.fromJSON<string>(json);
    expect(back.values()).toEqual(['eggs']);
    expect(back.merge(base).has('milk')).toBe(false); // the context remembers milk's removed add
    const bad = (elements: unknown, context: unknown = [['a', 3]]) => () => OrSet.fromJSON({ elements, context });
    expect(bad([['x', [['a', 4]]]])).toThrow(/elements\[0\]: dots: the context must cover every dot/);
    expect(bad([['x', [['a', 1]]], ['x', [['a', 2]]]])).toThrow(/elements\[1\]: element listed twice/);
    expect(bad([['x', [['a', 1]]], ['y', [['a', 1]]]])).toThrow(/dot listed twice/);
    expect(bad([['x', []]])).toThrow(/an element needs at least one dot/);
    expect(bad([[{}, [['a', 1]]]])).toThrow(/an element must be a string, a finite number or a boolean/);
    expect(bad([['x', [['a']]]])).toThrow(/a dot must be \[replica, counter\]/);
    expect(bad([['x']])).toThrow(/must be \[element, dots\]/);
    expect(bad('x')).toThrow(/elements: must be an array/);
    expect(() => OrSet.fromJSON(null)).toThrow(/must be an object/);
    expect(() => base.add(NaN as unknown as string, 'a')).toThrow(/OrSet.add: element/);
    expect(() => base.add('x', '')).toThrow(/OrSet.add: replica/);
  });
});
