import { SAGAS_SERVICE } from '../src/cluster/cluster.constants.js';
import type { SagasService } from '../src/sagas/sagas-service.js';
import type { OrderStep } from '../src/sagas/orders-saga.js';
import { json, startInProcessCluster, until } from './in-process-cluster.js';
import type { InProcessCluster } from './in-process-cluster.js';

const IDS = ['a', 'b', 'c'];

describe('the orders saga across three members in one process, over real HTTP', () => {
  let cluster: InProcessCluster;
  /** `?crash=` steps each member's hook saw (the hook never returns: the "process" hangs instead of dying). */
  const crashes: Array<[string, OrderStep]> = [];
  const service = (id: string) => cluster.member(id).app.get<SagasService>(SAGAS_SERVICE);
  const order = (id: string, query: string, body: unknown) => cluster.request(id, `/sagas/orders${query}`, json('POST', body));
  const kv = async (member: string, key: string) => (await cluster.request(member, `/kv/${encodeURIComponent(key)}`)).json as { value: string; revision: number } | { error: unknown };

  beforeAll(async () => {
    cluster = await startInProcessCluster(IDS, {}, (id) => ({
      sagas: {
        replyWithinMs: 1_000,
        crash: (step) => {
          crashes.push([id, step]);
          return new Promise<never>(() => undefined);
        },
      },
    }));
    await cluster.elect('a');
    // Each member resumes its saga log once it knows a leader; its checks wait on the manual clock.
    for (let step = 0; step < 100 && !IDS.every((id) => service(id).ready); step++) await cluster.servicesClock.advanceAsync(100);
    await until(() => IDS.every((id) => service(id).ready), 'every member to resume its sagas');
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('answers 400 naming the field for a malformed order', async () => {
    const good = { sku: 'widget', quantity: 1, cents: 100 };
    const cases: Array<[string, unknown, string]> = [
      ['', [], 'body'],
      ['', 'text', 'body'],
      ['', { ...good, sku: undefined }, 'sku'],
      ['', { ...good, sku: 'x'.repeat(65) }, 'sku'],
      ['', { ...good, sku: 'a/b' }, 'sku'],
      ['', { ...good, quantity: 0 }, 'quantity'],
      ['', { ...good, quantity: 101 }, 'quantity'],
      ['', { ...good, quantity: 1.5 }, 'quantity'],
      ['', { ...good, cents: -1 }, 'cents'],
      ['', { ...good, cents: '100' }, 'cents'],
      ['', { ...good, cents: 1_000_000_001 }, 'cents'],
      ['', { ...good, extra: true }, 'extra'],
      ['?fail=ship', good, 'fail'],
      ['?fail=nope', good, 'fail'],
      ['?crash=nope', good, 'crash'],
      ['?id=..%2Fx', good, 'id'],
      [`?id=${'i'.repeat(101)}`, good, 'id'],
      ['?fail=charge&fail=reserve', good, 'fail'],
      ['?other=1', good, 'other'],
    ];
    for (const [query, body, field] of cases) {
      const reply = await order('b', query, body);
      expect({ query, body, status: reply.status, field: reply.json?.error?.field }).toEqual({ query, body, status: 400, field });
    }
    expect((await cluster.request('b', '/sagas/orders', json('POST', '{"sku":'))).json.error.field).toBe('body');
    expect((await cluster.request('b', '/sagas/bad%20id')).json.error.field).toBe('id');
    expect((await cluster.request('b', '/sagas?limit=0')).json.error.field).toBe('limit');
  });

  it('completes an order started on a follower: each step applied once, visible in the KV of every member', async () => {
    const reply = await order('b', '?id=o-1', { sku: 'widget', quantity: 2, cents: 500 });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      id: 'o-1',
      saga: 'orders',
      status: 'completed',
      results: {
        reserve: { key: 'orders/b/o-1/reserve', revision: expect.any(Number), duplicate: false },
        charge: { key: 'orders/b/o-1/charge', revision: expect.any(Number), duplicate: false },
        ship: { key: 'orders/b/o-1/ship', revision: expect.any(Number), duplicate: false },
      },
    });
    for (const member of IDS) {
      for (const [i, step] of ['reserve', 'charge', 'ship'].entries()) {
        expect(JSON.parse((await kv(member, `orders/b/o-1/${step}`) as { value: string }).value)).toEqual({ applied: step, idempotencyKey: `o-1:${i}`, sku: 'widget', quantity: 2, cents: 500 });
      }
      expect(await kv(member, 'stock/widget/reserved')).toMatchObject({ value: '2' });
      expect(await kv(member, 'payments/widget/cents')).toMatchObject({ value: '500' });
      expect(await kv(member, 'shipping/widget/parcels')).toMatchObject({ value: '1' });
    }
    // The id is the order's idempotency key: the same order again answers the same outcome, and changes nothing.
    const again = await order('b', '?id=o-1', { sku: 'widget', quantity: 2, cents: 500 });
    expect([again.status, again.json]).toEqual([200, reply.json]);
    expect(await kv('a', 'stock/widget/reserved')).toMatchObject({ value: '2' });
    const conflict = await order('b', '?id=o-1', { sku: 'widget', quantity: 3, cents: 500 });
    expect([conflict.status, conflict.json.error.field, conflict.json.id]).toEqual([409, 'id', 'o-1']);

    // Saga ids are unique per member: o-1 sent to a is a's own saga, with its own keys. It
    // applies (no "duplicate" of b's steps), and its compensation leaves b's order alone.
    const other = await order('a', '?id=o-1&fail=charge', { sku: 'widget', quantity: 2, cents: 500 });
    expect(other.json).toMatchObject({ id: 'o-1', status: 'compensated', failedStep: 'charge', results: { reserve: { key: 'orders/a/o-1/reserve', duplicate: false } } });
    for (const member of IDS) {
      expect(JSON.parse((await kv(member, 'orders/b/o-1/reserve') as { value: string }).value)).toMatchObject({ applied: 'reserve' });
      expect(JSON.parse((await kv(member, 'orders/a/o-1/reserve') as { value: string }).value)).toMatchObject({ compensated: true, succeeded: true });
      expect(await kv(member, 'stock/widget/reserved')).toMatchObject({ value: '2' });
      expect(await kv(member, 'payments/widget/cents')).toMatchObject({ value: '500' });
    }
  });

  it('compensates reserve exactly once when charge declines (?fail=charge), leaving tombstones in the KV', async () => {
    const reply = await order('c', '?id=o-2', { sku: 'gizmo', quantity: 3, cents: 900 });
    expect(reply.json).toMatchObject({ status: 'completed' }); // a first order of gizmo, kept
    const failed = await order('c', '?id=o-3&fail=charge', { sku: 'gizmo', quantity: 4, cents: 700 });
    expect(failed.status).toBe(200);
    expect(failed.json).toMatchObject({ id: 'o-3', status: 'compensated', failedStep: 'charge', error: { name: 'OrderDeclinedError', message: expect.stringContaining('declined') } });
    expect(failed.json.results).toEqual({ reserve: { key: 'orders/c/o-3/reserve', revision: expect.any(Number), duplicate: false } });

    const history = (await cluster.request('c', '/sagas/o-3')).json;
    expect(history.steps.map((s: { name: string; status: string; compensation?: { status: string; attempts: number } }) => [s.name, s.status, s.compensation?.status, s.compensation?.attempts])).toEqual([
      ['reserve', 'succeeded', 'done', 1],
      ['charge', 'failed', 'done', 1],
      ['ship', 'pending', undefined, undefined],
    ]);
    const compensations = history.events.filter((e: { type: string }) => e.type === 'compensation-started').map((e: { step: string }) => e.step);
    expect(compensations).toEqual(['charge', 'reserve']);
    for (const member of IDS) {
      expect(JSON.parse((await kv(member, 'orders/c/o-3/reserve') as { value: string }).value)).toEqual({ compensated: true, idempotencyKey: 'o-3:0', succeeded: true });
      expect(JSON.parse((await kv(member, 'orders/c/o-3/charge') as { value: string }).value)).toEqual({ compensated: true, idempotencyKey: 'o-3:1', succeeded: false });
      expect((await cluster.request(member, '/kv/orders%2Fc%2Fo-3%2Fship')).status).toBe(404);
      // o-2's reservation stays; o-3's was undone once; the declined charge never reached the counter.
      expect(await kv(member, 'stock/gizmo/reserved')).toMatchObject({ value: '3' });
      expect(await kv(member, 'payments/gizmo/cents')).toMatchObject({ value: '900' });
    }
  });

  it('serves GET /sagas/:id and GET /sagas in plain JSON', async () => {
    const got = await cluster.request('b', '/sagas/o-1');
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ id: 'o-1', saga: 'orders', status: 'completed', input: { sku: 'widget', quantity: 2, cents: 500 }, startedAt: expect.any(Number), endedAt: expect.any(Number) });
    expect(got.json.steps.map((s: { name: string; idempotencyKey: string; pivot: boolean; status: string; attempts: number }) => [s.name, s.idempotencyKey, s.pivot, s.status, s.attempts])).toEqual([
      ['reserve', 'o-1:0', false, 'succeeded', 1],
      ['charge', 'o-1:1', true, 'succeeded', 1],
      ['ship', 'o-1:2', false, 'succeeded', 1],
    ]);
    expect(got.json.events.map((e: { type: string }) => e.type)).toEqual(['saga-started', 'step-started', 'step-succeeded', 'step-started', 'step-succeeded', 'step-started', 'step-succeeded', 'saga-ended']);
    // Each member's log holds the sagas it orchestrated: a's o-1 is another saga.
    expect((await cluster.request('a', '/sagas/o-1')).json).toMatchObject({ id: 'o-1', status: 'compensated', failedStep: 'charge' });
    expect((await cluster.request('c', '/sagas/o-1')).status).toBe(404);
    const list = await cluster.request('c', '/sagas');
    expect(list.json.sagas.map((s: { id: string; status: string; failedStep?: string }) => [s.id, s.status, s.failedStep])).toEqual([
      ['o-3', 'compensated', 'charge'],
      ['o-2', 'completed', undefined],
    ]);
    expect((await cluster.request('c', '/sagas?limit=1')).json.sagas).toHaveLength(1);
    // The dashboard lists them too.
    const dashboard = (await cluster.request('c', '/cluster/dashboard')).json;
    expect(dashboard.sagas.map((s: { id: string; status: string; failedStep: string | null }) => [s.id, s.status, s.failedStep])).toEqual([
      ['o-3', 'compensated', 'charge'],
      ['o-2', 'completed', null],
    ]);
  });

  it('answers the peer endpoint only with the token, a saga-step body and the forwarding header', async () => {
    const step = { op: 'saga-step', phase: 'action', key: 'orders/peer/x/y', value: '{"applied":"y","idempotencyKey":"x:0"}', idempotencyKey: 'x:0' };
    expect((await cluster.request('a', '/cluster/commands', json('POST', step))).status).toBe(401);
    const auth = { authorization: 'Bearer test-cluster-token-0123456789' };
    expect((await cluster.request('a', '/cluster/commands', json('POST', { op: 'put', key: 'k', value: 'v' }, auth))).json.error.field).toBe('body');
    expect((await cluster.request('a', '/cluster/commands', json('POST', step, auth))).json.error.field).toBe('x-bulwark-forwarded');
    expect((await cluster.request('b', '/cluster/commands', json('POST', step, { ...auth, 'x-bulwark-forwarded': 'c' }))).status).toBe(503);
  });

  it('with ?crash=charge applies charge, then "dies" before replying: 202 with Location, the saga running', async () => {
    const pending = order('b', '?id=o-4&crash=charge', { sku: 'doohickey', quantity: 1, cents: 50 });
    await until(() => crashes.length > 0, 'the crash hook to run');
    expect(crashes).toEqual([['b', 'charge']]);
    // The reply waits replyWithinMs (1 s here) on the manual clock.
    let settled = false;
    void pending.then(() => (settled = true));
    for (let step = 0; step < 20 && !settled; step++) await cluster.servicesClock.advanceAsync(100);
    const reply = await pending;
    expect([reply.status, reply.headers.get('location'), reply.json]).toEqual([202, '/sagas/o-4', { id: 'o-4', status: 'running' }]);
    expect(JSON.parse((await kv('a', 'orders/b/o-4/charge') as { value: string }).value)).toMatchObject({ applied: 'charge', idempotencyKey: 'o-4:1' });
    const history = (await cluster.request('b', '/sagas/o-4')).json;
    expect(history.steps.map((s: { status: string }) => s.status)).toEqual(['succeeded', 'running', 'pending']);
  });
});
