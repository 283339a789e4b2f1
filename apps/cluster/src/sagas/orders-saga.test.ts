import { MemorySagaLog, SagaOrchestrator } from '@bulwark/core';
import type { SagaDefinition } from '@bulwark/core';
import { ManualClock, seededRandom } from '@bulwark/core/testing';
import { encodeCommand } from '../kv/kv-command.js';
import type { KvResult } from '../kv/kv-command.js';
import { KvStateMachine } from '../kv/kv-state-machine.js';
import { orderCounter, orderStepKey, ordersSaga } from './orders-saga.js';
import type { OrderInput, OrderStep, OrdersSagaDeps } from './orders-saga.js';

/** The saga over a real KV state machine, one Raft index per proposal. */
function harness(options: { faults?: boolean; crash?: (step: OrderStep) => Promise<never> } = {}) {
  const kv = new KvStateMachine();
  let index = 0;
  const proposals: string[] = [];
  const deps: OrdersSagaDeps = {
    propose: (command) => {
      proposals.push(`${command.phase} ${command.key}`);
      return Promise.resolve(kv.apply(encodeCommand(command), ++index) as Extract<KvResult, { type: 'saga-step' }>);
    },
    faults: options.faults ?? false,
    crash: options.crash ?? (() => Promise.reject(new Error('no crash expected'))),
  };
  const saga = ordersSaga(deps);
  const log = new MemorySagaLog();
  const clock = new ManualClock(0);
  const open = () => new SagaOrchestrator({ log, records: log.records, sagas: [saga as SagaDefinition<never>], clock, random: seededRandom(1) });
  return { kv, proposals, saga, log, open, value: (key: string) => kv.get(key)?.value };
}

const ORDER: OrderInput = { sku: 'w', quantity: 2, cents: 300 };

describe('ordersSaga', () => {
  it('reserves, charges and ships, each one saga-step with its counter', async () => {
    const h = harness();
    const outcome = await h.open().start(h.saga, ORDER, { id: 's1' });
    expect(outcome).toMatchObject({ status: 'completed', results: { reserve: { key: 'orders/s1/reserve', duplicate: false }, charge: { duplicate: false }, ship: { duplicate: false } } });
    expect(h.proposals).toEqual(['action orders/s1/reserve', 'action orders/s1/charge', 'action orders/s1/ship']);
    expect([h.value('stock/w/reserved'), h.value('payments/w/cents'), h.value('shipping/w/parcels')]).toEqual(['2', '300', '1']);
    expect(JSON.parse(h.value(orderStepKey('s1', 'charge')) ?? '')).toEqual({ applied: 'charge', idempotencyKey: 's1:1', sku: 'w', quantity: 2, cents: 300 });
  });

  it('with fail=reserve compensates the reserve that never applied: a tombstone, no counter change', async () => {
    const h = harness();
    const outcome = await h.open().start(h.saga, { ...ORDER, fail: 'reserve' }, { id: 's2' });
    expect(outcome).toMatchObject({ status: 'compensated', failedStep: 'reserve', error: { name: 'OrderDeclinedError' } });
    expect(h.proposals).toEqual(['compensate orders/s2/reserve']);
    expect(JSON.parse(h.value('orders/s2/reserve') ?? '')).toEqual({ compensated: true, idempotencyKey: 's2:0', succeeded: false });
    expect(h.value('stock/w/reserved')).toBeUndefined();
  });

  it('declines, without retrying, an action whose key holds its compensation tombstone', async () => {
    const h = harness();
    h.kv.apply(encodeCommand({ op: 'saga-step', phase: 'compensate', key: 'orders/s3/reserve', value: '{"compensated":true}' }), 1000);
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
    expect(h.value('orders/s4/ship')).toBeUndefined();

    const second = h.open();
    expect(second.resume()).toEqual(['s4']);
    const outcome = await second.wait('s4');
    expect(outcome).toMatchObject({ status: 'completed', results: { reserve: { duplicate: false }, charge: { duplicate: true }, ship: { duplicate: false } } });
    expect(crashed).toEqual(['charge']); // a duplicate never crashes again
    expect([h.value('stock/w/reserved'), h.value('payments/w/cents'), h.value('shipping/w/parcels')]).toEqual(['2', '300', '1']);
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
