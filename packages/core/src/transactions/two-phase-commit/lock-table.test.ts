import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { LockTable } from './lock-table.js';

describe('LockTable', () => {
  it('shares read locks, excludes writes, upgrades a read-and-write key, and releases', () => {
    const locks = new LockTable();
    expect(locks.conflicts('a', ['r'], ['w'])).toEqual([]);
    locks.acquire('a', ['r', 'both'], ['w', 'both']);
    expect(locks.list()).toEqual([
      { key: 'both', mode: 'exclusive', holders: ['a'] },
      { key: 'r', mode: 'shared', holders: ['a'] },
      { key: 'w', mode: 'exclusive', holders: ['a'] },
    ]);
    expect(locks.conflicts('b', ['r'], [])).toEqual([]);
    locks.acquire('b', ['r'], []);
    expect(locks.conflicts('c', [], ['r']).sort()).toEqual(['a', 'b']);
    expect(locks.conflicts('c', ['w'], [])).toEqual(['a']);
    expect(locks.conflicts('a', ['w'], ['r'])).toEqual(['b']); // its own locks never conflict
    expect(() => locks.acquire('c', [], ['w'])).toThrow(/conflicts/);
    expect(locks.holds('a')).toBe(true);
    locks.release('a');
    locks.release('a');
    expect(locks.holds('a')).toBe(false);
    expect(locks.list()).toEqual([{ key: 'r', mode: 'shared', holders: ['b'] }]);
    expect(locks.size).toBe(1);
  });

  it('agrees with a naive reference on random acquire/release sequences (property)', () => {
    const key = fc.constantFrom('k1', 'k2', 'k3');
    const op = fc.record({ tx: fc.constantFrom('a', 'b', 'c', 'd'), release: fc.boolean(), reads: fc.array(key, { maxLength: 2 }), writes: fc.array(key, { maxLength: 2 }) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const table = new LockTable();
        const held = new Map<string, { reads: Set<string>; writes: Set<string> }>();
        for (const o of ops) {
          if (o.release) {
            table.release(o.tx);
            held.delete(o.tx);
            continue;
          }
          // Naive: conflicts with another holder writing a key I touch, or reading a key I write.
          const expected = [...held]
            .filter(([tx, h]) => tx !== o.tx && ([...o.reads, ...o.writes].some((k) => h.writes.has(k)) || o.writes.some((k) => h.reads.has(k))))
            .map(([tx]) => tx)
            .sort();
          expect(table.conflicts(o.tx, o.reads, o.writes).sort()).toEqual(expected);
          if (expected.length === 0) {
            table.acquire(o.tx, o.reads, o.writes);
            const h = held.get(o.tx) ?? { reads: new Set<string>(), writes: new Set<string>() };
            for (const k of o.writes) h.writes.add(k);
            for (const k of o.reads) h.reads.add(k);
            held.set(o.tx, h);
          }
        }
        // Exclusive holders are alone on their key.
        for (const info of table.list()) if (info.mode === 'exclusive') expect(info.holders).toHaveLength(1);
      }),
      { numRuns: 300 },
    );
  });
});
