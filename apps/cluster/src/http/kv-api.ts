import { isNotLeaderError } from '@bulwark/core';
import type { KvCommand, KvResult } from '../kv/kv-command.js';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { tokenMatches } from './operator-token.js';
import { FORWARDED_HEADER } from './leader-client.js';
import type { ForwardRequest } from './leader-client.js';
import { noLeader, replyForError } from './reply.js';
import type { Reply } from './reply.js';
import { checkCasBody, checkConsistency, checkKey, checkPutBody, checkRequestId } from './validation.js';

/** A client request as the KV API needs it, whatever the framework. */
export interface KvRequest {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** The path and query as sent (`/kv/a%2Fb?consistency=lease`), for forwarding and redirects. */
  readonly url: string;
  /** The key, percent-decoded. */
  readonly key: unknown;
  readonly query: Readonly<Record<string, unknown>>;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The parsed JSON body, if any. */
  readonly body?: unknown;
}

const header = (request: KvRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

function resultReply(result: KvResult): Reply {
  switch (result.type) {
    case 'ok':
      return { status: 200, body: { key: result.key, revision: result.revision } };
    case 'not-found':
      return { status: 404, body: { error: { code: 'ENOTFOUND', message: `no key ${JSON.stringify(result.key)}` }, key: result.key } };
    case 'mismatch':
      return {
        status: 409,
        body: {
          error: { code: 'ECASMISMATCH', message: `the value of ${JSON.stringify(result.key)} is not the one expected` },
          key: result.key,
          current: result.current,
        },
      };
    case 'request-id-reused':
      return {
        status: 422,
        body: { error: { code: 'EREQUESTIDREUSED', field: 'x-request-id', message: `x-request-id ${JSON.stringify(result.requestId)} was used before for another operation or key` } },
      };
    default:
      return { status: 500, body: { error: { code: 'EINTERNAL', message: 'the command could not be applied', outcome: 'not-applied' } } };
  }
}

/**
 * The client KV API over a {@link ClusterRuntime}, framework-neutral: each method takes a
 * {@link KvRequest} and answers a {@link Reply}. On the leader, writes are proposed through Raft
 * and reads are served after their barrier (ReadIndex, or the leader's lease). On a follower,
 * writes and lease reads go to the leader: forwarded (with the cluster token and the
 * `x-bulwark-forwarded` header) by default, or answered 307 with the leader's URL in `Location`
 * when the client asks `?redirect=1` or the member runs with `FORWARD=0`. Linearizable reads are
 * served by any member through ReadIndex (the follower asks the leader for the commit index,
 * then reads its own state machine), and stale reads from the local state at once. No leader:
 * 503 with `Retry-After`.
 */
export class KvApi {
  constructor(private readonly runtime: ClusterRuntime) {}

  /** `GET /kv/:key?consistency=linearizable|lease|stale`. */
  async get(request: KvRequest): Promise<Reply> {
    const key = checkKey(request.key);
    if (!key.ok) return key.reply;
    const consistency = checkConsistency(request.query.consistency);
    if (!consistency.ok) return consistency.reply;
    const refused = this.#checkForwarded(request);
    if (refused !== undefined) return refused;
    if (consistency.value !== 'stale') {
      const wantsLeader = consistency.value === 'lease' || this.#redirectAsked(request);
      if (wantsLeader && !this.runtime.isLeader()) return this.#toLeader(request, undefined, false);
      try {
        await this.runtime.readBarrier(consistency.value);
      } catch (error) {
        return replyForError(error, false);
      }
    }
    const entry = this.runtime.kv.get(key.value);
    if (entry === undefined) return { status: 404, body: { error: { code: 'ENOTFOUND', message: `no key ${JSON.stringify(key.value)}` }, key: key.value } };
    return { status: 200, body: { key: key.value, value: entry.value, revision: entry.revision } };
  }

  /** `PUT /kv/:key` with `{ "value": string }`. */
  async put(request: KvRequest): Promise<Reply> {
    const key = checkKey(request.key);
    if (!key.ok) return key.reply;
    const body = checkPutBody(request.body);
    if (!body.ok) return body.reply;
    return this.#write(request, (requestId) => ({ op: 'put', key: key.value, value: body.value.value, requestId }));
  }

  /** `DELETE /kv/:key`: 200 with the delete's revision, 404 when the key did not exist. */
  async delete(request: KvRequest): Promise<Reply> {
    const key = checkKey(request.key);
    if (!key.ok) return key.reply;
    return this.#write(request, (requestId) => ({ op: 'delete', key: key.value, requestId }));
  }

  /** `POST /kv/:key/cas` with `{ "expected": string | null, "value": string }`: 409 when the current value is not `expected`. */
  async cas(request: KvRequest): Promise<Reply> {
    const key = checkKey(request.key);
    if (!key.ok) return key.reply;
    const body = checkCasBody(request.body);
    if (!body.ok) return body.reply;
    return this.#write(request, (requestId) => ({ op: 'cas', key: key.value, expected: body.value.expected, value: body.value.value, requestId }));
  }

  async #write(request: KvRequest, command: (requestId: string | undefined) => KvCommand): Promise<Reply> {
    const requestId = checkRequestId(header(request, 'x-request-id'));
    if (!requestId.ok) return requestId.reply;
    const refused = this.#checkForwarded(request);
    if (refused !== undefined) return refused;
    if (!this.runtime.isLeader()) return this.#toLeader(request, requestId.value, true);
    try {
      return resultReply(await this.runtime.propose(command(requestId.value)));
    } catch (error) {
      // Leadership moved between the check and the proposal: the entry was never appended.
      if (isNotLeaderError(error) && error.leaderId !== undefined && header(request, FORWARDED_HEADER) === undefined) {
        return this.#toLeader(request, requestId.value, true);
      }
      return replyForError(error, true);
    }
  }

  #redirectAsked(request: KvRequest): boolean {
    const redirect = request.query.redirect;
    return redirect === '1' || redirect === 'true';
  }

  /** A forwarded request must carry the cluster token; it is never forwarded again. */
  #checkForwarded(request: KvRequest): Reply | undefined {
    if (header(request, FORWARDED_HEADER) === undefined) return undefined;
    if (!tokenMatches(header(request, 'authorization'), this.runtime.config.token)) {
      return { status: 401, body: { error: { code: 'EUNAUTHORIZED', message: 'a forwarded request needs the cluster token' } } };
    }
    return undefined;
  }

  async #toLeader(request: KvRequest, requestId: string | undefined, write: boolean): Promise<Reply> {
    const leader = this.runtime.leader();
    if (leader === undefined || leader.id === this.runtime.config.nodeId) return noLeader();
    if (header(request, FORWARDED_HEADER) !== undefined) {
      // The forwarder thought this member led; it does not (any more). Never bounce it on.
      return noLeader(`this member is not the leader; the leader is ${leader.id}`);
    }
    if (leader.url === undefined) return noLeader(`the leader ${leader.id} has no known URL`);
    if (this.#redirectAsked(request) || !this.runtime.config.forward) {
      return {
        status: 307,
        headers: { location: leader.url + request.url, 'x-bulwark-leader': leader.id },
        body: { error: { code: 'ENOTLEADER', message: `this member is not the leader; ask ${leader.url}`, leader: leader.id } },
      };
    }
    const body = request.body === undefined || request.method === 'GET' || request.method === 'DELETE' ? undefined : JSON.stringify(request.body);
    const forward: ForwardRequest = { method: request.method, path: request.url, body, requestId, write };
    return this.runtime.leaderClient.forward(leader.id, leader.url, forward);
  }
}
