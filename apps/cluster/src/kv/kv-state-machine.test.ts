import fc from 'fast-check';
import { decodeCommand, encodeCommand } from './kv-command.js';
import type { KvCommand, KvResult } from './kv-command.js';
import { KvStateMachine } from './kv-state-machine.js';

const bytes = (command: KvCommand) => encodeCommand(command);

describe('KvStateMachine', () => {
  it('puts, reads, overwrites and deletes, stamping each change with its Raft index', () => {
    const kv = new KvStateMachine();
    expect(kv.apply(bytes({ op: 'put', key: 'a', value: '1' }), 3)).toEqual({ type: 'ok', key: 'a', revision: 3 });
    expect(kv.get('a')).toEqual({ value: '1', revision: 3 });
    expect(kv.apply(bytes({ op: 'put', key: 'a', value: '2' }), 7)).toEqual({ type: 'ok', key: 'a', revision: 7 });
    expect(kv.get('a')).toEqual({ value: '2', revision: 7 });
    expect(kv.apply(bytes({ op: 'delete', key: 'a' }), 8)).toEqual({ type: 'ok', key: 'a', revision: 8 });
    expect(kv.get('a')).toBeUndefined();
    expect(kv.apply(bytes({ op: 'delete', key: 'a' }), 9)).toEqual({ type: 'not-found', key: 'a' });
    expect(kv.lastIndex).toBe(9);
  });

  it('compares and sets: on a match, on absence with expected null, and answers the current value on a mismatch', () => {
    const kv = new KvStateMachine();
    expect(kv.apply(bytes({ op: 'cas', key: 'k', expected: 'x', value: 'y' }), 1)).toEqual({ type: 'mismatch', key: 'k', current: null });
    expect(kv.apply(bytes({ op: 'cas', key: 'k', expected: null, value: 'v1' }), 2)).toEqual({ type: 'ok', key: 'k', revision: 2 });
    expect(kv.apply(bytes({ op: 'cas', key: 'k', expected: null, value: 'v2' }), 3)).toEqual({ type: 'mismatch', key: 'k', current: { value: 'v1', revision: 2 } });
    expect(kv.apply(bytes({ op: 'cas', key: 'k', expected: 'v1', value: 'v2' }), 4)).toEqual({ type: 'ok', key: 'k', revision: 4 });
    expect(kv.get('k')).toEqual({ value: 'v2', revision: 4 });
  });

  it('treats __proto__, constructor and friends as ordinary keys', () => {
    const kv = new KvStateMachine();
    for (const [i, key] of ['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'prototype'].entries()) {
      expect(kv.get(key)).toBeUndefined();
      kv.apply(bytes({ op: 'put', key, value: `v${i}` }), i + 1);
      expect(kv.get(key)).toEqual({ value: `v${i}`, revision: i + 1 });
    }
    const copy = new KvStateMachine();
    copy.restore(kv.snapshot());
    expect(copy.get('__proto__')).toEqual({ value: 'v0', revision: 1 });
    expect(copy.size).toBe(5);
  });

  it('applies a command with a request id once, answering a retry with the first answer', () => {
    const kv = new KvStateMachine();
    const put = bytes({ op: 'put', key: 'a', value: '1', requestId: 'r1' });
    expect(kv.apply(put, 1)).toEqual({ type: 'ok', key: 'a', revision: 1 });
    kv.apply(bytes({ op: 'put', key: 'a', value: '2' }), 2);
    expect(kv.apply(put, 3)).toEqual({ type: 'ok', key: 'a', revision: 1 }); // not applied again
    expect(kv.get('a')).toEqual({ value: '2', revision: 2 });
    // A CAS retried after it succeeded answers success, not the mismatch a re-run would give.
    const cas = bytes({ op: 'cas', key: 'a', expected: '2', value: '3', requestId: 'r2' });
    expect(kv.apply(cas, 4)).toEqual({ type: 'ok', key: 'a', revision: 4 });
    expect(kv.apply(cas, 5)).toEqual({ type: 'ok', key: 'a', revision: 4 });
    expect(kv.requestIds).toBe(2);
  });

  it('refuses a request id reused for another operation or key, running nothing', () => {
    const kv = new KvStateMachine();
    kv.apply(bytes({ op: 'put', key: 'a', value: '1', requestId: 'r' }), 1);
    expect(kv.apply(bytes({ op: 'put', key: 'b', value: '1', requestId: 'r' }), 2)).toEqual({ type: 'request-id-reused', requestId: 'r' });
    expect(kv.apply(bytes({ op: 'delete', key: 'a', requestId: 'r' }), 3)).toEqual({ type: 'request-id-reused', requestId: 'r' });
    expect(kv.get('b')).toBeUndefined();
    expect(kv.get('a')).toEqual({ value: '1', revision: 1 });
  });

  it('remembers at most maxRequestIds ids, forgetting the oldest first', () => {
    const kv = new KvStateMachine({ maxRequestIds: 2 });
    kv.apply(bytes({ op: 'put', key: 'a', value: '1', requestId: 'r1' }), 1);
    kv.apply(bytes({ op: 'put', key: 'b', value: '1', requestId: 'r2' }), 2);
    kv.apply(bytes({ op: 'put', key: 'c', value: '1', requestId: 'r3' }), 3);
    expect(kv.requestIds).toBe(2);
    // r1 is forgotten: its retry runs again; r2 is still remembered.
    expect(kv.apply(bytes({ op: 'put', key: 'a', value: '1', requestId: 'r1' }), 4)).toEqual({ type: 'ok', key: 'a', revision: 4 });
    expect(kv.apply(bytes({ op: 'put', key: 'c', value: '1', requestId: 'r3' }), 5)).toEqual({ type: 'ok', key: 'c', revision: 3 });
  });

  it('answers invalid for an entry that is not a command, changing nothing', () => {
    const kv = new KvStateMachine();
    for (const raw of ['not json', '[]', '{"op":"put","key":1,"value":"x"}', '{"op":"explode"}', '{"op":"cas","key":"a","value":"x"}']) {
      expect(kv.apply(new TextEncoder().encode(raw), 1)).toEqual({ type: 'invalid' });
    }
    expect(kv.apply(new Uint8Array([0xff, 0xfe]), 2)).toEqual({ type: 'invalid' });
    expect(kv.size).toBe(0);
  });

  it('records member URLs through the log, telling the listener, and keeps them in snapshots', () => {
    const seen: Array<Record<string, string>> = [];
    const kv = new KvStateMachine({ onMemberUrls: (urls) => seen.push(Object.fromEntries(urls)) });
    expect(kv.apply(bytes({ op: 'member-url', id: 'd', url: 'http://127.0.0.1:7004' }), 1)).toEqual({ type: 'member-url', id: 'd' });
    expect(kv.memberUrls().get('d')).toBe('http://127.0.0.1:7004');
    const copy = new KvStateMachine();
    copy.restore(kv.snapshot());
    expect(copy.memberUrls().get('d')).toBe('http://127.0.0.1:7004');
    kv.apply(bytes({ op: 'member-url', id: 'd', url: null }), 2);
    expect(kv.memberUrls().size).toBe(0);
    expect(seen).toEqual([{ d: 'http://127.0.0.1:7004' }, {}]);
  });

  it('restores the empty state from empty data, and refuses data that is not its snapshot', () => {
    const kv = new KvStateMachine();
    kv.apply(bytes({ op: 'put', key: 'a', value: '1' }), 1);
    kv.restore(new Uint8Array());
    expect(kv.size).toBe(0);
    expect(() => kv.restore(new TextEncoder().encode('{"v":2}'))).toThrow('not a snapshot of this state machine');
  });
});

describe('decodeCommand', () => {
  it('round-trips every command', () => {
    const commands: KvCommand[] = [
      { op: 'put', key: 'k', value: 'v', requestId: 'r' },
      { op: 'delete', key: 'k' },
      { op: 'cas', key: 'k', expected: null, value: 'v' },
      { op: 'member-url', id: 'd', url: null },
    ];
    for (const command of commands) expect(decodeCommand(encodeCommand(command))).toEqual(command);
  });
});

// Model-based: the state machine against a naive reference (a plain Map plus a list of the
// request ids applied), over random operations, with snapshot and restore at random points.
type Op =
  | { kind: 'put'; key: string; value: string; rid?: string }
  | { kind: 'delete'; key: string; rid?: string }
  | { kind: 'cas'; key: string; expected: string | null; value: string; rid?: string }
  | { kind: 'snapshot' };

const keyArb = fc.constantFrom('a', 'b', '__proto__', 'constructor', 'ключ');
const valueArb = fc.constantFrom('1', '2', '3', '');
const ridArb = fc.option(fc.constantFrom('r1', 'r2', 'r3', 'r4', 'r5', 'r6'), { nil: undefined });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), key: keyArb, value: valueArb, rid: ridArb }),
  fc.record({ kind: fc.constant('delete' as const), key: keyArb, rid: ridArb }),
  fc.record({ kind: fc.constant('cas' as const), key: keyArb, expected: fc.option(valueArb, { nil: null }), value: valueArb, rid: ridArb }),
  fc.constant({ kind: 'snapshot' as const }),
);

