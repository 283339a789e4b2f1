import { isSagaIdConflictError, isSagaOrchestratorStoppedError } from '@bulwark/core';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { badRequest } from '../http/reply.js';
import type { Reply } from '../http/reply.js';
import type { Checked } from '../http/validation.js';
import { ORDER_STEPS } from './orders-saga.js';
import type { OrderInput, OrderStep } from './orders-saga.js';
import { isSagaUnavailableError } from './saga-unavailable-error.js';
import { isOrderIdConflictError } from './sagas-service.js';
import type { SagasService } from './sagas-service.js';

/** Skus: 1 to 64 of `A-Z a-z 0-9 . _ : -` (they become KV keys). */
export const SKU_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
/** Saga ids, as the orchestrator takes them: 1 to 100 of `A-Z a-z 0-9 . _ : -`. */
export const SAGA_ID_PATTERN = /^[A-Za-z0-9._:-]{1,100}$/;
/** The most units one order may reserve. */
export const MAX_QUANTITY = 100;
/** The most cents one order may charge (10 million in currency units): far from the counters' safe-integer limit. */
export const MAX_CENTS = 1_000_000_000;
/** The steps `?fail=` may name: those before and at the pivot (a step after it is retried until it succeeds). */
const FAILABLE: readonly OrderStep[] = ['reserve', 'charge'];
const LIST_LIMIT = 20;
const MAX_LIST_LIMIT = 100;

/** A request to the sagas API, framework-neutral. */
export interface SagasRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body?: unknown;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly query?: Readonly<Record<string, unknown>>;
}

/** The order `POST /sagas/orders` asked for, validated. */
export interface OrderRequest {
  readonly input: OrderInput;
  readonly id?: string;
}

const fail = (reply: Reply): Checked<never> => ({ ok: false, reply });

/**
 * The body and query of `POST /sagas/orders`: `{ sku, quantity, cents }` (sku 1–64 of
 * `A-Z a-z 0-9 . _ : -`, quantity an integer 1–100, cents an integer 0–1e9, no other field),
 * `?fail=reserve|charge`, `?crash=reserve|charge|ship` (only with `faults`), `?id=`.
 */
export function checkOrder(body: unknown, query: Readonly<Record<string, unknown>>, faults: boolean): Checked<OrderRequest> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail(badRequest('body', 'the body must be a JSON object { "sku", "quantity", "cents" }'));
  const b = body as Record<string, unknown>;
  for (const field of Object.keys(b)) {
    if (!['sku', 'quantity', 'cents'].includes(field)) return fail(badRequest(field, `unknown field ${JSON.stringify(field)} (the fields are sku, quantity, cents)`));
  }
  if (typeof b.sku !== 'string' || !SKU_PATTERN.test(b.sku)) return fail(badRequest('sku', 'sku must be 1 to 64 of A-Z a-z 0-9 . _ : -'));
  if (typeof b.quantity !== 'number' || !Number.isInteger(b.quantity) || b.quantity < 1 || b.quantity > MAX_QUANTITY) {
    return fail(badRequest('quantity', `quantity must be an integer from 1 to ${MAX_QUANTITY}`));
  }
  if (typeof b.cents !== 'number' || !Number.isSafeInteger(b.cents) || b.cents < 0 || b.cents > MAX_CENTS) {
    return fail(badRequest('cents', `cents must be an integer from 0 to ${MAX_CENTS}`));
  }
  for (const name of Object.keys(query)) {
    if (!['fail', 'crash', 'id'].includes(name)) return fail(badRequest(name, `unknown query parameter ${JSON.stringify(name)} (the parameters are fail, crash, id)`));
    if (typeof query[name] !== 'string') return fail(badRequest(name, `${name} must be given once`));
  }
  const failStep = query.fail as string | undefined;
  if (failStep !== undefined && !FAILABLE.includes(failStep as OrderStep)) {
    return fail(badRequest('fail', `fail must be one of ${FAILABLE.join(', ')} (ship comes after the pivot: it is retried until it succeeds)`));
  }
  const crash = query.crash as string | undefined;
  if (crash !== undefined) {
    if (!faults) return fail(badRequest('crash', 'crash is a test fault: it needs the member to run with BULWARK_FAULTS=1'));
    if (!ORDER_STEPS.includes(crash as OrderStep)) return fail(badRequest('crash', `crash must be one of ${ORDER_STEPS.join(', ')}`));
  }
  const id = query.id as string | undefined;
  if (id !== undefined && !SAGA_ID_PATTERN.test(id)) return fail(badRequest('id', 'id must be 1 to 100 of A-Z a-z 0-9 . _ : -'));
  const input: OrderInput = {
    sku: b.sku,
    quantity: b.quantity,
    cents: b.cents,
    ...(failStep === undefined ? {} : { fail: failStep as OrderStep }),
    ...(crash === undefined ? {} : { crash: crash as OrderStep }),
  };
  return { ok: true, value: id === undefined ? { input } : { input, id } };
}

