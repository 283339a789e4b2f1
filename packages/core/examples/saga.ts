// examples/saga.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SagaOrchestrator, defineSaga, type SagaOutcome } from '@bulwark/core';

type Order = { sku: string; cents: number };

/** Stand-ins for three services; each applies a request once per idempotency key. */
function services(calls: string[]) {
  const done = new Map<string, string>();
  const once = (what: string, key: string, work: () => string): Promise<string> => {
    calls.push(`${what} ${key}`);
    if (!done.has(`${what} ${key}`)) done.set(`${what} ${key}`, work());
    return Promise.resolve(done.get(`${what} ${key}`) as string);
  };
  return {
    reserve: (key: string, sku: string) => once('reserve', key, () => `hold-${sku}`),
    release: (key: string) => once('release', key, () => 'released'),
    charge: (key: string, cents: number) => (cents > 50_000 ? Promise.reject(new Error('declined')) : once('charge', key, () => `pay-${cents}`)),
    refund: (key: string) => once('refund', key, () => 'refunded'), // a no-op for a charge that never happened
    ship: (key: string, sku: string) => once('ship', key, () => `parcel-${sku}`),
  };
}

/** Reserve stock → charge the card (the pivot) → schedule shipping; a declined card undoes the reservation. */
export function orderSaga(s: ReturnType<typeof services>) {
  return defineSaga<Order>({
    name: 'orders',
    steps: [
      { name: 'reserve', action: (c) => s.reserve(c.idempotencyKey, c.input.sku), compensate: (c) => s.release(c.idempotencyKey), timeoutMs: 2_000 },
      {
        name: 'charge',
        action: (c) => s.charge(c.idempotencyKey, c.input.cents),
        compensate: (c) => s.refund(c.idempotencyKey),
        pivot: true, // once paid, the order goes through
        retry: { maxAttempts: 3, shouldRetry: (r) => 'error' in r && (r.error as Error).message !== 'declined' },
      },
      { name: 'ship', action: (c) => s.ship(c.idempotencyKey, c.input.sku), retry: { maxAttempts: 5 } },
    ],
  });
}

/** Places two orders (one declined), restarts, and reads the second one's history from disk. */
export async function placeOrders(): Promise<{ outcomes: SagaOutcome[]; history: string[]; calls: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'sagas-'));
  const calls: string[] = [];
  const saga = orderSaga(services(calls));
  try {
    const orchestrator = SagaOrchestrator.open({ dir, sagas: [saga] });
    orchestrator.resume(); // after a crash: continue what the log holds (nothing, the first time)
    const paid = await orchestrator.start(saga, { sku: 'book', cents: 1_200 }, { id: 'order-1' });
    const declined = await orchestrator.start(saga, { sku: 'piano', cents: 990_000 }, { id: 'order-2' });
    orchestrator.close();

    const reopened = SagaOrchestrator.open({ dir, sagas: [saga] }); // the history survives a restart
    const history = (reopened.get('order-2')?.steps ?? []).map((s) => `${s.name} ${s.status}, undo ${s.compensation?.status ?? '-'}`);
    reopened.close();
    return { outcomes: [paid, declined], history, calls };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
