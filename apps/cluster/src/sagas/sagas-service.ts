import { join } from 'node:path';
import { SagaOrchestrator, exponentialBackoff } from '@bulwark/core';
import type { Clock, Random, SagaDefinition, SagaHistory, SagaOutcome, SagaSummary, TimerHandle } from '@bulwark/core';
import { nodeDataDir } from '../config/cluster-config.js';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { ordersSaga } from './orders-saga.js';
import type { OrderInput, OrderStep, SagaStepCommand } from './orders-saga.js';
import type { KvResult } from '../kv/kv-command.js';
import { MemberProposer } from '../cluster/member-proposer.js';
import { SagaUnavailableError } from './saga-unavailable-error.js';

/** Options of a {@link SagasService}. */
export interface SagasServiceOptions {
  /** The orchestrator's clock: timestamps, retries, timeouts, and the wait before a 202. */
  readonly clock: Clock;
  /** Jitter and generated saga ids. */
  readonly random: Random;
  /** The saga log's directory (default `DATA_DIR/<id>/sagas`). */
  readonly dir?: string;
  /** How long `order()` waits for the saga to end before answering that it is still running, in ms (default 5000). */
  readonly replyWithinMs?: number;
  /** What `?crash=<step>` does once the step's write applied (default: SIGKILL to this process). */
  readonly crash?: (step: OrderStep) => Promise<never>;
}

/** What {@link SagasService.order} answers: the outcome, or the id of a saga still running. */
export type OrderReply = { readonly ended: true; readonly outcome: SagaOutcome } | { readonly ended: false; readonly id: string; readonly status: SagaHistory['status'] };

/** Thrown by {@link SagasService.order} when `id` names a saga started with another input. */
export class OrderIdConflictError extends Error {
  override readonly name = 'OrderIdConflictError';
  readonly code = 'ESAGAIDCONFLICT';
  constructor(readonly id: string) {
    super(`saga ${id} was started with another order`);
  }
}

/** True when `error` is an {@link OrderIdConflictError}. */
export function isOrderIdConflictError(error: unknown): error is OrderIdConflictError {
  return error instanceof OrderIdConflictError;
}

const killSelf = (): Promise<never> => {
  process.kill(process.pid, 'SIGKILL');
  return new Promise<never>(() => undefined); // SIGKILL is not caught: nothing runs after it
};

/**
 * A member's sagas: a {@link SagaOrchestrator} over its own saga log (`DATA_DIR/<id>/sagas`,
 * opened at construction) running the {@link ordersSaga} demo, whose steps write through the
 * cluster's Raft KV from this member (`MemberProposer`). After a restart the log's unfinished
 * sagas continue once a leader is known ({@link SagasService.start}); until then
 * {@link SagasService.order} rejects with {@link SagaUnavailableError}.
 */
export class SagasService {
  readonly orchestrator: SagaOrchestrator;
  readonly orders: SagaDefinition<OrderInput>;
  readonly #runtime: ClusterRuntime;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #replyWithinMs: number;
  #starting: Promise<void> | undefined;
  #resumed = false;
  #stopped = false;

  constructor(runtime: ClusterRuntime, options: SagasServiceOptions) {
    this.#runtime = runtime;
    this.#clock = options.clock;
    this.#random = options.random;
    this.#replyWithinMs = options.replyWithinMs ?? 5_000;
    const proposer = new MemberProposer(runtime);
    const propose = async (command: SagaStepCommand): Promise<Extract<KvResult, { type: 'saga-step' }>> => {
      const result = await proposer.propose(command);
      if (result.type !== 'saga-step') throw new SagaUnavailableError(`the saga step was answered ${JSON.stringify(result)}`);
      return result;
    };
    this.orders = ordersSaga({ memberId: runtime.config.nodeId, propose, faults: runtime.config.faults, crash: options.crash ?? killSelf });
    this.orchestrator = SagaOrchestrator.open({
      dir: options.dir ?? join(nodeDataDir(runtime.config), 'sagas'),
      sagas: [this.orders as SagaDefinition<never>],
      clock: options.clock,
      random: options.random,
    });
  }

  /** Whether sagas are taken: the log's unfinished ones were resumed, and the orchestrator runs. */
  get ready(): boolean {
    return this.#resumed && !this.#stopped && !this.orchestrator.stopped;
  }

  /** Resumes the log's unfinished sagas once a leader is known (their steps propose), checking with backoff. Idempotent. */
  start(): Promise<void> {
    this.#starting ??= (async () => {
      const backoff = exponentialBackoff({ initialDelayMs: 100, maxDelayMs: 2000 });
      let previous = 0;
      for (let attempt = 1; !this.#stopped; attempt++) {
        if (this.#runtime.leader() !== undefined) {
          this.orchestrator.resume();
          this.#resumed = true;
          return;
        }
        previous = backoff.delay(attempt, previous, this.#random);
        await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, previous));
      }
    })();
    return this.#starting;
  }

  /**
   * Starts an orders saga (or, with the `id` of a known one, joins it) and waits up to
   * `replyWithinMs` for its outcome.
   *
   * @throws {SagaUnavailableError} before {@link SagasService.start} resumed, or after stop
   * @throws {OrderIdConflictError} when `id` names a saga with another input
   * @throws SagaOrchestratorStoppedError when the log failed (the member must restart)
   */
  async order(input: OrderInput, id?: string): Promise<OrderReply> {
    if (!this.ready) throw new SagaUnavailableError(this.#stopped || this.orchestrator.stopped ? 'the sagas are stopped' : 'the sagas are resuming (they need a leader)');
    if (id !== undefined) {
      const known = this.orchestrator.get(id);
      if (known !== undefined && JSON.stringify(known.input) !== JSON.stringify(input)) throw new OrderIdConflictError(id);
    }
    const sagaId = id ?? this.#newId();
    const started = this.orchestrator.start(this.orders, input, { id: sagaId });
    let timer: TimerHandle | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = this.#clock.setTimeout(() => resolve(undefined), this.#replyWithinMs);
    });
    try {
      const outcome = await Promise.race([started, late]);
      if (outcome !== undefined) return { ended: true, outcome };
    } finally {
      if (timer !== undefined) this.#clock.clearTimeout(timer);
    }
    started.catch(() => undefined); // it goes on; its outcome is read through GET /sagas/:id
    return { ended: false, id: sagaId, status: this.orchestrator.get(sagaId)?.status ?? 'running' };
  }

  /** `order-` and 16 base-36 characters of the injected random source. */
  #newId(): string {
    let id = 'order-';
    for (let i = 0; i < 16; i++) id += Math.floor(this.#random() * 36).toString(36);
    return id;
  }

  /** The saga with this id (its steps, results, errors, compensations and events), or `undefined`. */
  get(id: string): SagaHistory | undefined {
    return this.orchestrator.get(id);
  }

  /** The newest sagas first (running and recently ended), at most `limit`. */
  recent(limit = 20): SagaSummary[] {
    return this.orchestrator.list({ limit });
  }

  /** Stops taking sagas and closes the log (running ones continue after a restart). Idempotent. */
  stop(): void {
    this.#stopped = true;
    this.orchestrator.close();
  }
}
