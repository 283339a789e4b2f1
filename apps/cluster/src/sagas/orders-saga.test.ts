import { MemorySagaLog, SagaOrchestrator } from '@bulwark/core';
import type { SagaDefinition } from '@bulwark/core';
import { ManualClock, seededRandom } from '@bulwark/core/testing';
import { encodeCommand } from '../kv/kv-command.js';
import type { KvResult } from '../kv/kv-command.js';
import { KvStateMachine } from '../kv/kv-state-machine.js';
import { orderCounter, orderStepKey, ordersSaga } from './orders-saga.js';
import type { OrderInput, OrderStep, OrdersSagaDeps } from './orders-saga.js';

/** The saga over a real KV state machine, one Raft index per proposal. */
function harness(options: { faults?: boolean; crash?: (step: OrderStep) => Promise<never>; memberId?: string; kv?: { kv: KvStateMachine; index: { next: number } } } = {}) {
  const kv = options.kv?.kv ?? new KvStateMachine();
  const index = options.kv?.index ?? { next: 0 };
  const proposals: string[] = [];
  const deps: OrdersSagaDeps = {
    memberId: options.memberId ?? 'm',
    propose: (command) => {
      proposals.push(`${command.phase} ${command.key}`);
      return Promise.resolve(kv.apply(encodeCommand(command), ++index.next) as Extract<KvResult, { type: 'saga-step' }>);
    },
    faults: options.faults ?? false,
    crash: options.crash ?? (() => Promise.reject(new Error('no crash expected'))),
  };
  const saga = ordersSaga(deps);
  const log = new MemorySagaLog();
  const clock = new ManualClock(0);
  const open = () => new SagaOrchestrator({ log, records: log.records, sagas: [saga as SagaDefinition<never>], clock, random: seededRandom(1) });
  return { kv, index, proposals, saga, log, open, value: (key: string) => kv.get(key)?.value };
}

const ORDER: OrderInput = { sku: 'w', quantity: 2, cents: 300 };