const unavailable = (code: string, message: string): Reply => ({ status: 503, headers: { 'retry-after': '1' }, body: { error: { code, message } } });

/**
 * The sagas API over a member's {@link SagasService}: `POST /sagas/orders` (the orders demo),
 * `GET /sagas/:id` and `GET /sagas` (newest first). A follower's saga steps reach the leader
 * through `POST /cluster/commands` (`MemberProposer`).
 */
export class SagasApi {
  constructor(
    private readonly runtime: ClusterRuntime,
    private readonly service: SagasService,
  ) {}

  /**
   * `POST /sagas/orders`: 200 with the outcome when the saga ends within the service's
   * `replyWithinMs`, else 202 `{ id, status }` with `Location: /sagas/<id>`; 400 naming the
   * field; 409 when `?id=` names a saga of another order, or one this member forgot (past its
   * log's window) whose records it still holds; 503 while the sagas are not running.
   */
  async order(request: SagasRequest): Promise<Reply> {
    const checked = checkOrder(request.body, request.query ?? {}, this.runtime.config.faults);
    if (!checked.ok) return checked.reply;
    try {
      const reply = await this.service.order(checked.value.input, checked.value.id);
      if (reply.ended) return { status: 200, body: reply.outcome };
      return { status: 202, headers: { location: `/sagas/${reply.id}` }, body: { id: reply.id, status: reply.status } };
    } catch (error) {
      if (isOrderIdConflictError(error)) return { status: 409, body: { error: { code: error.code, message: error.message, field: 'id' }, id: error.id } };
      // The id of an ended saga this member no longer keeps: refused until its log compacts.
      if (isSagaIdConflictError(error)) return { status: 409, body: { error: { code: error.code, message: error.message, field: 'id' }, id: error.sagaId } };
      if (isSagaUnavailableError(error)) return unavailable(error.code, error.message);
      if (isSagaOrchestratorStoppedError(error)) return unavailable('ESAGASSTOPPED', error.message);
      throw error;
    }
  }

  /** `GET /sagas/:id`: 200 with the saga's history (plain JSON), 404 when this member's log does not hold it. */
  get(request: SagasRequest): Reply {
    const id = request.params?.id;
    if (typeof id !== 'string' || !SAGA_ID_PATTERN.test(id)) return badRequest('id', 'id must be 1 to 100 of A-Z a-z 0-9 . _ : -');
    const history = this.service.get(id);
    if (history === undefined) return { status: 404, body: { error: { code: 'ENOTFOUND', message: `no saga ${id} in this member's log` }, id } };
    return { status: 200, body: history };
  }

  /** `GET /sagas?limit=`: `{ sagas }`, the newest first (default 20, at most 100). */
  list(request: SagasRequest): Reply {
    const raw = request.query?.limit;
    let limit = LIST_LIMIT;
    if (raw !== undefined) {
      if (typeof raw !== 'string' || !/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_LIST_LIMIT) return badRequest('limit', `limit must be an integer from 1 to ${MAX_LIST_LIMIT}`);
      limit = Number(raw);
    }
    return { status: 200, body: { sagas: this.service.recent(limit) } };
  }

}
