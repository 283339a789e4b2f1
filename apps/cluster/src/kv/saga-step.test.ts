import { SAGA_TOMBSTONE_PREFIX, decodeCommand, encodeCommand } from './kv-command.js';
import type { KvCommand } from './kv-command.js';
import { KvStateMachine } from './kv-state-machine.js';

const TOMBSTONE = `${SAGA_TOMBSTONE_PREFIX}true,"idempotencyKey":"s:0"}`;
const APPLIED = '{"applied":true,"idempotencyKey":"s:0"}';
type Counter = { key: string; delta: number };
const action = (key: string, counter?: Counter, idempotencyKey = 's:0'): KvCommand => ({
  op: 'saga-step',
  phase: 'action',
  key,
  value: JSON.stringify({ applied: true, idempotencyKey }),
  idempotencyKey,
  ...(counter ? { counter } : {}),
});
const compensate = (key: string, counter?: Counter, idempotencyKey = 's:0'): KvCommand => ({
  op: 'saga-step',
  phase: 'compensate',
  key,
  value: JSON.stringify({ compensated: true, idempotencyKey }),
  idempotencyKey,
  ...(counter ? { counter } : {}),
});

describe('KvStateMachine saga-step', () => {
  it('applies an action once with its counter, and answers a repeat as a duplicate', () => {
    const kv = new KvStateMachine();
    const counter = { key: 'stock', delta: 3 };
    expect(kv.apply(encodeCommand(action('s/1', counter)), 1)).toEqual({ type: 'saga-step', key: 's/1', outcome: 'applied', value: APPLIED, revision: 1 });
    expect(kv.apply(encodeCommand(action('s/1', counter)), 2)).toEqual({ type: 'saga-step', key: 's/1', outcome: 'duplicate', value: APPLIED, revision: 1 });
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

  it('refuses, changing nothing, a counter result that is not a safe integer, so the counter stays usable', () => {
    const kv = new KvStateMachine();
    const max = Number.MAX_SAFE_INTEGER;
    kv.apply(encodeCommand({ op: 'put', key: 'cents', value: String(max - 5) }), 1);
    expect(kv.apply(encodeCommand(action('s/7', { key: 'cents', delta: 6 })), 2)).toMatchObject({ outcome: 'bad-counter', value: null });
    expect(kv.get('cents')).toEqual({ value: String(max - 5), revision: 1 });
    expect(kv.get('s/7')).toBeUndefined();
    // The counter still moves within range, up to the limit itself.
    expect(kv.apply(encodeCommand(action('s/8', { key: 'cents', delta: 5 })), 3)).toMatchObject({ outcome: 'applied' });
    expect(kv.get('cents')).toEqual({ value: String(max), revision: 3 });
    expect(kv.apply(encodeCommand(compensate('s/8', { key: 'cents', delta: 5 })), 4)).toMatchObject({ outcome: 'undone' });
    expect(kv.get('cents')?.value).toBe(String(max - 5));
    // A counter past 15 digits stays readable: it moves on.
    kv.apply(encodeCommand({ op: 'put', key: 'wide', value: '999999999999999' }), 20);
    expect(kv.apply(encodeCommand(action('s/11', { key: 'wide', delta: 1 })), 21)).toMatchObject({ outcome: 'applied' });
    expect(kv.apply(encodeCommand(action('s/12', { key: 'wide', delta: 1 })), 22)).toMatchObject({ outcome: 'applied' });
    expect(kv.get('wide')?.value).toBe('1000000000000001');
    // Below the negative limit too, and a stored value past the limit holds no integer.
    kv.apply(encodeCommand({ op: 'put', key: 'low', value: String(-max) }), 5);
    expect(kv.apply(encodeCommand(action('s/9', { key: 'low', delta: -1 })), 6)).toMatchObject({ outcome: 'bad-counter' });
    kv.apply(encodeCommand({ op: 'put', key: 'big', value: '9007199254740993' }), 7);
    expect(kv.apply(encodeCommand(action('s/10', { key: 'big', delta: -10 })), 8)).toMatchObject({ outcome: 'bad-counter' });
    expect(kv.get('big')?.value).toBe('9007199254740993');
  });

  it('answers conflict, changing nothing, when the key holds a value of another idempotency key (another saga\'s step)', () => {
    const kv = new KvStateMachine();
    const counter = { key: 'stock', delta: 3 };
    kv.apply(encodeCommand(action('s/5', counter, 'mine:0')), 1);
    // Another saga's action is not a duplicate of this one, and its compensation undoes nothing here.
    expect(kv.apply(encodeCommand(action('s/5', counter, 'other:0')), 2)).toMatchObject({ outcome: 'conflict', value: JSON.stringify({ applied: true, idempotencyKey: 'mine:0' }), revision: 1 });
    expect(kv.apply(encodeCommand(compensate('s/5', counter, 'other:0')), 3)).toMatchObject({ outcome: 'conflict', revision: 1 });
    expect(kv.get('stock')).toEqual({ value: '3', revision: 1 });
    // Nor may it touch this saga's tombstone, or a value a plain write put there.
    kv.apply(encodeCommand(compensate('s/5', counter, 'mine:0')), 4);
    expect(kv.apply(encodeCommand(compensate('s/5', counter, 'other:0')), 5)).toMatchObject({ outcome: 'conflict', revision: 4 });
    expect(kv.apply(encodeCommand(action('s/5', counter, 'other:0')), 6)).toMatchObject({ outcome: 'conflict', revision: 4 });
    kv.apply(encodeCommand({ op: 'put', key: 's/6', value: 'plain' }), 7);
    expect(kv.apply(encodeCommand(action('s/6', counter)), 8)).toMatchObject({ outcome: 'conflict', value: 'plain' });
    expect(kv.apply(encodeCommand(compensate('s/6', counter)), 9)).toMatchObject({ outcome: 'conflict', value: 'plain' });
    expect(kv.get('stock')).toEqual({ value: '0', revision: 4 });
  });

  it('survives a snapshot and restore (tombstones are ordinary values)', () => {
    const kv = new KvStateMachine();
    kv.apply(encodeCommand(compensate('s/4')), 1);
    const copy = new KvStateMachine();
    copy.restore(kv.snapshot());
    expect(copy.apply(encodeCommand(action('s/4')), 2)).toMatchObject({ outcome: 'refused' });
  });

  it('decodes only well-formed saga-step commands: a tombstone only for compensations, a value naming the idempotency key, a safe integer delta', () => {
    const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    expect(decodeCommand(encodeCommand(action('k', { key: 'c', delta: -2 })))).toEqual(action('k', { key: 'c', delta: -2 }));
    expect(decodeCommand(bytes({ op: 'saga-step', phase: 'action', key: 'k', value: TOMBSTONE, idempotencyKey: 's:0' }))).toBeUndefined();
    expect(decodeCommand(bytes({ op: 'saga-step', phase: 'compensate', key: 'k', value: APPLIED, idempotencyKey: 's:0' }))).toBeUndefined();
    expect(decodeCommand(bytes({ op: 'saga-step', phase: 'other', key: 'k', value: APPLIED, idempotencyKey: 's:0' }))).toBeUndefined();
    expect(decodeCommand(bytes({ op: 'saga-step', phase: 'action', key: 'k', value: APPLIED, idempotencyKey: 's:0', counter: { key: 'c', delta: 1.5 } }))).toBeUndefined();
    expect(decodeCommand(bytes({ op: 'saga-step', phase: 'action', key: 7, value: APPLIED, idempotencyKey: 's:0' }))).toBeUndefined();
    expect(decodeCommand(bytes({ op: 'saga-step', phase: 'action', key: 'k', value: APPLIED }))).toBeUndefined();
    expect(decodeCommand(bytes({ op: 'saga-step', phase: 'action', key: 'k', value: APPLIED, idempotencyKey: 's:1' }))).toBeUndefined();
    expect(decodeCommand(bytes({ op: 'saga-step', phase: 'action', key: 'k', value: 'v', idempotencyKey: 's:0' }))).toBeUndefined();
  });
});
