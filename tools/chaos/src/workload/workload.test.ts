import { SimRandom } from '@bulwark/core/testing';
import type { KvOperation } from '../history/history-recorder.js';
import { Workload } from './workload.js';

const draw = (workload: Workload, count: number, client = 0): KvOperation[] => Array.from({ length: count }, () => workload.next(client));

describe('Workload', () => {
  it('hands out the same operations for the same seed', () => {
    expect(draw(new Workload(new SimRandom(5)), 200)).toEqual(draw(new Workload(new SimRandom(5)), 200));
    expect(draw(new Workload(new SimRandom(5)), 200)).not.toEqual(draw(new Workload(new SimRandom(6)), 200));
  });

  it('uses keysAtOnce keys at a time and moves to fresh keys every keysAtOnce × operationsPerKey operations', () => {
    const workload = new Workload(new SimRandom(1), { keysAtOnce: 3, operationsPerKey: 10 });
    const ops = draw(workload, 90);
    expect(new Set(ops.slice(0, 30).map((o) => o.key))).toEqual(new Set(['k0.0', 'k0.1', 'k0.2']));
    expect(new Set(ops.slice(30, 60).map((o) => o.key))).toEqual(new Set(['k1.0', 'k1.1', 'k1.2']));
    expect(workload.operations).toBe(90);
    expect(workload.keys()).toEqual(['k0.0', 'k0.1', 'k0.2', 'k1.0', 'k1.1', 'k1.2', 'k2.0', 'k2.1', 'k2.2']);
    expect(new Workload(new SimRandom(1)).keys()).toEqual([]);
  });

  it('writes unique, non-empty values per client', () => {
    const workload = new Workload(new SimRandom(2));
    const values = [...draw(workload, 300, 0), ...draw(workload, 300, 1)].flatMap((o) => (o.f === 'put' || o.f === 'cas' ? [o.value] : []));
    expect(values.length).toBeGreaterThan(100);
    expect(new Set(values).size).toBe(values.length);
    expect(values.every((v) => /^[01]\.\d+$/.test(v))).toBe(true);
  });

  it('makes a cas expect the value last seen on its key, and a put when none was seen', () => {
    const workload = new Workload(new SimRandom(3), { keysAtOnce: 1, mix: { get: 0, put: 0, cas: 1, delete: 0 } });
    const first = workload.next(0);
    expect(first).toEqual({ f: 'put', key: 'k0.0', value: '0.1' });
    workload.observe(first, { type: 'ok' });
    expect(workload.next(0)).toEqual({ f: 'cas', key: 'k0.0', expected: '0.1', value: '0.2' });
    workload.observe({ f: 'get', key: 'k0.0' }, { type: 'ok', value: '1.7' });
    expect(workload.next(1)).toMatchObject({ f: 'cas', expected: '1.7' });
    workload.observe({ f: 'put', key: 'k0.0', value: '9.9' }, { type: 'info', reason: 'timeout' });
    expect(workload.next(1)).toMatchObject({ f: 'cas', expected: '1.7' });
    workload.observe({ f: 'delete', key: 'k0.0' }, { type: 'ok' });
    expect(workload.next(1)).toMatchObject({ f: 'put' });
  });

  it('follows the mix: a weight of 0 never comes up', () => {
    const ops = draw(new Workload(new SimRandom(4), { mix: { cas: 0, delete: 0 } }), 500);
    expect(new Set(ops.map((o) => o.f))).toEqual(new Set(['get', 'put']));
  });

  it('refuses bad options, naming them', () => {
    const random = new SimRandom(1);
    expect(() => new Workload(random, { keysAtOnce: 0 })).toThrow('options.keysAtOnce must be a positive integer, got 0');
    expect(() => new Workload(random, { operationsPerKey: 1.5 })).toThrow('options.operationsPerKey must be a positive integer, got 1.5');
    expect(() => new Workload(random, { mix: { get: -1 } })).toThrow('options.mix.get must be a finite number ≥ 0, got -1');
    expect(() => new Workload(random, { mix: { get: 0, put: 0, cas: 0, delete: 0 } })).toThrow('options.mix needs a positive weight');
  });
});
