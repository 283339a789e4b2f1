import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { TwoPhaseCoordinator, TwoPhaseParticipant, exponentialBackoff, isDuplicateTransactionError } from '@bulwark/core';
import type { Clock, Random, TransactionMessage, TransactionResult, TransactionStatus, TxWrite } from '@bulwark/core';
import { registerTransactionMetrics } from '@bulwark/prometheus';
import type { TransactionMetricsHandle } from '@bulwark/prometheus';
import { nodeDataDir } from '../config/cluster-config.js';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { HttpTransactionTransport } from './http-transaction-transport.js';
import { KeyOwners } from './key-owners.js';
import { KvParticipantStore } from './kv-participant-store.js';
import { RaftDecisionLog } from './raft-decision-log.js';
import { MemberProposer } from '../cluster/member-proposer.js';
import { TxnUnavailableError } from './txn-unavailable-error.js';

/** Messages a participant takes; the others (votes, acks, status queries) are the coordinator's. */
const PARTICIPANT_MESSAGES: ReadonlySet<string> = new Set(['prepare', 'commit', 'abort']);

/** A client's transaction, validated: the writes (a `null` value deletes) and the keys to read. */
export interface ClientTransaction {
  /** The client's idempotency key (see {@link transactionId}). */
  readonly id?: string;
  readonly writes: readonly TxWrite[];
  readonly reads: readonly string[];
  readonly timeoutMs?: number;
}

/** The answer to a client's transaction: a commit says whether its writes are applied (visible) everywhere yet. */
export type ClientTransactionResult = TransactionResult & { readonly applied?: boolean };

/** A transaction's deadline when the client names none, in ms (the coordinator's default too). */
const DEFAULT_TIMEOUT_MS = 5000;

/**
 * The protocol id of a client's transaction: its `id` joined to a fingerprint of its writes and
 * reads (`<id>~<12 characters>`), or `undefined` when it names no id (the coordinator draws
 * one). The same id with the same writes is the same transaction, so a retry, on any member,
 * joins or is answered by the first; the same id with other writes is another transaction,
 * never mistaken for the first (a first-wins decision or a participant's dedupe would otherwise
 * answer it without applying it).
 */
export function transactionId(request: Pick<ClientTransaction, 'id' | 'writes' | 'reads'>): string | undefined {
  if (request.id === undefined) return undefined;
  const writes = [...request.writes].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((w) => [w.key, w.value]);
  const reads = [...new Set(request.reads)].sort();
  const fingerprint = createHash('sha256').update(JSON.stringify([writes, reads])).digest('base64url').slice(0, 12);
  return `${request.id}~${fingerprint}`;
}

/** Test faults of one transaction (only with the member's `BULWARK_FAULTS=1`; see `TransactionsApi.transact`). */
export interface TransactionFaults {
  /** Keep this coordinator's commit and abort messages back (`'decision'`), or its prepare to one participant. */
  readonly hold?: 'decision' | { readonly prepareTo: string };
}

/** A finished transaction as the status page lists it. */
export interface RecentTransaction {
  readonly id: string;
  readonly status: 'committed' | 'aborted' | 'in-doubt';
  readonly reason?: string;
  readonly participants: readonly string[];
  readonly atMs: number;
}

/** How many finished transactions the status page lists. */
const RECENT = 20;

/**
 * A member's two-phase commit: a coordinator for the transactions clients send it, and a
 * participant for the keys it owns ({@link KeyOwners}: consistent hashing over the voters). The
 * coordinator's decisions go through the cluster's Raft log ({@link RaftDecisionLog}), so any
 * member answers an in-doubt participant; the participant's PREPARED records go to its own
 * durable log under `DATA_DIR/<id>/transactions/participant`, and committed writes to the
 * replicated KV ({@link KvParticipantStore}). Messages travel by {@link HttpTransactionTransport}.
 *
 * The coordinator needs a leader to start (its epoch is a Raft command): {@link TransactionsService.start}
 * keeps trying in the background, and until then {@link TransactionsService.transact} rejects
 * with `TxnUnavailableError`.
 */
export class TransactionsService {
  readonly participant: TwoPhaseParticipant;
  readonly transport: HttpTransactionTransport;
  readonly proposer: MemberProposer;
  /** Messages dropped because the coordinator or participant had stopped (or failed). */
  dropped = 0;
  readonly #runtime: ClusterRuntime;
  readonly #owners = new KeyOwners();
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #recent: RecentTransaction[] = [];
  /** `bulwark_transactions_*` on the member's `/metrics`. */
  readonly #metrics: TransactionMetricsHandle;
  #coordinator: TwoPhaseCoordinator | undefined;
  #starting: Promise<void> | undefined;
  #stopped = false;
  #committed = 0;
  #aborted = 0;
  /** Callers waiting for their commit to be applied: answered `applied: false` on stop. */
  readonly #waiting = new Set<{ readonly txId: string; readonly done: (applied: boolean) => void }>();

