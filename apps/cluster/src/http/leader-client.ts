import { isCircuitOpenError, wrap } from '@bulwark/core';
import type { PolicyRegistry } from '@bulwark/core';
import { replyForError } from './reply.js';
import type { Reply } from './reply.js';

/** The header a follower puts on a request it forwards, naming itself; a member never forwards such a request again. */
export const FORWARDED_HEADER = 'x-bulwark-forwarded';

/** A request to hand to the leader. */
export interface ForwardRequest {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Path and query, as the client sent them (`/kv/a?consistency=lease`). */
  readonly path: string;
  /** JSON text of the body, if any. */
  readonly body?: string;
  readonly requestId?: string;
  readonly write: boolean;
}

/**
 * Forwards client requests from a follower to the leader over HTTP, with the cluster token and
 * the `x-bulwark-forwarded` header, through two policies of the registry: the `forward` timeout
 * (around the call) and a breaker per leader, `forward:<id>`, so that a dead leader costs a fast
 * 503 instead of a connection attempt per request. Only network failures and timeouts count as
 * the breaker's failures; the leader's own answers (4xx, 503) are relayed as they came.
 */
export class LeaderClient {
  constructor(
    private readonly registry: PolicyRegistry,
    private readonly token: string,
    private readonly selfId: string,
  ) {}

  /** The leader's answer, or this member's 503 when the leader could not be reached (with `outcome` for a write). */
  async forward(leaderId: string, baseUrl: string, request: ForwardRequest): Promise<Reply> {
    const policy = wrap(this.registry.timeout('forward'), this.registry.breaker(`forward:${leaderId}`));
    try {
      return await policy.execute(async ({ signal }) => {
        const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, [FORWARDED_HEADER]: this.selfId };
        if (request.body !== undefined) headers['content-type'] = 'application/json';
        if (request.requestId !== undefined) headers['x-request-id'] = request.requestId;
        const response = await fetch(baseUrl + request.path, { method: request.method, headers, body: request.body, signal, redirect: 'manual' });
        const raw = await response.text();
        const relayed: Record<string, string> = {};
        for (const name of ['retry-after', 'location']) {
          const value = response.headers.get(name);
          if (value !== null) relayed[name] = value;
        }
        relayed['x-bulwark-leader'] = leaderId;
        return { status: response.status, headers: relayed, raw: raw === '' ? undefined : raw } satisfies Reply;
      });
    } catch (error) {
      if (isCircuitOpenError(error)) return replyForError(error, request.write);
      const reply = replyForError(error, request.write);
      if (reply.status !== 500) return reply;
      // A network failure: the request may have reached the leader before the connection broke.
      return {
        status: 503,
        headers: { 'retry-after': '1' },
        body: {
          error: {
            code: 'EFORWARD',
            message: `the leader ${leaderId} could not be reached: ${error instanceof Error ? error.message : String(error)}`,
            leader: leaderId,
            ...(request.write ? { outcome: 'unknown' } : {}),
          },
        },
      };
    }
  }
}
