import type { TransportFaultRule } from '@bulwark/core';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { memberCommandFromJson } from '../cluster/member-proposer.js';
import { FORWARDED_HEADER } from './leader-client.js';
import { tokenMatches } from './operator-token.js';
import { badRequest, noLeader, replyForError } from './reply.js';
import type { Reply } from './reply.js';

/** An operator request, framework-neutral. */
export interface OperatorRequest {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body?: unknown;
  /** Route parameters (`id` of `DELETE /cluster/members/:id`). */
  readonly params?: Readonly<Record<string, unknown>>;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const header = (request: OperatorRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

function objectBody(body: unknown, allowed: readonly string[]): { ok: true; value: Record<string, unknown> } | { ok: false; reply: Reply } {
  if (body === undefined) return { ok: true, value: {} };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, reply: badRequest('body', 'the body must be a JSON object') };
  for (const field of Object.keys(body)) {
    if (!allowed.includes(field)) return { ok: false, reply: badRequest(field, `unknown field ${JSON.stringify(field)} (the fields are ${allowed.join(', ')})`) };
  }
  return { ok: true, value: body as Record<string, unknown> };
}

function checkId(value: unknown, field: string): Reply | undefined {
  return typeof value === 'string' && ID.test(value) ? undefined : badRequest(field, `${field} must be a member id: letters, digits, '_', '.', '-' (up to 64)`);
}

/**
 * The operator API under `/cluster/*`: every call needs `authorization: Bearer <CLUSTER_TOKEN>`
 * (compared in constant time; 401 otherwise). Membership changes and leadership transfers run
 * on the leader (a follower forwards them, as it does writes); snapshots and faults act on the
 * member asked.
 */
export class OperatorApi {
  constructor(private readonly runtime: ClusterRuntime) {}

  /** 401 unless the request carries the cluster token. */
  authorize(request: OperatorRequest): Reply | undefined {
    if (tokenMatches(header(request, 'authorization'), this.runtime.config.token)) return undefined;
    return {
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="bulwark-cluster"' },
      body: { error: { code: 'EUNAUTHORIZED', message: 'the operator API needs authorization: Bearer <CLUSTER_TOKEN>' } },
    };
  }

