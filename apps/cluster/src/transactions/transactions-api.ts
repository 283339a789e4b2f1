import { checkTransactionMessage, isDuplicateTransactionError, isTransactionInDoubtError } from '@bulwark/core';
import type { TxWrite } from '@bulwark/core';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { tokenMatches } from '../http/operator-token.js';
import { badRequest, replyForError } from '../http/reply.js';
import type { Reply } from '../http/reply.js';
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from '../http/validation.js';
import type { ClientTransaction, TransactionFaults, TransactionsService } from './transactions-service.js';
import { TxnUnavailableError } from './txn-unavailable-error.js';

/** The most writes plus reads one transaction may name. */
export const MAX_TRANSACTION_KEYS = 1000;
/** The longest transaction id a client may choose. */
export const MAX_TRANSACTION_ID_LENGTH = 128;
const TX_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
/** The longest deadline a client may ask for, in ms. */
export const MAX_TRANSACTION_TIMEOUT_MS = 60_000;

/** A request to the transactions API, framework-neutral. */
export interface TransactionsRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body?: unknown;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly query?: Readonly<Record<string, unknown>>;
}

const header = (request: TransactionsRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reply: Reply };

function checkKeyAt(value: unknown, field: string): Reply | undefined {
  if (typeof value !== 'string' || value === '') return badRequest(field, `${field} must be a non-empty string`);
  const bytes = Buffer.byteLength(value, 'utf8');
  return bytes > MAX_KEY_BYTES ? badRequest(field, `${field} must be at most ${MAX_KEY_BYTES} bytes, got ${bytes}`, 413) : undefined;
}

/**
 * The body of `POST /transactions`: `{ "writes": [{ "key", "value" }], "reads"?: [key], "id"?,
 * "timeoutMs"? }`. A `null` value deletes. Keys ≤ 1 KiB and values ≤ 1 MiB (413 beyond), at most
 * {@link MAX_TRANSACTION_KEYS} keys, each written at most once.
 */