describe('ordersSaga', () => {
  it('reserves, charges and ships, each one saga-step with its counter', async () => {
    const h = harness();
    const outcome = await h.open().start(h.saga, ORDER, { id: 's1' });
    expect(outcome).toMatchObject({ status: 'completed', results: { reserve: { key: 'orders/m/s1/reserve', duplicate: false }, charge: { duplicate: false }, ship: { duplicate: false } } });
    expect(h.proposals).toEqual(['action orders/m/s1/reserve', 'action orders/m/s1/charge', 'action orders/m/s1/ship']);
    expect([h.value('stock/w/reserved'), h.value('payments/w/cents'), h.value('shipping/w/parcels')]).toEqual(['2', '300', '1']);
    expect(JSON.parse(h.value(orderStepKey('m', 's1', 'charge')) ?? '')).toEqual({ applied: 'charge', idempotencyKey: 's1:1', sku: 'w', quantity: 2, cents: 300 });
  });

  it('with fail=reserve compensates the reserve that never applied: a tombstone, no counter change', async () => {
    const h = harness();
    const outcome = await h.open().start(h.saga, { ...ORDER, fail: 'reserve' }, { id: 's2' });
    expect(outcome).toMatchObject({ status: 'compensated', failedStep: 'reserve', error: { name: 'OrderDeclinedError' } });
    expect(h.proposals).toEqual(['compensate orders/m/s2/reserve']);
    expect(JSON.parse(h.value('orders/m/s2/reserve') ?? '')).toEqual({ compensated: true, idempotencyKey: 's2:0', succeeded: false });
    expect(h.value('stock/w/reserved')).toBeUndefined();
  });

  it('keys each member\'s sagas apart: the same saga id on another member applies its own steps, and its compensation never undoes the first\'s', async () => {
    const a = harness({ memberId: 'a' });
    const b = harness({ memberId: 'b', kv: { kv: a.kv, index: a.index } });
    expect(await a.open().start(a.saga, ORDER, { id: 'o-1' })).toMatchObject({ status: 'completed', results: { reserve: { key: 'orders/a/o-1/reserve', duplicate: false } } });
    const outcome = await b.open().start(b.saga, { ...ORDER, fail: 'charge' }, { id: 'o-1' });
    expect(outcome).toMatchObject({ status: 'compensated', failedStep: 'charge', results: { reserve: { key: 'orders/b/o-1/reserve', duplicate: false } } });
    // a's order stands whole; b's reserve applied and was undone.
    expect(JSON.parse(a.value('orders/a/o-1/reserve') ?? '')).toMatchObject({ applied: 'reserve', idempotencyKey: 'o-1:0' });
    expect(JSON.parse(a.value('orders/b/o-1/reserve') ?? '')).toEqual({ compensated: true, idempotencyKey: 'o-1:0', succeeded: true });
    expect([a.value('stock/w/reserved'), a.value('payments/w/cents'), a.value('shipping/w/parcels')]).toEqual(['2', '300', '1']);
  });

  it('declines, without undoing it, a step whose key holds another idempotency key\'s value', async () => {
    const h = harness();
    h.kv.apply(encodeCommand({ op: 'put', key: 'orders/m/s6/reserve', value: JSON.stringify({ applied: 'reserve', idempotencyKey: 'other:0' }) }), 1000);
    h.kv.apply(encodeCommand({ op: 'put', key: 'stock/w/reserved', value: '7' }), 1001);
    const outcome = await h.open().start(h.saga, ORDER, { id: 's6' });
    expect(outcome).toMatchObject({ status: 'compensated', failedStep: 'reserve', error: { name: 'OrderDeclinedError', message: expect.stringContaining('another step') } });
    expect(h.proposals).toEqual(['action orders/m/s6/reserve', 'compensate orders/m/s6/reserve']);
    expect(JSON.parse(h.value('orders/m/s6/reserve') ?? '')).toEqual({ applied: 'reserve', idempotencyKey: 'other:0' });
    expect(h.value('stock/w/reserved')).toBe('7');
  });

  it('declines, without retrying, an action whose key holds its compensation tombstone', async () => {
    const h = harness();
    h.kv.apply(encodeCommand({ op: 'saga-step', phase: 'compensate', key: 'orders/m/s3/reserve', value: '{"compensated":true,"idempotencyKey":"s3:0"}', idempotencyKey: 's3:0' }), 1000);
    const outcome = await h.open().start(h.saga, ORDER, { id: 's3' });
    expect(outcome).toMatchObject({ status: 'compensated', failedStep: 'reserve', error: { message: expect.stringContaining('compensated already') } });
    expect(h.proposals.filter((p) => p.startsWith('action'))).toHaveLength(1);
  });

  it('with crash=charge (faults on) dies after charge applied; reopened from the log, charge re-runs as a duplicate', async () => {
    const running: { first?: SagaOrchestrator } = {};
    const crashed: OrderStep[] = [];
    const h = harness({
      faults: true,
      crash: (step) => {
        crashed.push(step);
        running.first?.close(); // the "process" dies: nothing more reaches its log
        return new Promise<never>(() => undefined);
      },
    });
    const first = h.open();
    running.first = first;
    await expect(first.start(h.saga, { ...ORDER, crash: 'charge' }, { id: 's4' })).rejects.toMatchObject({ name: 'SagaOrchestratorStoppedError' });
    expect(crashed).toEqual(['charge']);
    expect(h.value('orders/m/s4/ship')).toBeUndefined();

    const second = h.open();
    expect(second.resume()).toEqual(['s4']);
    const outcome = await second.wait('s4');
    expect(outcome).toMatchObject({ status: 'completed', results: { reserve: { duplicate: false }, charge: { duplicate: true }, ship: { duplicate: false } } });
    expect(crashed).toEqual(['charge']); // a duplicate never crashes again
    expect([h.value('stock/w/reserved'), h.value('payments/w/cents'), h.value('shipping/w/parcels')]).toEqual(['2', '300', '1']);
  });

  it('declines a step whose counter would pass the safe-integer limit, leaving the counter as it was', async () => {
    const h = harness();
    h.kv.apply(encodeCommand({ op: 'put', key: 'payments/w/cents', value: String(Number.MAX_SAFE_INTEGER - 100) }), 1000);
    const outcome = await h.open().start(h.saga, ORDER, { id: 's7' });
    expect(outcome).toMatchObject({ status: 'compensated', failedStep: 'charge', error: { name: 'OrderDeclinedError', message: expect.stringContaining('past ±(2^53 − 1)') } });
    expect([h.value('stock/w/reserved'), h.value('payments/w/cents')]).toEqual(['0', String(Number.MAX_SAFE_INTEGER - 100)]);
  });

  it('ignores crash without the fault hook', async () => {
    const h = harness({ faults: false });
    expect(await h.open().start(h.saga, { ...ORDER, crash: 'reserve' }, { id: 's5' })).toMatchObject({ status: 'completed' });
  });

  it('names each step\'s counter by sku', () => {
    expect(['reserve', 'charge', 'ship'].map((step) => orderCounter(step as OrderStep, ORDER))).toEqual([
      { key: 'stock/w/reserved', delta: 2 },
      { key: 'payments/w/cents', delta: 300 },
      { key: 'shipping/w/parcels', delta: 1 },
    ]);
  });
});
