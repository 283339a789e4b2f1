import type { Registry, RegistryContentType } from 'prom-client';
import { MetricSet } from '../metric-set.js';
import { checkBuckets, resolveCommonOptions } from '../options.js';
import { nodeSources, perNode } from './node-sources.js';

/**
 * What the Raft collector reads from a node at scrape time: a `RaftNode` from `@bulwark/core`
 * has this shape (`id` and `status()`). The proposal counters are optional so that a node
 * without them still exports the rest (their series then read 0).
 */
export interface RaftMetricsSource {
  readonly id: string;
  status(): {
    readonly term: number;
    readonly role: string;
    readonly commit: number;
    readonly appliedIndex: number;
    readonly lastIndex?: number;
    /** Proposals accepted by this node as leader, monotonic. */
    readonly proposalsTotal?: number;
    /** Of those, proposals that failed (lost, dropped, stopped), monotonic. */
    readonly proposalsFailed?: number;
  };
}

/** Options of {@link registerRaftMetrics}. */
export interface RaftMetricsOptions {
  /** The prom-client registry to add the metrics to (default prom-client's global `register`). */
  readonly register?: Registry<RegistryContentType>;
  /** Put before every metric name (default `'bulwark_'`), as for `registerMetrics`. */
  readonly prefix?: string;
  /**
   * Upper bounds of `raft_fsync_duration_seconds`, in seconds, strictly ascending (default
   * {@link DEFAULT_FSYNC_BUCKETS}).
   */
  readonly fsyncBuckets?: readonly number[];
}

/** What {@link registerRaftMetrics} returns. */
export interface RaftMetricsHandle {
  /**
   * Records one fsync of a node's log, in seconds: call it from `FilePersistentStorage`'s
   * `onSync`. `node` is the node's id (default: the first node exported). Ignored after
   * `unregister()`, for a negative or non-finite value, and when there is no node to label it with.
   */
  observeFsync(seconds: number, node?: string): void;
  /** Removes every family this call added. Idempotent. */
  unregister(): void;
}

/**
 * The default bounds of the fsync histogram, in seconds: 50 µs to 1 s, since one fsync costs
 * 0.1–2 ms on an ordinary SSD and a group commit far less per entry.
 */
export const DEFAULT_FSYNC_BUCKETS: readonly number[] = Object.freeze([
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
]);

const WHERE = 'registerRaftMetrics';
const KEYS = ['register', 'prefix', 'fsyncBuckets'];

function firstId(nodes: Iterable<RaftMetricsSource>): string | undefined {
  for (const node of nodes) return node.id;
  return undefined;
}

/**
 * Exports Raft nodes as Prometheus metrics: term, commit and applied index, a leader flag,
 * proposal counters (read from `status()` at every scrape, costing nothing between scrapes) and
 * an fsync-duration histogram fed through the returned handle's `observeFsync`. Every series has
 * a `node` label, the node's id.
 *
 * @param nodes one node, several, or a function returning the nodes to export now
 * @param options `register` (default prom-client's global one), `prefix` (default `'bulwark_'`),
 *   `fsyncBuckets` (seconds; default {@link DEFAULT_FSYNC_BUCKETS})
 * @throws TypeError when an argument is malformed, or when the registry has one of the names
 *   already (nothing is added then)
 * @example
 * const raftMetrics = registerRaftMetrics(node, { register });
 * const storage = FilePersistentStorage.open({ dir, voters, onSync: (s) => raftMetrics.observeFsync(s) });
 */
export function registerRaftMetrics(
  nodes: RaftMetricsSource | readonly RaftMetricsSource[] | (() => Iterable<RaftMetricsSource>),
  options?: RaftMetricsOptions,
): RaftMetricsHandle {
  const list = nodeSources<RaftMetricsSource>(WHERE, 'nodes', nodes, 'status', 'a Raft node');
  const { register, prefix, given } = resolveCommonOptions(WHERE, options, KEYS);
  if (given.fsyncBuckets !== undefined) checkBuckets(WHERE, 'fsyncBuckets', given.fsyncBuckets);
  const status = (node: RaftMetricsSource) => node.status();
  const metrics = new MetricSet(register, prefix, WHERE);
  const gauges = [
    ['raft_term', 'The current Raft term of the node.', (s) => s.term],
    ['raft_commit_index', 'The highest log index the node knows to be committed.', (s) => s.commit],
    ['raft_applied_index', 'The highest log index the node applied to its state machine.', (s) => s.appliedIndex],
    ['raft_leader', '1 while the node is the leader, 0 otherwise.', (s) => (s.role === 'leader' ? 1 : 0)],
  ] as const satisfies ReadonlyArray<readonly [string, string, (s: ReturnType<RaftMetricsSource['status']>) => number]>;
  const histogram = metrics.build(() => {
    for (const [name, help, pick] of gauges) metrics.gauge({ name, help, labelNames: ['node'], read: perNode(list, status, pick) });
    metrics.counter({
      name: 'raft_proposals_total',
      help: 'Proposals the node accepted as leader (client commands and membership changes).',
      labelNames: ['node'],
      read: perNode(list, status, (s) => s.proposalsTotal ?? 0),
    });
    metrics.counter({
      name: 'raft_proposals_failed_total',
      help: 'Of those, proposals that failed: overwritten, lost with leadership, dropped or stopped.',
      labelNames: ['node'],
      read: perNode(list, status, (s) => s.proposalsFailed ?? 0),
    });
    return metrics.histogram({
      name: 'raft_fsync_duration_seconds',
      help: 'Duration of the fsyncs that made the node\'s log durable (one per group commit).',
      labelNames: ['node'],
      buckets: (given.fsyncBuckets as readonly number[] | undefined) ?? DEFAULT_FSYNC_BUCKETS,
    });
  });
  let registered = true;
  return {
    observeFsync(seconds, node) {
      if (!registered || !Number.isFinite(seconds) || seconds < 0) return;
      const id = node ?? firstId(list());
      if (id !== undefined) histogram.observe({ node: id }, seconds);
    },
    unregister() {
      if (!registered) return;
      registered = false;
      metrics.removeAll();
    },
  };
}
