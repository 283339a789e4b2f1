import {
  isNodeStoppedError,
  isNotLeaderError,
  isProposalDroppedError,
  isRequestLostError,
  isTimeoutError,
} from '@bulwark/core';
import { httpErrorFor } from '@bulwark/http';

/**
 * What a write that failed did: `not-applied` (it will never apply: safe to retry anywhere) or
 * `unknown` (it may apply later, or may have: retry with the same `x-request-id`, which applies
 * it at most once).
 */
export type WriteOutcome = 'not-applied' | 'unknown';

/** The JSON body of every error this service answers. */
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    /** The request field that is wrong (`key`, `value`, `expected`, `consistency`, `x-request-id`, `body`, …). */
    readonly field?: string;
    /** For a failed write: whether it may still apply. */
    readonly outcome?: WriteOutcome;
    /** The leader's id when this member knows it. */
    readonly leader?: string | null;
    readonly retryAfterMs?: number;
  };
}

/** An HTTP answer, framework-neutral: a status, headers (lower-case) and a JSON body or raw JSON text. */
export interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Serialized as JSON. */
  readonly body?: unknown;
  /** Already JSON (a forwarded answer relayed as it came). */
  readonly raw?: string;
}

/** A 400 (or `status`) naming the wrong field. */
export function badRequest(field: string, message: string, status = 400): Reply {
  return { status, body: { error: { code: status === 413 ? 'ETOOLARGE' : 'EBADREQUEST', message, field } } satisfies ErrorBody };
}

/** 503 with `Retry-After`: no leader is known (or the forwarded request met a non-leader). */
export function noLeader(message = 'no leader is known; try again shortly', outcome: WriteOutcome = 'not-applied'): Reply {
  return {
    status: 503,
    headers: { 'retry-after': '1' },
    body: { error: { code: 'ENOLEADER', message, outcome, leader: null, retryAfterMs: 1000 } } satisfies ErrorBody,
  };
}

function unavailable(code: string, message: string, outcome: WriteOutcome | undefined, retryAfterMs = 1000): Reply {
  return {
    status: 503,
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
    body: { error: { code, message, retryAfterMs, ...(outcome === undefined ? {} : { outcome }) } } satisfies ErrorBody,
  };
}

/**
 * The answer for an error from the Raft node or a policy. `write` says whether the request was a
 * write, so that the body tells whether it may still apply. Errors of the policies go through
 * `httpErrorFor` of `@bulwark/http`, the one mapping the adapters share.
 */
export function replyForError(error: unknown, write: boolean): Reply {
  const outcome = (o: WriteOutcome): WriteOutcome | undefined => (write ? o : undefined);
  if (isNotLeaderError(error)) {
    return error.leaderId === undefined ? noLeader(error.message) : unavailable('ENOTLEADER', error.message, outcome('not-applied'));
  }
  if (isProposalDroppedError(error)) return unavailable('EPROPOSALDROPPED', error.message, outcome('not-applied'));
  if (isRequestLostError(error)) return unavailable('EREQUESTLOST', error.message, outcome(error.reason === 'overwritten' ? 'not-applied' : 'unknown'));
  if (isNodeStoppedError(error)) return unavailable('ESTOPPED', 'this member is stopping', outcome('unknown'));
  if (isTimeoutError(error)) return unavailable('ETIMEDOUT', error.message, outcome('unknown'));
  const mapped = httpErrorFor(error);
  if (mapped !== undefined) {
    // A breaker or bulkhead refused the call before it started: it did not run.
    return { status: mapped.status, headers: mapped.headers, body: { error: { ...mapped.body.error, ...(write ? { outcome: 'not-applied' } : {}) } } };
  }
  return { status: 500, body: { error: { code: 'EINTERNAL', message: 'internal error', ...(write ? { outcome: 'unknown' } : {}) } } satisfies ErrorBody };
}