export function checkTransactionBody(body: unknown): Checked<ClientTransaction> {
  const fail = (reply: Reply): Checked<never> => ({ ok: false, reply });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail(badRequest('body', 'the body must be a JSON object with "writes"'));
  const b = body as Record<string, unknown>;
  for (const field of Object.keys(b)) {
    if (!['writes', 'reads', 'id', 'timeoutMs'].includes(field)) return fail(badRequest(field, `unknown field ${JSON.stringify(field)} (the fields are writes, reads, id, timeoutMs)`));
  }
  if (!Array.isArray(b.writes) || b.writes.length === 0) return fail(badRequest('writes', 'writes must be a non-empty array of { "key", "value" }'));
  const reads = b.reads ?? [];
  if (!Array.isArray(reads)) return fail(badRequest('reads', 'reads must be an array of keys'));
  if (b.writes.length + reads.length > MAX_TRANSACTION_KEYS) {
    return fail(badRequest('writes', `a transaction names at most ${MAX_TRANSACTION_KEYS} keys, got ${b.writes.length + reads.length}`, 413));
  }
  const writes: TxWrite[] = [];
  const written = new Set<string>();
  for (const [i, raw] of b.writes.entries()) {
    const at = `writes[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(badRequest(at, `${at} must be an object { "key", "value" }`));
    const w = raw as Record<string, unknown>;
    for (const field of Object.keys(w)) if (field !== 'key' && field !== 'value') return fail(badRequest(`${at}.${field}`, `unknown field ${JSON.stringify(field)} in ${at}`));
    const keyError = checkKeyAt(w.key, `${at}.key`);
    if (keyError !== undefined) return fail(keyError);
    const key = w.key as string;
    if (w.value !== null && typeof w.value !== 'string') return fail(badRequest(`${at}.value`, `${at}.value must be a string, or null to delete`));
    if (typeof w.value === 'string') {
      const bytes = Buffer.byteLength(w.value, 'utf8');
      if (bytes > MAX_VALUE_BYTES) return fail(badRequest(`${at}.value`, `${at}.value must be at most ${MAX_VALUE_BYTES} bytes, got ${bytes}`, 413));
    }
    if (written.has(key)) return fail(badRequest(`${at}.key`, `${at}.key ${JSON.stringify(key)} is written twice`));
    written.add(key);
    writes.push({ key, value: w.value as string | null });
  }
  const readKeys: string[] = [];
  for (const [i, key] of reads.entries()) {
    const error = checkKeyAt(key, `reads[${i}]`);
    if (error !== undefined) return fail(error);
    readKeys.push(key as string);
  }
  if (b.id !== undefined && (typeof b.id !== 'string' || b.id.length > MAX_TRANSACTION_ID_LENGTH || !TX_ID.test(b.id))) {
    return fail(badRequest('id', `id must be 1 to ${MAX_TRANSACTION_ID_LENGTH} letters, digits, '_', '.', ':' or '-', starting with a letter or digit`));
  }
  if (b.timeoutMs !== undefined && (typeof b.timeoutMs !== 'number' || !Number.isInteger(b.timeoutMs) || b.timeoutMs < 1 || b.timeoutMs > MAX_TRANSACTION_TIMEOUT_MS)) {
    return fail(badRequest('timeoutMs', `timeoutMs must be an integer from 1 to ${MAX_TRANSACTION_TIMEOUT_MS}`));
  }
  return { ok: true, value: { writes, reads: readKeys, ...(b.id === undefined ? {} : { id: b.id as string }), ...(b.timeoutMs === undefined ? {} : { timeoutMs: b.timeoutMs as number }) } };
}

function unauthorized(): Reply {
  return {
    status: 401,
    headers: { 'www-authenticate': 'Bearer realm="bulwark-cluster"' },
    body: { error: { code: 'EUNAUTHORIZED', message: 'peer endpoints need authorization: Bearer <CLUSTER_TOKEN>' } },
  };
}

/**
 * The transactions API over a member's {@link TransactionsService}: the client's
 * `POST /transactions` and `GET /transactions/:id`, and the token-protected peer endpoints
 * `POST /transactions/messages` (two-phase commit messages: prepare, vote, commit, abort, ack,
 * status). A follower's transaction commands reach the leader through `POST /cluster/commands`
 * (`MemberProposer`).
 */
export class TransactionsApi {
  constructor(
    private readonly runtime: ClusterRuntime,
    private readonly service: TransactionsService,
  ) {}

  /**
   * `POST /transactions`: 200 `{ id, status, reason?, applied?, votes }` (`applied`, for a commit:
   * whether every participant applied its writes before the answer); 503 with `outcome` when the
   * result is not known. With the fault hook on (`BULWARK_FAULTS=1`), `?hold=decision` makes this member
   * keep its commit and abort messages of the transaction to itself (tests kill the coordinator
   * there; the participants then learn the decision from the replicated log), and
   * `?hold=prepare:<member>` its prepare to that participant (the votes never all come in).
   */
  async transact(request: TransactionsRequest): Promise<Reply> {
    const body = checkTransactionBody(request.body);
    if (!body.ok) return body.reply;
    const hold = request.query?.hold;
    let faults: TransactionFaults = {};
    if (hold !== undefined) {
      if (!this.runtime.config.faults) return badRequest('hold', 'hold is a test fault: it needs the member to run with BULWARK_FAULTS=1');
      const prepareTo = typeof hold === 'string' && hold.startsWith('prepare:') ? hold.slice('prepare:'.length) : undefined;
      if (hold !== 'decision' && (prepareTo === undefined || prepareTo === '')) return badRequest('hold', 'hold must be "decision" or "prepare:<member id>"');
      if (body.value.id === undefined) return badRequest('hold', 'hold needs the transaction to name its id');
      faults = { hold: prepareTo === undefined ? 'decision' : { prepareTo } };
    }
    try {
      const result = await this.service.transact(body.value, faults);
      return {
        status: 200,
        body: {
          id: result.id,
          status: result.status,
          ...(result.reason === undefined ? {} : { reason: result.reason }),
          ...(result.applied === undefined ? {} : { applied: result.applied }),
          votes: result.votes,
        },
      };
    } catch (error) {
      if (isTransactionInDoubtError(error)) {
        return {
          status: 503,
          headers: { 'retry-after': '1' },
          body: { error: { code: 'ETXNINDOUBT', message: `${error.message}; ask GET /transactions/${error.txId}`, outcome: 'unknown' }, id: error.txId },
        };
      }
      if (isDuplicateTransactionError(error)) {
        // Running now (a concurrent retry of the same transaction): ask again, or GET its id.
        return {
          status: 409,
          headers: { 'retry-after': '1' },
          body: { error: { code: 'ETXNRUNNING', message: `${error.message}; ask GET /transactions/${error.txId}`, field: 'id' }, id: error.txId },
        };
      }
      if (error instanceof TxnUnavailableError) {
        return { status: 503, headers: { 'retry-after': '1' }, body: { error: { code: error.code, message: error.message, outcome: 'not-applied' } } };
      }
      return replyForError(error, true);
    }
  }

  /** `GET /transactions/:id`: the status and votes as this member knows them; 404 when no member's log holds it. */
  status(request: TransactionsRequest): Reply {
    const id = request.params?.id;
    if (typeof id !== 'string' || id === '' || id.length > 256) return badRequest('id', 'id must be a transaction id');
    const status = this.service.status(id);
    return { status: status.status === 'unknown' ? 404 : 200, body: status };
  }

  /** `POST /transactions/messages` (peers): 204 once handed over; 400 naming the field of a bad message. */
  message(request: TransactionsRequest): Reply {
    if (!tokenMatches(header(request, 'authorization'), this.runtime.config.token)) return unauthorized();
    let message;
    try {
      message = checkTransactionMessage(request.body);
    } catch (error) {
      return badRequest('body', error instanceof Error ? error.message : String(error));
    }
    if (message.to !== this.runtime.config.nodeId) return badRequest('to', `to must be this member (${this.runtime.config.nodeId}), got ${JSON.stringify(message.to)}`);
    if (this.service.stopped) return { status: 503, headers: { 'retry-after': '1' }, body: { error: { code: 'ESTOPPED', message: 'this member is stopping' } } };
    this.service.receive(message);
    return { status: 204 };
  }

}
