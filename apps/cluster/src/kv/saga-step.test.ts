import { SAGA_TOMBSTONE_PREFIX, decodeCommand, encodeCommand } from './kv-command.js';
import type { KvCommand } from './kv-command.js';
import { KvStateMachine } from './kv-state-machine.js';

const TOMBSTONE = `${SAGA_TOMBSTONE_PREFIX}true}`;
const action = (key: string, counter?: { key: string; delta: number }): KvCommand => ({ op: 'saga-step', phase: 'action', key, value: '{"applied":true}', ...(counter ? { counter } : {}) });
const compensate = (key: string, counter?: { key: string; delta: number }): KvCommand => ({ op: 'saga-step', phase: 'compensate', key, value: TOMBSTONE, ...(counter ? { counter } : {}) });

describe('KvStateMachine saga-step', () => {
  it('applies an action once with its counter, and answers a repeat as a duplicate', () => {
    const kv = new KvStateMachine();
    const counter = { key: 'stock', delta: 3 };
    expect(kv.apply(encodeCommand(action('s/1', counter)), 1)).toEqual({ type: 'saga-step', key: 's/1', outcome: 'applied', value: '{"applied":true}', revision: 1 });
    expect(kv.apply(encodeCommand(action('s/1', counter)), 2)).toEqual({ type: 'saga-step', key: 's/1', outcome: 'duplicate', value: '{"applied":true}', revision: 1 });
    expect(kv.get('stock')).toEqual({ value: '3', revision: 1 });
  });

  it('undoes an applied action once (tombstone, counter reverted); a late action is then refused', () => {
    const kv = new KvStateMachine();
    const counter = { key: 'stock', delta: 3 };
    kv.apply(encodeCommand({ op: 'put', key: 'stock', value: '10' }), 1);
    kv.apply(encodeCommand(action('s/1', counter)), 2);
    expect(kv.get('stock')?.value).toBe('13');
    expect(kv.apply(encodeCommand(compensate('s/1', counter)), 3)).toMatchObject({ outcome: 'undone', value: TOMBSTONE, revision: 3 });
    expect(kv.apply(encodeCommand(compensate('s/1', counter)), 4)).toMatchObject({ outcome: 'duplicate', revision: 3 });
    expect(kv.apply(encodeCommand(action('s/1', counter)), 5)).toMatchObject({ outcome: 'refused', value: TOMBSTONE });
    expect(kv.get('stock')?.value).toBe('10');
  });

  it('tombstones the compensation of an action never applied, leaving the counter alone', () => {
    const kv = new KvStateMachine();
    expect(kv.apply(encodeCommand(compensate('s/2', { key: 'stock', delta: 3 })), 1)).toMatchObject({ outcome: 'tombstoned', value: TOMBSTONE });
    expect(kv.get('stock')).toBeUndefined();
    expect(kv.apply(encodeCommand(action('s/2', { key: 'stock', delta: 3 })), 2)).toMatchObject({ outcome: 'refused' });
    expect(kv.get('stock')).toBeUndefined();
  });

  it('changes nothing when the counter holds no integer', () => {
    const kv = new KvStateMachine();
    kv.apply(encodeCommand({ op: 'put', key: 'stock', value: 'lots' }), 1);
    expect(kv.apply(encodeCommand(action('s/3', { key: 'stock', delta: 1 })), 2)).toMatchObject({ outcome: 'bad-counter', value: null });
    expect(kv.get('s/3')).toBeUndefined();
  });

  it('survives a snapshot and restore (tombstones are ordinary values)', () => {
    const kv = new KvStateMachine();
    kv.apply(encodeCommand(compensate('s/4')), 1);
    const copy = new KvStateMachine();
    copy.restore(kv.snapshot());
    expect(copy.apply(encodeCommand(action('s/4')), 2)).toMatchObject({ outcome: 'refused' });
  });

  it('decodes only well-formed saga-step commands: a tombstone only for compensations, a safe integer delta', () => {
    const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    expect(decodeCommand(encodeCommand(action('k', { key: 'c', delta: -2 })))).toEqual(action('k', { key: 'c', delta: -2 }));
    expect(decodeCommand(bytes({ op: 'saga-step', phase: 'action', key: 'k', value: TOMBSTONE }))).toBeUndefined();
    expect(decodeCommand(bytes({ op: 'saga-step', phase: 'compensate', key: 'k', value: '{"applied":true}' }))).toBeUndefined();
    expect(decodeCommand(bytes({ op: 'saga-step', phase: 'other', key: 'k', value: 'v' }))).toBeUndefined();
    expect(decodeCommand(bytes({ op: 'saga-step', phase: 'action', key: 'k', value: 'v', counter: { key: 'c', delta: 1.5 } }))).toBeUndefined();
    expect(decodeCommand(bytes({ op: 'saga-step', phase: 'action', key: 7, value: 'v' }))).toBeUndefined();
  });
});