function reference(ops: readonly Op[], maxIds: number) {
  const data = new Map<string, { value: string; revision: number }>();
  const ids: Array<{ id: string; fingerprint: string; result: KvResult }> = [];
  const results: KvResult[] = [];
  let index = 0;
  for (const op of ops) {
    if (op.kind === 'snapshot') continue;
    index++;
    const fingerprint = `${op.kind}\u0000${op.key}`;
    const seen = op.rid === undefined ? undefined : ids.find((r) => r.id === op.rid);
    if (seen !== undefined) {
      results.push(seen.fingerprint === fingerprint ? seen.result : { type: 'request-id-reused', requestId: op.rid as string });
      continue;
    }
    let result: KvResult;
    const current = data.get(op.key);
    if (op.kind === 'put') {
      data.set(op.key, { value: op.value, revision: index });
      result = { type: 'ok', key: op.key, revision: index };
    } else if (op.kind === 'delete') {
      result = current === undefined ? { type: 'not-found', key: op.key } : { type: 'ok', key: op.key, revision: index };
      data.delete(op.key);
    } else if (op.expected === null ? current === undefined : current?.value === op.expected) {
      data.set(op.key, { value: op.value, revision: index });
      result = { type: 'ok', key: op.key, revision: index };
    } else {
      result = { type: 'mismatch', key: op.key, current: current ?? null };
    }
    results.push(result);
    if (op.rid !== undefined) {
      ids.push({ id: op.rid, fingerprint, result });
      if (ids.length > maxIds) ids.shift();
    }
  }
  return { data, results };
}

