import { MvRegister } from './mv-register.js';

describe('MvRegister', () => {
  const base = MvRegister.empty<string>().assign('blue', 'a');

  it('keeps concurrent writes as siblings until a write that saw them replaces them', () => {
    const x = base.assign('green', 'a');
    const y = base.assign('red', 'b');
    const both = x.merge(y);
    expect(both.values).toEqual(['green', 'red']);
    expect(y.merge(x).values).toEqual(['green', 'red']);
    const resolved = both.assign('teal', 'c');
    expect(resolved.values).toEqual(['teal']);
    expect(resolved.merge(x).values).toEqual(['teal']);
    expect(resolved.merge(y).merge(both).values).toEqual(['teal']);
    expect(resolved.context.toJSON()).toEqual([['a', 2], ['b', 1], ['c', 1]]);
  });

  it('a write replaces what it has seen and nothing else', () => {
    const x = base.assign('green', 'a');
    expect(x.merge(base).values).toEqual(['green']); // base's value was seen by x
    const fresh = MvRegister.empty<string>().assign('other', 'b');
    expect(x.merge(fresh).values).toEqual(['green', 'other']);
    expect(MvRegister.empty<string>().values).toEqual([]);
    expect(base.merge(base)).toBe(base);
  });

  it('serialises with its context, validating untrusted input', () => {
    const both = base.assign('green', 'a').merge(base.assign('red', 'b'));
    const json = JSON.parse(JSON.stringify(both)) as unknown;
    expect(json).toEqual({ values: [['a', 2, 'green'], ['b', 1, 'red']], context: [['a', 2], ['b', 1]] });
    expect(MvRegister.fromJSON<string>(json).values).toEqual(['green', 'red']);
    expect(MvRegister.fromJSON(json, (v) => String(v).toUpperCase()).values).toEqual(['GREEN', 'RED']);
    expect(() => MvRegister.fromJSON({ values: [['a', 3, 'x']], context: [['a', 2]] })).toThrow(/values\[0\]: the context must cover every dot/);
    expect(() => MvRegister.fromJSON({ values: [['a', 1, 'x'], ['a', 1, 'y']], context: [['a', 1]] })).toThrow(/dot listed twice/);
    expect(() => MvRegister.fromJSON({ values: [['a', 1]], context: [['a', 1]] })).toThrow(/must be \[replica, counter, value\]/);
    expect(() => MvRegister.fromJSON({ values: [['a', 1, undefined]], context: [['a', 1]] })).toThrow(/value is required/);
    expect(() => MvRegister.fromJSON({ values: {}, context: [] })).toThrow(/values: must be an array/);
    expect(() => MvRegister.fromJSON('x')).toThrow(/must be an object/);
    expect(() => base.assign('x', '')).toThrow(/replica/);
    expect(() => base.assign(undefined as unknown as string, 'a')).toThrow(/must not be undefined/);
  });
});
