import type { NodeId } from '../../raft/entry.js';
import type { SessionId } from '../../raft/sessions/session-table.js';
import type { KvInput, KvOutput } from '../linearizability/kv-model.js';
import type { HistoryEvent } from '../linearizability/operations-from-events.js';
import { type ClientCall, type ServerReply, type SimMessage, callKey } from './sim-message.js';
import type { SimNetwork, SimTimer } from './sim-network.js';
import type { SimRandom } from './sim-random.js';

/** One event of a simulated client's history, with its virtual time. */
export type SimHistoryEvent = HistoryEvent<KvInput, KvOutput> & { readonly atMs: number };

/** What a client needs from its simulation. */
export interface ClientContext {
  readonly network: SimNetwork<SimMessage>;
  /** The workload's stream: operations, keys, targets, think times. */
  readonly random: SimRandom;
  readonly servers: readonly NodeId[];
  readonly keys: readonly string[];
  readonly attemptTimeoutMs: number;
  readonly giveUpAfterMs: number;
  /** The share of gets served by ReadIndex rather than through the log. */
  readonly readIndexShare: number;
  /** Whether a client may give up on an operation (not once the faults have healed). */
  readonly mayGiveUp: boolean;
  /** Whether a new operation may start: `go`, `wait` (until the faults heal: call `resume()`), `done`. */
  nextOperation(): 'go' | 'wait' | 'done';
  /** How long to wait before the next operation. */
  thinkMs(): number;
  record(event: HistoryEvent<KvInput, KvOutput>): void;
}

interface Operation {
  readonly input: KvInput;
  readonly call: ClientCall & { readonly type: 'op' };
  readonly key: string;
  readonly invokedAtMs: number;
  /** Whether some attempt may have been proposed (so a give-up is `info`, not `fail`). */
  maybeProposed: boolean;
}

/**
 * A simulated client process: registers a session, then runs operations one at a time, each
 * with a fresh sequence number, retrying it (same number) on a timeout or a redirect until it
 * gets an answer, and recording `invoke` then `ok`, `fail` (certainly not applied) or `info`
 * (unknown: it gave up, or its session expired) in the history. Internal to the simulator.
 */
export class SimClient {
  /** The operation in progress, if any. */
  current: Operation | undefined;
  /** The registration in progress, if any. */
  registering: { readonly nonce: string; readonly key: string; readonly sinceMs: number } | undefined;
  /** Whether it ran out of operations. */
  done = false;
  /** Whether it waits for the faults to heal before its next operation. */
  waiting = false;
  private session: SessionId | undefined;
  private seq = 0;
  private ack = 0;
  private registrations = 0;
  private invoked = 0;
  private target: number;
  private timer: SimTimer | undefined;
  /** Values this client last read per key: its cas operations expect them. */
  private readonly seen = new Map<string, string>();

  constructor(
    readonly id: NodeId,
    private readonly index: number,
    private readonly ctx: ClientContext,
  ) {
    this.target = ctx.random.int(0, ctx.servers.length - 1);
  }

  /** Starts after `delayMs`. */
  start(delayMs: number): void {
    this.ctx.network.schedule(delayMs, () => this.next(), { node: this.id });
  }

  /** The faults healed: go on if waiting. */
  resume(): void {
    if (!this.waiting) return;
    this.waiting = false;
    this.next();
  }

  /** Handles a server's reply. */
  receive(message: SimMessage): void {
    if (message.kind !== 'reply') return;
    const { key, reply } = message;
    if (this.registering?.key === key) this.onRegisterReply(reply);
    else if (this.current?.key === key) this.onReply(this.current, reply);
  }

  private next(): void {
    if (this.session === undefined) {
      this.register();
      return;
    }
    const go = this.ctx.nextOperation();
    if (go === 'done') {
      this.done = true;
      return;
    }
    if (go === 'wait') {
      this.waiting = true;
      return;
    }
    const input = this.nextInput();
    const readIndex = input.op === 'get' && this.ctx.random.chance(this.ctx.readIndexShare);
    const call = { type: 'op', session: this.session, seq: ++this.seq, ack: this.ack, op: input, ...(readIndex ? { readIndex } : {}) } as const;
    this.current = { input, call, key: callKey(call), invokedAtMs: this.ctx.network.now, maybeProposed: false };
    this.ctx.record({ process: this.id, type: 'invoke', input });
    this.attempt();
  }

  private register(): void {
    const nonce = `${this.id}#${++this.registrations}`;
    this.registering = { nonce, key: callKey({ type: 'register', nonce }), sinceMs: this.ctx.network.now };
    this.attempt();
  }