describe('KvStateMachine against a reference model', () => {
  it('gives the same answers and state, through snapshots and restores, and two replicas stay identical', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), fc.integer({ min: 1, max: 4 }), (ops, maxIds) => {
        let kv = new KvStateMachine({ maxRequestIds: maxIds });
        const replica = new KvStateMachine({ maxRequestIds: maxIds });
        const results: KvResult[] = [];
        let index = 0;
        for (const op of ops) {
          if (op.kind === 'snapshot') {
            const restored = new KvStateMachine({ maxRequestIds: maxIds });
            restored.restore(kv.snapshot());
            kv = restored; // carry on from the restored copy: it must behave the same
            continue;
          }
          index++;
          const command: KvCommand =
            op.kind === 'put'
              ? { op: 'put', key: op.key, value: op.value, requestId: op.rid }
              : op.kind === 'delete'
                ? { op: 'delete', key: op.key, requestId: op.rid }
                : { op: 'cas', key: op.key, expected: op.expected, value: op.value, requestId: op.rid };
          const encoded = encodeCommand(command);
          results.push(kv.apply(encoded, index));
          replica.apply(encoded, index);
        }
        const model = reference(ops, maxIds);
        expect(results).toEqual(model.results);
        for (const key of ['a', 'b', '__proto__', 'constructor', 'ключ']) expect(kv.get(key)).toEqual(model.data.get(key));
        expect(kv.size).toBe(model.data.size);
        // Deterministic: the replica that never restored holds byte-identical state.
        expect(new TextDecoder().decode(replica.snapshot())).toBe(new TextDecoder().decode(kv.snapshot()));
      }),
      { numRuns: 300 },
    );
  });
});

