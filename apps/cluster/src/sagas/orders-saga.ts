import { defineSaga, exponentialBackoff } from '@bulwark/core';
import type { RetryContext, SagaCompensationContext, SagaDefinition, SagaRetryOptions, SagaStepContext } from '@bulwark/core';
import type { KvCommand, KvResult, SagaCounter } from '../kv/kv-command.js';
import { OrderDeclinedError, isOrderDeclinedError } from './order-declined-error.js';

/** The replicated command of the sagas' participants. */
export type SagaStepCommand = Extract<KvCommand, { op: 'saga-step' }>;


/** The orders saga's steps, in order: `charge` is the pivot. */
export const ORDER_STEPS = ['reserve', 'charge', 'ship'] as const;
/** One of {@link ORDER_STEPS}. */
export type OrderStep = (typeof ORDER_STEPS)[number];

/** An order, as the saga's input (and log) holds it. */
export interface OrderInput {
  readonly sku: string;
  readonly quantity: number;
  readonly cents: number;
  /** The demo's `?fail=` flag: this step's action declines (not retried), so the saga compensates. */
  readonly fail?: OrderStep;
  /** The demo's `?crash=` flag: this step's action applies its write, then the process dies. */
  readonly crash?: OrderStep;
}

/** What a step's action returns (logged, and shown in `GET /sagas/:id`). */
export interface OrderStepResult {
  /** The step's record in the KV: `orders/<memberId>/<sagaId>/<step>`. */
  readonly key: string;
  /** Its revision (the Raft index that wrote it). */
  readonly revision: number;
  /** True when the KV had applied this key before (a retry, or a re-run after a crash). */
  readonly duplicate: boolean;
}

/** What the orders saga needs from its member. */
export interface OrdersSagaDeps {
  /** The orchestrating member's id (`NODE_ID`): its sagas' KV keys are its own, `orders/<memberId>/…`. */
  readonly memberId: string;
  /** Proposes a saga-step command through Raft from this member. */
  readonly propose: (command: SagaStepCommand) => Promise<Extract<KvResult, { type: 'saga-step' }>>;
  /** Whether the fault hook is on (`BULWARK_FAULTS=1`): `crash` is honoured only then. */
  readonly faults: boolean;
  /** Kills the process (default in the service: SIGKILL to itself). Never returns normally. */
  readonly crash: (step: OrderStep) => Promise<never>;
}

/**
 * The KV key of a step's record: `orders/<memberId>/<sagaId>/<step>`. Saga ids are unique only in
 * their member's log, so the key names the member that orchestrates the saga.
 */
export const orderStepKey = (memberId: string, sagaId: string, step: OrderStep): string => `orders/${memberId}/${sagaId}/${step}`;

/** The counter each step moves: units reserved, cents charged, parcels scheduled, per sku. */
export function orderCounter(step: OrderStep, input: Pick<OrderInput, 'sku' | 'quantity' | 'cents'>): SagaCounter {
  switch (step) {
    case 'reserve':
      return { key: `stock/${input.sku}/reserved`, delta: input.quantity };
    case 'charge':
      return { key: `payments/${input.sku}/cents`, delta: input.cents };
    case 'ship':
      return { key: `shipping/${input.sku}/parcels`, delta: 1 };
  }
}

const retryUnlessDeclined = (context: RetryContext): boolean => 'error' in context && !isOrderDeclinedError(context.error);
/** A leader change takes a few hundred ms: retry transient failures for ~10 s before giving up. */
const RETRY: SagaRetryOptions = { maxAttempts: 10, backoff: exponentialBackoff({ initialDelayMs: 100, maxDelayMs: 2_000 }), shouldRetry: retryUnlessDeclined };
/** Each attempt's limit (it may still apply after: the key dedupes the retry). */
const ATTEMPT_TIMEOUT_MS = 10_000;

/**
 * The demo's orders saga: reserve stock → charge payment (the pivot) → schedule shipping. Each
 * step is one `saga-step` command on the replicated KV, keyed `orders/<memberId>/<sagaId>/<step>`
 * and carrying the step's idempotency key, so it applies at most once whatever the retries and
 * crashes: the action writes the key only if it is absent (the same idempotency key there is a
 * duplicate, another one a conflict that declines the step) and is refused once the key holds
 * its compensation's tombstone; the compensation writes the tombstone and reverts the step's
 * counter only if this step's action value was there, never another's.
 */
export function ordersSaga(deps: OrdersSagaDeps): SagaDefinition<OrderInput> {
  const action = (step: OrderStep) => async (c: SagaStepContext<OrderInput>): Promise<OrderStepResult> => {
    if (c.input.fail === step) throw new OrderDeclinedError(step, `${step} declined (the ?fail=${step} flag)`);
    const key = orderStepKey(deps.memberId, c.sagaId, step);
    const counter = orderCounter(step, c.input);
    const value = JSON.stringify({ applied: step, idempotencyKey: c.idempotencyKey, sku: c.input.sku, quantity: c.input.quantity, cents: c.input.cents });
    const result = await deps.propose({ op: 'saga-step', phase: 'action', key, value, idempotencyKey: c.idempotencyKey, counter });
    if (result.outcome === 'refused') throw new OrderDeclinedError(step, `${step} was compensated already (${key} holds its tombstone)`);
    if (result.outcome === 'conflict') throw new OrderDeclinedError(step, `${key} holds another step's value (not ${c.idempotencyKey}): nothing applied`);
    if (result.outcome === 'bad-counter') throw new OrderDeclinedError(step, `the counter ${counter.key} holds no integer, or ${step} would take it past ±(2^53 − 1)`);
    // The write is in the log; dying before the reply is the crash the demo shows. A re-run finds
    // the key applied (`duplicate`) and goes on.
    if (result.outcome === 'applied' && c.input.crash === step && deps.faults) await deps.crash(step);
    return { key, revision: result.revision, duplicate: result.outcome === 'duplicate' };
  };
  const compensate = (step: OrderStep) => async (c: SagaCompensationContext<OrderInput>): Promise<{ readonly outcome: string }> => {
    const key = orderStepKey(deps.memberId, c.sagaId, step);
    const value = JSON.stringify({ compensated: true, idempotencyKey: c.idempotencyKey, succeeded: c.succeeded });
    // `conflict`: the key holds another step's value, which this compensation leaves alone (its own action never applied there).
    const result = await deps.propose({ op: 'saga-step', phase: 'compensate', key, value, idempotencyKey: c.idempotencyKey, counter: orderCounter(step, c.input) });
    // Retried until it succeeds: a counter someone overwrote is an incident to see in GET /sagas/:id.
    if (result.outcome === 'bad-counter') throw new Error(`cannot undo ${step}: the counter ${orderCounter(step, c.input).key} holds no integer, or the undo would take it past ±(2^53 − 1)`);
    return { outcome: result.outcome };
  };
  return defineSaga<OrderInput>({
    name: 'orders',
    steps: [
      { name: 'reserve', action: action('reserve'), compensate: compensate('reserve'), retry: RETRY, timeoutMs: ATTEMPT_TIMEOUT_MS },
      { name: 'charge', action: action('charge'), compensate: compensate('charge'), pivot: true, retry: RETRY, timeoutMs: ATTEMPT_TIMEOUT_MS },
      { name: 'ship', action: action('ship'), retry: RETRY, timeoutMs: ATTEMPT_TIMEOUT_MS },
    ],
  });
}