  /** Sends the registration or the current operation to the target server, with a timeout. */
  private attempt(): void {
    this.timer?.cancel();
    const call: ClientCall | undefined = this.registering !== undefined ? { type: 'register', nonce: this.registering.nonce } : this.current?.call;
    if (call === undefined) return;
    this.ctx.network.send(this.id, this.server(), { kind: 'request', call });
    this.timer = this.ctx.network.schedule(this.ctx.attemptTimeoutMs, () => this.onTimeout(), { node: this.id });
  }

  private onTimeout(): void {
    this.timer = undefined;
    this.rotate();
    const op = this.current;
    if (op !== undefined) {
      op.maybeProposed = true; // the request may have reached a leader
      if (this.ctx.mayGiveUp && this.ctx.network.now - op.invokedAtMs >= this.ctx.giveUpAfterMs) {
        this.finish({ process: this.id, type: 'info' });
        return;
      }
    }
    this.attempt();
  }

  private onRegisterReply(reply: ServerReply): void {
    this.timer?.cancel();
    if (reply.status === 'registered') {
      this.registering = undefined;
      this.session = reply.session;
      this.seq = 0;
      this.ack = 0;
      this.next();
      return;
    }
    this.redirect(reply);
  }

  private onReply(op: Operation, reply: ServerReply): void {
    this.timer?.cancel();
    switch (reply.status) {
      case 'ok':
        if (op.input.op === 'get' && typeof reply.output === 'string') this.seen.set(op.input.key, reply.output);
        this.finish({ process: this.id, type: 'ok', output: reply.output });
        return;
      case 'expired':
        // Thesis §6.3: the session is gone, and with it the record of whether an earlier copy ran.
        this.session = undefined;
        this.finish({ process: this.id, type: op.maybeProposed ? 'info' : 'fail' });
        return;
      case 'dropped':
        op.maybeProposed = true;
        this.redirect(reply);
        return;
      default:
        this.redirect(reply);
    }
  }

  /** Retries elsewhere: at the leader named, or the next server; soon if a leader is known. */
  private redirect(reply: ServerReply): void {
    const leader = reply.status === 'not-leader' ? reply.leaderId : undefined;
    const at = leader === undefined ? -1 : this.ctx.servers.indexOf(leader);
    if (at >= 0 && at !== this.target) this.target = at;
    else this.rotate();
    const delay = at >= 0 ? this.ctx.random.int(0, 2) : this.ctx.random.int(5, 20);
    this.timer = this.ctx.network.schedule(delay, () => this.attempt(), { node: this.id });
  }

  private finish(event: HistoryEvent<KvInput, KvOutput>): void {
    const op = this.current;
    if (op === undefined) return;
    this.ctx.record(event);
    this.current = undefined;
    this.timer?.cancel();
    this.timer = undefined;
    // Done with this number, answered or not: its cached answer may go, and a late copy is stale.
    if (op.call.seq > this.ack) this.ack = op.call.seq;
    this.ctx.network.schedule(this.ctx.thinkMs(), () => this.next(), { node: this.id });
  }

  private rotate(): void {
    this.target = (this.target + 1) % this.ctx.servers.length;
  }

  private server(): NodeId {
    return this.ctx.servers[this.target] as NodeId;
  }

  /** A random operation on a random key; values are unique, so the checker can tell writes apart. */
  private nextInput(): KvInput {
    const random = this.ctx.random;
    const key = random.pick(this.ctx.keys);
    const value = `${this.index}.${++this.invoked} `;
    switch (random.weighted({ get: 35, put: 15, append: 25, cas: 15, delete: 10 })) {
      case 'get':
        return { op: 'get', key };
      case 'put':
        return { op: 'put', key, value };
      case 'append':
        return { op: 'append', key, value };
      case 'cas':
        return { op: 'cas', key, expected: random.chance(0.2) ? '' : (this.seen.get(key) ?? ''), value };
      default:
        return { op: 'delete', key };
    }
  }
}

/** One history event as a trace line: `    120ms c1 invoke append(k1, "1.3 ")`, `    131ms c1 ok`. */
export function formatHistoryEvent(event: SimHistoryEvent): string {
  const time = `${String(event.atMs).padStart(7)}ms`;
  switch (event.type) {
    case 'invoke': {
      const { input } = event;
      const args = input.op === 'cas' ? `${input.key}, ${JSON.stringify(input.expected)}, ${JSON.stringify(input.value)}` : input.op === 'put' || input.op === 'append' ? `${input.key}, ${JSON.stringify(input.value)}` : input.key;
      return `${time} ${String(event.process)} invoke ${input.op}(${args})`;
    }
    case 'ok':
      return `${time} ${String(event.process)} ok${event.output === undefined ? '' : ` ${JSON.stringify(event.output)}`}`;
    default:
      return `${time} ${String(event.process)} ${event.type}`;
  }
}
