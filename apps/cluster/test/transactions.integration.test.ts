import { TRANSACTIONS_SERVICE } from '../src/cluster/cluster.constants.js';
import type { TransactionsService } from '../src/transactions/transactions-service.js';
import { KeyOwners } from '../src/transactions/key-owners.js';
import { transactionId } from '../src/transactions/transactions-service.js';
import { TOKEN, json, startInProcessCluster, until } from './in-process-cluster.js';
import type { InProcessCluster } from './in-process-cluster.js';

const auth = { authorization: `Bearer ${TOKEN}` };

describe('two-phase commit across three members in one process, over real HTTP', () => {
  let cluster: InProcessCluster;
  const service = (id: string) => cluster.member(id).app.get<TransactionsService>(TRANSACTIONS_SERVICE);
  const owners = new KeyOwners();
  /** A key that `owner`'s participant guards. */
  const keyOf = (owner: string, prefix: string) => {
    for (let i = 0; ; i++) if (owners.ownerOf(`${prefix}-${i}`, ['a', 'b', 'c']) === owner) return `${prefix}-${i}`;
  };

  beforeAll(async () => {
    cluster = await startInProcessCluster(['a', 'b', 'c']);
    await cluster.elect('a');
    // Each coordinator takes its epoch from the log once there is a leader; its retries wait on the manual clock.
    for (let step = 0; step < 100 && !['a', 'b', 'c'].every((id) => service(id).ready); step++) await cluster.servicesClock.advanceAsync(100);
    await until(() => ['a', 'b', 'c'].every((id) => service(id).ready), 'every coordinator to start');
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('answers 400 naming the field for a malformed transaction, and 413 past the limits', async () => {
    const post = (body: unknown) => cluster.request('b', '/transactions', json('POST', body));
    const cases: Array<[unknown, string, number]> = [
      [[], 'body', 400],
      [{}, 'writes', 400],
      [{ writes: [] }, 'writes', 400],
      [{ writes: [{ key: 'k' }] }, 'writes[0].value', 400],
      [{ writes: [{ key: '', value: 'v' }] }, 'writes[0].key', 400],
      [{ writes: [{ key: 'k', value: 'v', extra: 1 }] }, 'writes[0].extra', 400],
      [{ writes: [{ key: 'k', value: 'v' }, { key: 'k', value: 'w' }] }, 'writes[1].key', 400],
      [{ writes: [{ key: 'k', value: 'v' }], reads: 'k' }, 'reads', 400],
      [{ writes: [{ key: 'k', value: 'v' }], reads: [7] }, 'reads[0]', 400],
      [{ writes: [{ key: 'k', value: 'v' }], id: '../x' }, 'id', 400],
      [{ writes: [{ key: 'k', value: 'v' }], timeoutMs: 0 }, 'timeoutMs', 400],
      [{ writes: [{ key: 'k', value: 'v' }], other: true }, 'other', 400],
      [{ writes: [{ key: 'k'.repeat(1025), value: 'v' }] }, 'writes[0].key', 413],
      [{ writes: [{ key: 'k', value: 'v'.repeat(1024 * 1024 + 1) }] }, 'writes[0].value', 413],
      [{ writes: Array.from({ length: 1001 }, (_, i) => ({ key: `k${i}`, value: 'v' })) }, 'writes', 413],
    ];
    for (const [body, field, status] of cases) {
      const reply = await post(body);
      expect([reply.status, reply.json?.error?.field]).toEqual([status, field]);
    }
    // hold is a test fault: refused for a transaction without an id.
    expect((await cluster.request('b', '/transactions?hold=decision', json('POST', { writes: [{ key: 'k', value: 'v' }] }))).json.error.field).toBe('hold');
    for (const hold of ['later', 'prepare:', 'prepare']) {
      const reply = await cluster.request('b', `/transactions?hold=${hold}`, json('POST', { id: 'h', writes: [{ key: 'k', value: 'v' }] }));
      expect([hold, reply.status, reply.json.error.field]).toEqual([hold, 400, 'hold']);
    }
  });

  it('commits writes owned by two participants; every member reads them and knows the outcome', async () => {
    const x = keyOf('b', 'x');
    const y = keyOf('c', 'y');
    const writes = [{ key: x, value: '1' }, { key: y, value: '2' }];
    const reply = await cluster.request('b', '/transactions', json('POST', { id: 'tx-1', writes }));
    const tx1 = transactionId({ id: 'tx-1', writes, reads: [] }) as string;
    expect(tx1).toMatch(/^tx-1~[A-Za-z0-9_-]{12}$/);
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ id: tx1, status: 'committed', applied: true, votes: { b: { vote: 'yes', reads: {} }, c: { vote: 'yes', reads: {} } } });
    for (const id of ['a', 'b', 'c']) {
      expect((await cluster.request(id, `/kv/${x}`)).json).toMatchObject({ key: x, value: '1' });
      expect((await cluster.request(id, `/kv/${y}`)).json).toMatchObject({ key: y, value: '2' });
    }
    const status = await cluster.request('b', `/transactions/${tx1}`);
    expect(status.status).toBe(200);
    expect(status.json).toMatchObject({ id: tx1, status: 'committed', participants: ['b', 'c'] });
    // Answered once both participants applied and acknowledged; the end follows through the log.
    await until(() => cluster.member('b').runtime.kv.decision(tx1)?.ended === true, 'the transaction to end');
    for (const id of ['a', 'c']) expect((await cluster.request(id, `/transactions/${tx1}`)).json).toMatchObject({ id: tx1, status: 'committed' });
    expect((await cluster.request('a', '/transactions/never')).status).toBe(404);
    expect(service('b').transactionStats()).toMatchObject({ committed: 1, aborted: 0, locks: 0, inDoubt: 0 });
    const metrics = (await cluster.request('b', '/metrics')).text;
    expect(metrics).toContain('bulwark_transactions_total{node="b",status="committed"} 1');
    expect(metrics).toContain('bulwark_transaction_locks{node="b"} 0');
    expect(service('b').recent()[0]).toMatchObject({ id: tx1, status: 'committed', participants: ['b', 'c'] });
    // The same id again with the same writes is the same transaction: answered committed, applied once.
    expect((await cluster.request('c', '/transactions', json('POST', { id: 'tx-1', writes }))).json).toMatchObject({ id: tx1, status: 'committed' });
    // The same id with other writes is another transaction, never answered by the first.
    const other = await cluster.request('c', '/transactions', json('POST', { id: 'tx-1', writes: [{ key: x, value: 'other' }] }));
    expect(other.json).toMatchObject({ status: 'committed', applied: true });
    expect(other.json.id).not.toBe(tx1);
    expect((await cluster.request('a', `/kv/${x}`)).json).toMatchObject({ value: 'other' });
  });

  it('reads keys under lock at prepare and deletes with a null value', async () => {
    const r = keyOf('a', 'read');
    const d = keyOf('c', 'del');
    expect((await cluster.request('a', `/kv/${r}`, json('PUT', { value: 'seen' }))).status).toBe(200);
    expect((await cluster.request('a', `/kv/${d}`, json('PUT', { value: 'doomed' }))).status).toBe(200);
    const reply = await cluster.request('a', '/transactions', json('POST', { writes: [{ key: d, value: null }], reads: [r] }));
    expect(reply.json).toMatchObject({ status: 'committed', applied: true, votes: { a: { vote: 'read-only', reads: { [r]: 'seen' } }, c: { vote: 'yes' } } });
    expect((await cluster.request('b', `/kv/${d}`)).status).toBe(404);
  });

  it('aborts a transaction that meets another one holding its key (no-wait locks), and applies nothing of it', async () => {
    const k = keyOf('c', 'locked');
    const other = keyOf('b', 'other');
    // The first transaction's commit is held by its coordinator: c keeps k locked, prepared.
    const held = transactionId({ id: 'tx-held', writes: [{ key: k, value: 'first' }], reads: [] }) as string;
    const first = cluster.request('a', '/transactions?hold=decision', json('POST', { id: 'tx-held', writes: [{ key: k, value: 'first' }] }));
    await until(() => service('c').participant.locks().some((lock) => lock.key === k), 'c to lock the key');
    const second = await cluster.request('b', '/transactions', json('POST', { writes: [{ key: k, value: 'second' }, { key: other, value: 'x' }] }));
    expect(second.json).toMatchObject({ status: 'aborted', reason: 'vote-no', votes: { c: { vote: 'no', reason: 'lock-conflict' } } });
    expect(service('b').transactionStats().aborted).toBe(1);
    expect(service('c').transactionStats().locks).toBe(1);
    expect((await cluster.request('a', `/kv/${other}`)).status).toBe(404);
    // The held transaction committed (its decision is in the log) but is not answered before c
    // applied it; c, in doubt, asks a, whose answers are held too until released; then c applies
    // the commit, unlocks and acknowledges, and the answer comes.
    await until(() => cluster.member('a').runtime.kv.decision(held)?.decision === 'commit', 'the decision to be recorded');
    expect(service('c').participant.inDoubt().map((t) => t.txId)).toEqual([held]);
    expect(service('a').transport.held).toBeGreaterThan(0);
    service('a').transport.release(held);
    for (let step = 0; step < 200 && cluster.member('a').runtime.kv.get(k) === undefined; step++) await cluster.servicesClock.advanceAsync(50);
    await until(() => cluster.member('a').runtime.kv.get(k)?.value === 'first', 'the in-doubt participant to apply the commit it asked about');
    expect((await first).json).toMatchObject({ id: held, status: 'committed', applied: true });
    expect(service('c').participant.locks()).toEqual([]);
  });

  it('a participant whose coordinator died learns the decision from the replicated log through its own member', async () => {
    const k = keyOf('c', 'orphan');
    const orphan = transactionId({ id: 'tx-orphan', writes: [{ key: k, value: 'kept' }], reads: [] }) as string;
    const reply = cluster.request('b', '/transactions?hold=decision', json('POST', { id: 'tx-orphan', writes: [{ key: k, value: 'kept' }] })).catch((error: unknown) => error);
    await until(() => cluster.member('a').runtime.kv.decision(orphan)?.decision === 'commit', 'the decision to be recorded');
    expect(service('c').participant.inDoubt().map((t) => t.txId)).toEqual([orphan]);
    await cluster.stopMember('b'); // the coordinator is gone, its commit never sent
    await reply; // the client's connection went with it
    for (let step = 0; step < 200 && cluster.member('a').runtime.kv.get(k) === undefined; step++) await cluster.servicesClock.advanceAsync(50);
    await until(() => cluster.member('a').runtime.kv.get(k)?.value === 'kept', 'c to apply the commit its own member answered');
    expect(service('c').transport.redirected).toBeGreaterThan(0);
    expect(service('c').participant.inDoubt()).toEqual([]);
  });

  it('refuses peer messages and commands without the token, and bad ones naming the field', async () => {
    const message = { type: 'status', txId: 't', from: 'b', to: 'a' };
    expect((await cluster.request('a', '/transactions/messages', json('POST', message))).status).toBe(401);
    // Refused before the body is read: a stranger's oversized or malformed body gets 401 too, not 413 or 400.
    for (const body of ['x'.repeat(9 * 1024 * 1024), '{not json']) {
      const reply = await cluster.request('a', '/cluster/commands', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect([reply.status, reply.json?.error?.code]).toEqual([401, 'EUNAUTHORIZED']);
    }
    const bad = await cluster.request('a', '/transactions/messages', json('POST', { ...message, type: 'gossip' }, auth));
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe('body');
    expect((await cluster.request('a', '/transactions/messages', json('POST', message, auth))).status).toBe(204);
    expect((await cluster.request('a', '/cluster/commands', json('POST', { op: 'txn-end', txId: 't' }))).status).toBe(401);
    expect((await cluster.request('a', '/cluster/commands', json('POST', { op: 'put', key: 'k', value: 'v' }, auth))).json.error.field).toBe('body');
    expect((await cluster.request('c', '/cluster/commands', json('POST', { op: 'txn-end', txId: 't' }, { ...auth, 'x-bulwark-forwarded': 'a' }))).status).toBe(503);
    expect((await cluster.request('a', '/cluster/commands', json('POST', { op: 'txn-end', txId: 't' }, auth))).json.error.field).toBe('x-bulwark-forwarded');
    const forwarded = await cluster.request('a', '/cluster/commands', json('POST', { op: 'txn-epoch', coordinator: 'z' }, { ...auth, 'x-bulwark-forwarded': 'b' }));
    expect(forwarded.json).toEqual({ type: 'txn-epoch', coordinator: 'z', epoch: 1 });
  });
});
