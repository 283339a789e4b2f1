import { SagaIdConflictError } from '@bulwark/core';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { SagasApi, checkOrder } from './sagas-api.js';
import type { SagasService } from './sagas-service.js';

const GOOD = { sku: 'sku-1', quantity: 5, cents: 0 };

describe('checkOrder', () => {
  it('takes a valid order with its flags, in a fixed key order', () => {
    expect(checkOrder(GOOD, {}, false)).toEqual({ ok: true, value: { input: GOOD } });
    expect(checkOrder({ cents: 7, quantity: 100, sku: 'a.b:c_d-e' }, { crash: 'ship', fail: 'charge', id: 'x-1' }, true)).toEqual({
      ok: true,
      value: { input: { sku: 'a.b:c_d-e', quantity: 100, cents: 7, fail: 'charge', crash: 'ship' }, id: 'x-1' },
    });
  });

  it('takes cents up to 1e9', () => {
    expect(checkOrder({ ...GOOD, cents: 1_000_000_000 }, {}, false)).toEqual({ ok: true, value: { input: { ...GOOD, cents: 1_000_000_000 } } });
  });

  it.each<[string, unknown, Record<string, unknown>, boolean]>([
    ['body', null, {}, true],
    ['body', [GOOD], {}, true],
    ['sku', { ...GOOD, sku: '' }, {}, true],
    ['sku', { ...GOOD, sku: 's'.repeat(65) }, {}, true],
    ['quantity', { ...GOOD, quantity: '5' }, {}, true],
    ['quantity', { ...GOOD, quantity: Number.NaN }, {}, true],
    ['cents', { ...GOOD, cents: 2 ** 53 }, {}, true],
    ['cents', { ...GOOD, cents: 1_000_000_001 }, {}, true],
    ['cents', { ...GOOD, cents: -1 }, {}, true],
    ['cents', { sku: 'a', quantity: 1 }, {}, true],
    ['color', { ...GOOD, color: 'red' }, {}, true],
    ['crash', GOOD, { crash: 'charge' }, false],
    ['crash', GOOD, { crash: 'pay' }, true],
    ['fail', GOOD, { fail: 'ship' }, true],
    ['fail', GOOD, { fail: ['charge'] }, true],
    ['id', GOOD, { id: 'a b' }, true],
    ['limit', GOOD, { limit: '3' }, true],
  ])('names %s', (field, body, query, faults) => {
    const checked = checkOrder(body, query, faults);
    expect(checked.ok ? undefined : [checked.reply.status, (checked.reply.body as { error: { field: string } }).error.field]).toEqual([400, field]);
  });
});

describe('SagasApi.order', () => {
  it('answers 409 naming id for the id of a saga this member forgot but still holds in its log', async () => {
    const runtime = { config: { faults: false } } as unknown as ClusterRuntime;
    const service = { order: () => Promise.reject(new SagaIdConflictError('o-9', 'orders', 'orders', true)) } as unknown as SagasService;
    const reply = await new SagasApi(runtime, service).order({ headers: {}, body: GOOD, query: { id: 'o-9' } });
    expect(reply).toMatchObject({ status: 409, body: { error: { code: 'ESAGAIDCONFLICT', field: 'id', message: expect.stringContaining('forgotten') }, id: 'o-9' } });
  });
});