describe('KvStateMachine transactions', () => {
  it("applies a transaction's writes at one participant together, deletes for null values, and once per (txId, participant)", () => {
    const kv = new KvStateMachine();
    kv.apply(bytes({ op: 'put', key: 'gone', value: 'x' }), 1);
    const apply = bytes({ op: 'txn-apply', txId: 't1', participant: 'n1', writes: [{ key: 'a', value: '1' }, { key: 'gone', value: null }] });
    expect(kv.apply(apply, 2)).toEqual({ type: 'txn-applied', txId: 't1', revision: 2, duplicate: false });
    expect(kv.get('a')).toEqual({ value: '1', revision: 2 });
    expect(kv.get('gone')).toBeUndefined();
    kv.apply(bytes({ op: 'put', key: 'a', value: 'later' }), 3);
    // A participant that re-applies after a restart changes nothing.
    expect(kv.apply(apply, 4)).toEqual({ type: 'txn-applied', txId: 't1', revision: 2, duplicate: true });
    expect(kv.get('a')).toEqual({ value: 'later', revision: 3 });
    // The same transaction at another participant is its own pair.
    expect(kv.apply(bytes({ op: 'txn-apply', txId: 't1', participant: 'n2', writes: [{ key: 'b', value: '2' }] }), 5)).toEqual({
      type: 'txn-applied',
      txId: 't1',
      revision: 5,
      duplicate: false,
    });
    expect(kv.get('b')).toEqual({ value: '2', revision: 5 });
  });

  it('keeps the first decision of a transaction until it ends', () => {
    const kv = new KvStateMachine();
    expect(kv.decision('t')).toBeUndefined();
    expect(kv.apply(bytes({ op: 'txn-decision', txId: 't', decision: 'commit', participants: ['n1', 'n2'], coordinator: 'n3' }), 1)).toEqual({
      type: 'txn-decision',
      txId: 't',
      decision: 'commit',
      first: true,
    });
    // An in-doubt participant's abort after the coordinator's commit is answered with the commit.
    expect(kv.apply(bytes({ op: 'txn-decision', txId: 't', decision: 'abort', participants: ['n1', 'n2'], coordinator: 'n1' }), 2)).toEqual({
      type: 'txn-decision',
      txId: 't',
      decision: 'commit',
      first: false,
    });
    expect(kv.decision('t')).toEqual({ decision: 'commit', participants: ['n1', 'n2'], coordinator: 'n3', index: 1 });
    expect(kv.decisionsOf('n3')).toEqual([{ txId: 't', decision: 'commit', participants: ['n1', 'n2'], coordinator: 'n3', index: 1 }]);
    expect(kv.decisionsOf('n1')).toEqual([]);
    expect(kv.decisions).toBe(1);
    expect(kv.apply(bytes({ op: 'txn-end', txId: 't' }), 3)).toEqual({ type: 'txn-ended', txId: 't' });
    // Ended: out of the open decisions, kept in the bounded history, still first-wins.
    expect(kv.decisions).toBe(0);
    expect(kv.decisionsOf('n3')).toEqual([]);
    expect(kv.decision('t')).toEqual({ decision: 'commit', participants: ['n1', 'n2'], coordinator: 'n3', index: 1, ended: true });
    expect(kv.apply(bytes({ op: 'txn-decision', txId: 't', decision: 'abort', participants: [], coordinator: 'n1' }), 4)).toMatchObject({ decision: 'commit', first: false });
  });

  it('keeps applied transactions and open decisions across a snapshot, and restores a version-1 snapshot', () => {
    const kv = new KvStateMachine();
    kv.apply(bytes({ op: 'txn-apply', txId: 't1', participant: 'n1', writes: [{ key: 'a', value: '1' }] }), 1);
    kv.apply(bytes({ op: 'txn-decision', txId: 't2', decision: 'abort', participants: ['n3'], coordinator: 'n1' }), 2);
    kv.apply(bytes({ op: 'txn-epoch', coordinator: 'n1' }), 3);
    const copy = new KvStateMachine();
    copy.restore(kv.snapshot());
    expect(copy.decision('t2')).toEqual({ decision: 'abort', participants: ['n3'], coordinator: 'n1', index: 2, ended: true });
    expect(copy.apply(bytes({ op: 'txn-epoch', coordinator: 'n1' }), 4)).toEqual({ type: 'txn-epoch', coordinator: 'n1', epoch: 2 });
    expect(copy.apply(bytes({ op: 'txn-apply', txId: 't1', participant: 'n1', writes: [{ key: 'a', value: 'again' }] }), 5)).toMatchObject({ duplicate: true });
    expect(copy.get('a')).toEqual({ value: '1', revision: 1 });
    const v1 = new TextEncoder().encode(JSON.stringify({ v: 1, kv: [['k', 'v', 4]], requests: [], members: [] }));
    const old = new KvStateMachine();
    old.restore(v1);
    expect(old.get('k')).toEqual({ value: 'v', revision: 4 });
    expect(old.decisions).toBe(0);
    // A version 2 snapshot without its transaction tables is not one.
    expect(() => old.restore(new TextEncoder().encode(JSON.stringify({ v: 2, kv: [], requests: [], members: [] })))).toThrow(TypeError);
  });

  it('forgets the oldest ended decisions beyond maxRequestIds, and keeps the history across a snapshot', () => {
    const kv = new KvStateMachine({ maxRequestIds: 2 });
    for (const [i, txId] of ['t1', 't2', 't3'].entries()) {
      kv.apply(bytes({ op: 'txn-decision', txId, decision: 'commit', participants: ['a'], coordinator: 'c' }), 2 * i + 1);
      kv.apply(bytes({ op: 'txn-end', txId }), 2 * i + 2);
    }
    expect(kv.decision('t1')).toBeUndefined();
    const copy = new KvStateMachine({ maxRequestIds: 2 });
    copy.restore(kv.snapshot());
    expect(copy.decision('t2')).toMatchObject({ ended: true });
    expect(copy.decision('t3')).toMatchObject({ ended: true, index: 5 });
  });

  it('keeps an abort in the bounded history at once: it has no phase two, and it still wins over a later commit', () => {
    const kv = new KvStateMachine();
    kv.apply(bytes({ op: 'txn-decision', txId: 'a', decision: 'abort', participants: ['p'], coordinator: 'c' }), 1);
    expect(kv.decisions).toBe(0);
    expect(kv.decisionsOf('c')).toEqual([]);
    expect(kv.decision('a')).toMatchObject({ decision: 'abort', ended: true });
    expect(kv.apply(bytes({ op: 'txn-decision', txId: 'a', decision: 'commit', participants: ['p'], coordinator: 'c' }), 2)).toMatchObject({ decision: 'abort', first: false });
  });

  it('tells its listeners when a transaction ends, until they are removed', () => {
    const kv = new KvStateMachine();
    const ended: string[] = [];
    const remove = kv.onTransactionEnded((txId) => ended.push(txId));
    kv.apply(bytes({ op: 'txn-decision', txId: 't', decision: 'commit', participants: ['a'], coordinator: 'c' }), 1);
    expect(ended).toEqual([]);
    kv.apply(bytes({ op: 'txn-end', txId: 't' }), 2);
    expect(ended).toEqual(['t']);
    remove();
    kv.apply(bytes({ op: 'txn-end', txId: 'u' }), 3);
    expect(ended).toEqual(['t']);
  });

  it('hands each coordinator increasing epochs', () => {
    const kv = new KvStateMachine();
    expect(kv.apply(bytes({ op: 'txn-epoch', coordinator: 'a' }), 1)).toEqual({ type: 'txn-epoch', coordinator: 'a', epoch: 1 });
    expect(kv.apply(bytes({ op: 'txn-epoch', coordinator: 'b' }), 2)).toEqual({ type: 'txn-epoch', coordinator: 'b', epoch: 1 });
    expect(kv.apply(bytes({ op: 'txn-epoch', coordinator: 'a' }), 3)).toEqual({ type: 'txn-epoch', coordinator: 'a', epoch: 2 });
  });

  it('decodes only well-formed transaction commands', () => {
    const raw = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    expect(decodeCommand(raw({ op: 'txn-apply', txId: 't', participant: 'p', writes: [{ key: 'k', value: null }] }))).toBeDefined();
    expect(decodeCommand(raw({ op: 'txn-apply', txId: 't', participant: 'p', writes: [{ key: 'k', value: 1 }] }))).toBeUndefined();
    expect(decodeCommand(raw({ op: 'txn-apply', txId: 't', participant: 'p', writes: {} }))).toBeUndefined();
    expect(decodeCommand(raw({ op: 'txn-apply', txId: 't', writes: [] }))).toBeUndefined();
    expect(decodeCommand(raw({ op: 'txn-decision', txId: 't', decision: 'maybe', participants: [] }))).toBeUndefined();
    expect(decodeCommand(raw({ op: 'txn-decision', txId: 't', decision: 'abort', participants: [1], coordinator: 'c' }))).toBeUndefined();
    expect(decodeCommand(raw({ op: 'txn-decision', txId: 't', decision: 'abort', participants: [] }))).toBeUndefined();
    expect(decodeCommand(raw({ op: 'txn-epoch' }))).toBeUndefined();
    expect(decodeCommand(raw({ op: 'txn-end' }))).toBeUndefined();
    expect(decodeCommand(raw({ op: 'txn-end', txId: 't' }))).toEqual({ op: 'txn-end', txId: 't' });
  });
});