  /** `POST /cluster/members` `{ id, url, learner? }`: adds a voter or a learner. */
  async addMember(request: OperatorRequest): Promise<Reply> {
    const body = objectBody(request.body, ['id', 'url', 'learner']);
    if (!body.ok) return body.reply;
    const { id, url, learner } = body.value;
    const badId = checkId(id, 'id');
    if (badId !== undefined) return badId;
    if (typeof url !== 'string' || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol) || new URL(url).pathname !== '/') {
      return badRequest('url', 'url must be the member\'s http(s) base URL, with no path');
    }
    if (learner !== undefined && typeof learner !== 'boolean') return badRequest('learner', 'learner must be true or false');
    return this.#onLeader(request, async () => {
      await this.runtime.addMember(id as string, new URL(url).origin, learner === true);
      return { status: 200, body: { members: this.runtime.status().members } };
    });
  }

  /** `DELETE /cluster/members/:id`. */
  async removeMember(request: OperatorRequest): Promise<Reply> {
    const id = request.params?.id;
    const badId = checkId(id, 'id');
    if (badId !== undefined) return badId;
    return this.#onLeader(request, async () => {
      const s = this.runtime.node.status();
      if (![...s.confState.voters, ...s.confState.learners].includes(id as string)) {
        return { status: 404, body: { error: { code: 'ENOTFOUND', message: `no member ${JSON.stringify(id)}` } } };
      }
      await this.runtime.removeMember(id as string);
      return { status: 200, body: { members: this.runtime.status().members } };
    });
  }

  /** `POST /cluster/transfer-leadership` `{ to }`: 202, then watch `/cluster/status`. */
  async transferLeadership(request: OperatorRequest): Promise<Reply> {
    const body = objectBody(request.body, ['to']);
    if (!body.ok) return body.reply;
    const badTo = checkId(body.value.to, 'to');
    if (badTo !== undefined) return badTo;
    const to = body.value.to as string;
    return this.#onLeader(request, async () => {
      if (!this.runtime.node.status().confState.voters.includes(to)) return badRequest('to', `${JSON.stringify(to)} is not a voter`);
      this.runtime.node.transferLeadership(to);
      return { status: 202, body: { from: this.runtime.config.nodeId, to } };
    });
  }

  /** `POST /cluster/snapshot`: snapshots this member's state machine and compacts its log now. */
  async snapshot(): Promise<Reply> {
    try {
      return { status: 200, body: await this.runtime.snapshotNow() };
    } catch (error) {
      return replyForError(error, false);
    }
  }

  /** `GET /cluster/faults`: the fault hook's rule and counts (404 unless `BULWARK_FAULTS=1`). */
  getFaults(): Reply {
    const faults = this.runtime.faults;
    return faults === undefined ? this.#faultsOff() : { status: 200, body: faults.describe() };
  }

  /** `PUT /cluster/faults` `{ drop?, delayMs?, partitioned?, oneWay? }` (404 unless `BULWARK_FAULTS=1`). */
  setFaults(request: OperatorRequest): Reply {
    const faults = this.runtime.faults;
    if (faults === undefined) return this.#faultsOff();
    const body = objectBody(request.body, ['drop', 'delayMs', 'partitioned', 'oneWay']);
    if (!body.ok) return body.reply;
    const { drop, delayMs, partitioned, oneWay } = body.value;
    if (drop !== undefined && (typeof drop !== 'number' || !(drop >= 0 && drop <= 1))) return badRequest('drop', 'drop must be a probability from 0 to 1');
    if (delayMs !== undefined && (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0 || delayMs > 60_000)) {
      return badRequest('delayMs', 'delayMs must be a number of milliseconds from 0 to 60000');
    }
    if (partitioned !== undefined && (!Array.isArray(partitioned) || partitioned.length > 1000 || partitioned.some((id) => typeof id !== 'string' || !ID.test(id)))) {
      return badRequest('partitioned', 'partitioned must be an array of member ids');
    }
    if (oneWay !== undefined && typeof oneWay !== 'boolean') return badRequest('oneWay', 'oneWay must be true or false');
    try {
      faults.set(body.value as TransportFaultRule);
    } catch (error) {
      return badRequest('body', error instanceof Error ? error.message : String(error));
    }
    return { status: 200, body: faults.describe() };
  }

  /** `DELETE /cluster/faults`: heals every fault. */
  clearFaults(): Reply {
    const faults = this.runtime.faults;
    if (faults === undefined) return this.#faultsOff();
    faults.clear();
    return { status: 200, body: faults.describe() };
  }

  #faultsOff(): Reply {
    return { status: 404, body: { error: { code: 'ENOFAULTS', message: 'the fault hook is off: start the member with BULWARK_FAULTS=1' } } };
  }

  async #onLeader(request: OperatorRequest, run: () => Promise<Reply>): Promise<Reply> {
    if (this.runtime.isLeader()) {
      try {
        return await run();
      } catch (error) {
        return replyForError(error, true);
      }
    }
    const leader = this.runtime.leader();
    if (leader === undefined || leader.id === this.runtime.config.nodeId) return noLeader();
    if (header(request, FORWARDED_HEADER) !== undefined) return noLeader(`this member is not the leader; the leader is ${leader.id}`);
    if (leader.url === undefined) return noLeader(`the leader ${leader.id} has no known URL`);
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    return this.runtime.leaderClient.forward(leader.id, leader.url, { method: request.method, path: request.url, body, write: true });
  }

  /**
   * `POST /cluster/commands` (members only): a follower hands its leader a member command
   * (`MemberProposer`); 200 with the command's result once applied. Refused with 503 on a member
   * that is not the leader (a command is forwarded once only), 400 without `x-bulwark-forwarded`
   * or for anything but a member command.
   */
  async command(request: OperatorRequest): Promise<Reply> {
    const command = memberCommandFromJson(request.body);
    if (command === undefined) return badRequest('body', 'the body must be a member command (txn-apply, txn-decision, txn-end, txn-epoch, saga-step)');
    if (!this.runtime.isLeader()) {
      return {
        status: 503,
        headers: { 'retry-after': '1' },
        body: { error: { code: 'ENOTLEADER', message: 'this member is not the leader', outcome: 'not-applied', leader: this.runtime.leader()?.id ?? null } },
      };
    }
    if (header(request, FORWARDED_HEADER) === undefined) return badRequest(FORWARDED_HEADER, `only members send commands, with ${FORWARDED_HEADER}`);
    try {
      return { status: 200, body: await this.runtime.propose(command) };
    } catch (error) {
      return replyForError(error, true);
    }
  }
}
