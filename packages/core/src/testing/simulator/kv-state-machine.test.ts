import fc from 'fast-check';
import { type KvInput, kvModel } from '../linearizability/kv-model.js';
import { type KvCommand, decodeKvCommand, encodeKvCommand } from './kv-command.js';
import { KvStateMachine } from './kv-state-machine.js';

const register = (nonce = 'c#1'): KvCommand => ({ type: 'register', nonce, timeMs: 0 });
const op = (seq: number, input: KvInput, timeMs = 1, ack = seq - 1, session = 1): KvCommand => ({ type: 'op', session, seq, ack, op: input, timeMs });

describe('KvStateMachine', () => {
  it('runs get, put, append, cas and delete; a missing key reads as the empty string', () => {
    const kv = new KvStateMachine({ sessions: { expireAfterMs: 1000 } });
    expect(kv.apply(1, register())).toEqual({ status: 'registered', session: 1 });
    const results = [
      kv.apply(2, op(1, { op: 'get', key: 'x' })),
      kv.apply(3, op(2, { op: 'put', key: 'x', value: 'a' })),
      kv.apply(4, op(3, { op: 'append', key: 'x', value: 'b' })),
      kv.apply(5, op(4, { op: 'cas', key: 'x', expected: 'zz', value: 'c' })),
      kv.apply(6, op(5, { op: 'cas', key: 'x', expected: 'ab', value: 'c' })),
      kv.apply(7, op(6, { op: 'get', key: 'x' })),
      kv.apply(8, op(7, { op: 'delete', key: 'x' })),
      kv.apply(9, op(8, { op: 'cas', key: 'x', expected: '', value: 'd' })),
    ].map((r) => (r.status === 'ok' ? r.output : r.status));
    expect(results).toEqual(['', undefined, undefined, false, true, 'c', undefined, true]);
    expect(kv.get('x')).toBe('d');
  });

  it('agrees with kvModel on any sequence of operations (property)', () => {
    const input = fc.oneof(
      fc.record({ op: fc.constant('get' as const), key: fc.constantFrom('a', 'b') }),
      fc.record({ op: fc.constantFrom('put' as const, 'append' as const), key: fc.constantFrom('a', 'b'), value: fc.constantFrom('1', '2') }),
      fc.record({ op: fc.constant('cas' as const), key: fc.constantFrom('a', 'b'), expected: fc.constantFrom('', '1', '12'), value: fc.constantFrom('1', '2') }),
      fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom('a', 'b') }),
    );
    fc.assert(
      fc.property(fc.array(input, { maxLength: 40 }), (inputs) => {
        const model = kvModel();
        const kv = new KvStateMachine({ sessions: { expireAfterMs: 1000 } });
        kv.apply(1, register());
        const state = new Map<string, string>();
        return inputs.every((input, i) => {
          const result = kv.apply(i + 2, op(i + 1, input as KvInput));
          if (result.status !== 'ok') return false;
          const key = input.key;
          const next = model.step(state.get(key) ?? model.init(), input as KvInput, result.output);
          if (next.length !== 1) return false;
          state.set(key, next[0] as string);
          return kv.get(key) === next[0];
        });
      }),
    );
  });

  it('runs a retried command once and answers it from the session; a late copy is stale', () => {
    const kv = new KvStateMachine({ sessions: { expireAfterMs: 1000 } });
    kv.apply(1, register());
    const append = op(1, { op: 'append', key: 'x', value: 'a' });
    kv.apply(2, append);
    expect(kv.apply(3, append)).toEqual({ status: 'ok', output: undefined });
    expect(kv.get('x')).toBe('a');
    kv.apply(4, op(2, { op: 'get', key: 'x' }, 1, 1));
    expect(kv.apply(5, append)).toEqual({ status: 'stale' });
  });

  it('answers expired for an unknown or idle session', () => {
    const kv = new KvStateMachine({ sessions: { expireAfterMs: 100 } });
    expect(kv.apply(1, op(1, { op: 'get', key: 'x' }))).toEqual({ status: 'expired' });
    kv.apply(2, { type: 'register', nonce: 'n', timeMs: 0 });
    expect(kv.apply(3, op(1, { op: 'get', key: 'x' }, 102, 0, 2))).toEqual({ status: 'expired' });
  });

  it('with dedup off (a planted bug), runs every copy again', () => {
    const kv = new KvStateMachine({ sessions: { expireAfterMs: 100 }, dedup: false });
    kv.apply(1, register());
    const append = op(1, { op: 'append', key: 'x', value: 'a' });
    kv.apply(2, append);
    kv.apply(3, append);
    expect(kv.get('x')).toBe('aa');
    expect(kv.apply(4, op(1, { op: 'append', key: 'x', value: 'a' }, 1, 0, 9))).toEqual({ status: 'expired' });
  });

  it('restores from its snapshot, sessions and cached answers included', () => {
    const kv = new KvStateMachine({ sessions: { expireAfterMs: 1000 } });
    kv.apply(1, register());
    kv.apply(2, op(1, { op: 'put', key: 'y', value: '1' }));
    kv.apply(3, op(2, { op: 'put', key: 'x', value: '2' }, 1, 0));
    const copy = new KvStateMachine({ sessions: { expireAfterMs: 1000 } });
    copy.restore(kv.snapshot());
    expect(copy.fingerprint()).toBe(kv.fingerprint());
    expect(copy.get('x')).toBe('2');
    expect(copy.apply(4, op(1, { op: 'put', key: 'y', value: 'again' }, 2, 0))).toEqual({ status: 'ok', output: undefined });
    expect(copy.get('y')).toBe('1');
    copy.restore(new Uint8Array(0));
    expect(copy.get('x')).toBe('');
    expect(copy.apply(5, op(3, { op: 'get', key: 'x' }))).toEqual({ status: 'expired' });
  });
});

describe('KV commands', () => {
  it('round-trip through bytes; an empty entry is no command', () => {
    const command = op(3, { op: 'cas', key: 'k', expected: 'a', value: 'b' });
    expect(decodeKvCommand(encodeKvCommand(command))).toEqual(command);
    expect(decodeKvCommand(new Uint8Array(0))).toBeUndefined();
    expect(() => decodeKvCommand(new TextEncoder().encode('{"type":"x"}'))).toThrow(TypeError);
  });
});
