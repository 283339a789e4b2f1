import { LwwMap } from './lww-map.js';

const t = (wallMs: number, logical = 0) => ({ wallMs, logical });

describe('LwwMap', () => {
  it('sets, reads and deletes keys; the newer write of a key wins', () => {
    const map = LwwMap.empty<string>().set('theme', 'dark', t(1), 'a').set('lang', 'fr', t(2), 'a');
    expect(map.get('theme')).toBe('dark');
    expect(map.has('lang')).toBe(true);
    expect(map.keys()).toEqual(['lang', 'theme']);
    expect(map.entries()).toEqual([['lang', 'fr'], ['theme', 'dark']]);
    expect(map.size).toBe(2);
    const deleted = map.delete('theme', t(3), 'b');
    expect(deleted.get('theme')).toBeUndefined();
    expect(deleted.has('theme')).toBe(false);
    expect(deleted.size).toBe(1);
    expect(deleted.tombstones).toBe(1);
    expect(deleted.stamp('theme')).toEqual({ timestamp: t(3), replica: 'b' });
    expect(deleted.set('theme', 'light', t(2), 'c').get('theme')).toBeUndefined(); // older than the delete
    expect(deleted.delete('lang', t(0), 'a')).toBe(deleted); // older than the value
  });

  it('merges per key, keeping tombstones so a delete is not undone by an older copy', () => {
    const base = LwwMap.empty<number>().set('x', 1, t(1), 'a');
    const deleted = base.delete('x', t(2), 'a');
    const other = LwwMap.empty<number>().set('y', 2, t(1), 'b');
    expect(deleted.merge(base).get('x')).toBeUndefined();
    expect(base.merge(deleted).get('x')).toBeUndefined();
    expect(deleted.merge(other).entries()).toEqual([['y', 2]]);
    expect(deleted.merge(LwwMap.empty())).toBe(deleted);
    expect(LwwMap.empty<number>().merge(deleted)).toBe(deleted);
    expect(base.merge(base.set('x', 0, t(0), 'z'))).toBe(base);
    // Equal stamps: the replica id decides, then (last resort) the value, a delete first.
    const tieA = LwwMap.empty<number>().set('k', 1, t(5), 'a');
    const tieB = LwwMap.empty<number>().set('k', 2, t(5), 'b');
    expect(tieA.merge(tieB).get('k')).toBe(2);
    expect(tieB.merge(tieA).get('k')).toBe(2);
    const tieDelete = LwwMap.empty<number>().delete('k', t(5), 'b');
    expect(tieB.merge(tieDelete).has('k')).toBe(false);
    expect(tieDelete.merge(tieB).has('k')).toBe(false);
  });

  it('purgeTombstones drops tombstones older than a stable time', () => {
    const map = LwwMap.empty<number>().set('x', 1, t(1), 'a').delete('x', t(2), 'a').set('y', 1, t(1), 'a').delete('y', t(9), 'a');
    const purged = map.purgeTombstones(t(5));
    expect(purged.tombstones).toBe(1);
    expect(purged.stamp('x')).toBeUndefined();
    expect(purged.stamp('y')).toBeDefined();
    expect(purged.purgeTombstones(t(5))).toBe(purged);
  });

  it('serialises values and tombstones sorted by key, validating untrusted input', () => {
    const map = LwwMap.empty<number>().set('b', 2, t(1, 1), 'a').delete('a', t(3), 'b');
    const json = JSON.parse(JSON.stringify(map)) as unknown;
    expect(json).toEqual([
      { key: 'a', deleted: true, timestamp: [3, 0], replica: 'b' },
      { key: 'b', value: 2, timestamp: [1, 1], replica: 'a' },
    ]);
    const back = LwwMap.fromJSON<number>(json);
    expect(back.entries()).toEqual([['b', 2]]);
    expect(back.tombstones).toBe(1);
    expect(LwwMap.fromJSON(json, (v) => Number(v) * 2).get('b')).toBe(4);
    expect(() => LwwMap.fromJSON({})).toThrow(/LwwMap.fromJSON: must be an array/);
    expect(() => LwwMap.fromJSON([{ key: 1 }])).toThrow(/entry 0: key: must be a string/);
    expect(() => LwwMap.fromJSON([{ key: 'a', value: 1, timestamp: [1, 0], replica: 'a' }, { key: 'a', deleted: true, timestamp: [1, 0], replica: 'a' }])).toThrow(/entry 1: key: listed twice/);
    expect(() => LwwMap.fromJSON([{ key: 'a', timestamp: [1, 0], replica: 'a' }])).toThrow(/needs a value or deleted: true/);
    expect(() => LwwMap.fromJSON([{ key: 'a', value: 1, timestamp: 'now', replica: 'a' }])).toThrow(/entry 0: timestamp/);
    expect(() => LwwMap.empty().set('k', undefined, t(1), 'a')).toThrow(/must not be undefined \(use delete\)/);
    expect(() => LwwMap.empty().set(1 as unknown as string, 1, t(1), 'a')).toThrow(/key must be a string/);
    expect(() => LwwMap.empty().delete(1 as unknown as string, t(1), 'a')).toThrow(/key must be a string/);
    expect(() => LwwMap.empty().delete('k', t(1), '')).toThrow(/LwwMap.delete: replica/);
  });
});