  constructor(runtime: ClusterRuntime, options: { readonly clock: Clock; readonly random: Random; readonly dir?: string }) {
    this.#runtime = runtime;
    this.#clock = options.clock;
    this.#random = options.random;
    this.proposer = new MemberProposer(runtime);
    const id = runtime.config.nodeId;
    this.transport = new HttpTransactionTransport({
      selfId: id,
      token: runtime.config.token,
      urlOf: (member) => runtime.memberUrl(member),
      deliverLocal: (message) => this.receive(message),
      registry: runtime.registry,
    });
    const readBarrier = (consistency: 'linearizable') => runtime.readBarrier(consistency);
    this.participant = TwoPhaseParticipant.open({
      id,
      dir: join(options.dir ?? join(nodeDataDir(runtime.config), 'transactions'), 'participant'),
      store: new KvParticipantStore(id, runtime.kv, this.proposer, readBarrier),
      transport: this.transport,
      clock: options.clock,
      random: options.random,
    });
    this.#metrics = registerTransactionMetrics(this, { register: runtime.register });
  }

  /** Whether {@link TransactionsService.stop} was called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Whether the coordinator is up (it needs a leader once, for its epoch). */
  get ready(): boolean {
    return this.#coordinator !== undefined;
  }

  /** Opens the coordinator, retrying with backoff until a leader hands it an epoch. Idempotent. */
  start(): Promise<void> {
    this.#starting ??= (async () => {
      const backoff = exponentialBackoff({ initialDelayMs: 100, maxDelayMs: 2000 });
      let previous = 0;
      for (let attempt = 1; !this.#stopped; attempt++) {
        try {
          const coordinator = await TwoPhaseCoordinator.open({
            id: this.#runtime.config.nodeId,
            decisionLog: new RaftDecisionLog({ kv: this.#runtime.kv, proposer: this.proposer, readBarrier: (c) => this.#runtime.readBarrier(c) }, this.#runtime.config.nodeId),
            transport: this.transport,
            clock: this.#clock,
            random: this.#random,
          });
          if (this.#stopped) {
            await coordinator.stop();
            return;
          }
          this.#coordinator = coordinator;
          return;
        } catch {
          previous = backoff.delay(attempt, previous, this.#random);
          await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, previous));
        }
      }
    })();
    return this.#starting;
  }

  /**
   * Runs a client's transaction: each write and read goes to its key's owner, then two-phase
   * commit across those participants. A commit is answered once every participant has applied
   * its writes and acknowledged (so a linearizable read after the answer sees the writes), or, if
   * that takes past the deadline (`timeoutMs`, default 5 s, from the call), with
   * `applied: false`: committed for good, and applied as soon as the participants can.
   *
   * @throws {TxnUnavailableError} before the coordinator is up
   * @throws {TransactionInDoubtError} when the deadline passed while the decision was being recorded
   */
  async transact(request: ClientTransaction, faults: TransactionFaults = {}): Promise<ClientTransactionResult> {
    const coordinator = this.#coordinator;
    if (coordinator === undefined) throw new TxnUnavailableError('the coordinator is starting (it needs a leader)');
    const voters = this.#runtime.node.status().confState.voters;
    const work: Record<string, { writes: TxWrite[]; reads: string[] }> = {};
    const of = (key: string) => (work[this.#owners.ownerOf(key, voters)] ??= { writes: [], reads: [] });
    for (const write of request.writes) of(write.key).writes.push(write);
    for (const key of request.reads) of(key).reads.push(key);
    const startedAt = this.#clock.now();
    const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const id = transactionId(request);
    if (faults.hold !== undefined && id !== undefined) {
      if (faults.hold === 'decision') this.transport.hold(id, ['commit', 'abort']);
      else this.transport.hold(id, ['prepare'], faults.hold.prepareTo);
    }
    try {
      const result = await coordinator.transact({ id, participants: work, timeoutMs });
      if (result.status === 'committed') this.#committed++;
      else this.#aborted++;
      this.#remember({ id: result.id, status: result.status, reason: result.reason, participants: Object.keys(work), atMs: this.#clock.now() });
      if (result.status !== 'committed') return result;
      const writes = Object.values(result.votes).some((vote) => vote.vote === 'yes');
      const applied = !writes || (await this.#applied(result.id, startedAt + timeoutMs - this.#clock.now()));
      return { ...result, applied };
    } catch (error) {
      // The same id and writes, decided before (by another member's coordinator, or this one
      // before a restart): the same transaction, answered from the replicated decision.
      if (isDuplicateTransactionError(error) && error.reason === 'decided' && id !== undefined) {
        const decided = this.#runtime.kv.decision(id);
        if (decided !== undefined) {
          const status = decided.decision === 'commit' ? 'committed' : 'aborted';
          return { id, status, votes: {}, ...(status === 'committed' ? { applied: decided.ended === true } : {}) };
        }
      }
      if (id !== undefined && !isDuplicateTransactionError(error)) this.#remember({ id, status: 'in-doubt', participants: Object.keys(work), atMs: this.#clock.now() });
      throw error;
    }
  }

  /**
   * A transaction as this member knows it: its coordinator's view when it coordinated it, else
   * the decision the cluster's log holds (until every participant acknowledged), else unknown.
   */
  status(id: string): TransactionStatus {
    const local = this.#coordinator?.status(id);
    if (local !== undefined && local.status !== 'unknown') return local;
    const decision = this.#runtime.kv.decision(id);
    if (decision !== undefined) {
      return { id, status: decision.decision === 'commit' ? 'committed' : 'aborted', votes: {}, participants: decision.participants };
    }
    return { id, status: 'unknown', votes: {}, participants: [] };
  }

  /**
   * Hands a validated message to the coordinator or the participant. Never throws: a message
   * that reaches a stopped or failed party is dropped and counted in {@link TransactionsService.dropped}.
   */
  receive(message: TransactionMessage): void {
    try {
      if (PARTICIPANT_MESSAGES.has(message.type)) {
        this.participant.receive(message);
        return;
      }
      this.#coordinator?.receive(message); // before the coordinator is up, votes and queries are re-sent later
    } catch {
      // Stopped or failed (TransactionStoppedError): the message is lost, as on a dead member;
      // the protocol re-sends it to whoever runs next.
      this.dropped++;
      return;
    }
    if (message.type === 'ack' && this.#allAcknowledged(message.txId)) {
      for (const entry of [...this.#waiting]) if (entry.txId === message.txId) entry.done(true);
    }
  }

  /** This member's id (the `node` label of its transaction metrics). */
  get id(): string {
    return this.#runtime.config.nodeId;
  }

  /**
   * Counters and gauges for metrics and the dashboard: transactions this member coordinated to
   * commit or abort (monotonic), those in progress, and its participant's in-doubt transactions
   * and locked keys now.
   */
  transactionStats(): { readonly committed: number; readonly aborted: number; readonly active: number; readonly inDoubt: number; readonly locks: number } {
    return {
      committed: this.#committed,
      aborted: this.#aborted,
      active: this.#coordinator?.activeCount ?? 0,
      inDoubt: this.participant.inDoubt().length,
      locks: this.participant.locks().length,
    };
  }

  /** The last finished transactions coordinated here, newest first. */
  recent(): readonly RecentTransaction[] {
    return this.#recent;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const { done } of [...this.#waiting]) done(false);
    this.#metrics.unregister();
    await this.#coordinator?.stop();
    await this.participant.stop();
  }

  /**
   * Whether every participant of committed `txId` applied its writes within `waitMs`: its last
   * acknowledgement reached the coordinator (each participant acknowledges once its `txn-apply`
   * is committed, so a linearizable read anywhere after that sees the writes), or its end is
   * applied here. At once when that is so already.
   */
  #applied(txId: string, waitMs: number): Promise<boolean> {
    if (this.#allAcknowledged(txId) || this.#runtime.kv.decision(txId)?.ended === true) return Promise.resolve(true);
    const clock = this.#clock;
    const waiting = this.#waiting;
    return new Promise((resolve) => {
      const timer = clock.setTimeout(() => done(false), Math.max(0, waitMs));
      const remove = this.#runtime.kv.onTransactionEnded((ended) => {
        if (ended === txId) done(true);
      });
      const entry = { txId, done };
      waiting.add(entry);
      function done(value: boolean): void {
        clock.clearTimeout(timer);
        remove();
        waiting.delete(entry);
        resolve(value);
      }
    });
  }

  /** The coordinator has every acknowledgement of committed `txId` (it finished phase two). */
  #allAcknowledged(txId: string): boolean {
    const status = this.#coordinator?.status(txId);
    return status?.status === 'committed' && status.unacknowledged === undefined;
  }

  #remember(entry: RecentTransaction): void {
    this.#recent.unshift(entry);
    if (this.#recent.length > RECENT) this.#recent.length = RECENT;
  }
}
