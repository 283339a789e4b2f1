import type { Registry, RegistryContentType } from 'prom-client';
import { MetricSet } from '../metric-set.js';
import { resolveCommonOptions } from '../options.js';
import { nodeSources, perNode } from './node-sources.js';

/**
 * What the two-phase commit collector reads at scrape time from one cluster member: its
 * coordinator's and its participant's counts (any object of this shape; the member adapts its
 * `TwoPhaseCoordinator` and `TwoPhaseParticipant` of `@bulwark/core` to it).
 */
export interface TransactionMetricsSource {
  /** The member's (coordinator's) id: the `node` label. */
  readonly id: string;
  transactionStats(): {
    /** Transactions this coordinator committed, monotonic. */
    readonly committed: number;
    /** Transactions this coordinator aborted, monotonic. */
    readonly aborted: number;
    /** Transactions in progress at this coordinator now. */
    readonly active: number;
    /** Prepared transactions at this participant waiting for the coordinator's decision now. */
    readonly inDoubt: number;
    /** Keys this participant holds locked now. */
    readonly locks: number;
  };
}

/** Options of {@link registerTransactionMetrics}. */
export interface TransactionMetricsOptions {
  /** The prom-client registry to add the metrics to (default prom-client's global `register`). */
  readonly register?: Registry<RegistryContentType>;
  /** Put before every metric name (default `'bulwark_'`), as for `registerMetrics`. */
  readonly prefix?: string;
}

/** What {@link registerTransactionMetrics} returns. */
export interface TransactionMetricsHandle {
  /** Removes every family this call added (and no one else's). Idempotent. */
  unregister(): void;
}

/** The values of the `status` label of `transactions_total`. */
const OUTCOMES = ['committed', 'aborted'] as const;

const WHERE = 'registerTransactionMetrics';
const KEYS = ['register', 'prefix'];

type Stats = ReturnType<TransactionMetricsSource['transactionStats']>;

/**
 * Exports the two-phase commit of cluster members as Prometheus metrics, read from
 * `transactionStats()` at every scrape (costing nothing between scrapes): a counter of finished
 * transactions by outcome, and gauges of the transactions active, the transactions in doubt and
 * the keys locked. Every series has a `node` label, the member's id.
 *
 * @param sources one member, several, or a function returning the members to export now
 * @param options `register` (default prom-client's global one), `prefix` (default `'bulwark_'`)
 * @returns a handle whose `unregister()` removes the families
 * @throws TypeError when an argument is malformed (naming it), or when the registry has one of
 *   the names already (nothing is added then)
 * @example
 * const member = { id: 'a', transactionStats: () => ({ committed, aborted, active, inDoubt, locks }) };
 * const txMetrics = registerTransactionMetrics(member, { register });
 * // on shutdown:
 * txMetrics.unregister();
 */
export function registerTransactionMetrics(
  sources: TransactionMetricsSource | readonly TransactionMetricsSource[] | (() => Iterable<TransactionMetricsSource>),
  options?: TransactionMetricsOptions,
): TransactionMetricsHandle {
  const list = nodeSources<TransactionMetricsSource>(WHERE, 'sources', sources, 'transactionStats', 'a two-phase commit member');
  const { register, prefix } = resolveCommonOptions(WHERE, options, KEYS);
  const stats = (source: TransactionMetricsSource): Stats => source.transactionStats();
  const metrics = new MetricSet(register, prefix, WHERE);
  const gauges = [
    ['transactions_active', 'Transactions in progress at the member as coordinator.', (s) => s.active],
    ['transactions_in_doubt', 'Transactions the member prepared as participant and whose decision it is waiting for.', (s) => s.inDoubt],
    ['transaction_locks', 'Keys the member holds locked as participant.', (s) => s.locks],
  ] as const satisfies ReadonlyArray<readonly [string, string, (s: Stats) => number]>;
  metrics.build(() => {
    metrics.counter({
      name: 'transactions_total',
      help: 'Transactions the member decided as coordinator, by outcome (status): committed or aborted.',
      labelNames: ['node', 'status'],
      read(emit) {
        for (const source of list()) {
          const s = stats(source);
          for (const status of OUTCOMES) emit({ node: source.id, status }, s[status]);
        }
      },
    });
    for (const [name, help, pick] of gauges) metrics.gauge({ name, help, labelNames: ['node'], read: perNode(list, stats, pick) });
  });
  // removeAll() forgets what it removed, so a second call removes nothing.
  return { unregister: () => metrics.removeAll() };
}
