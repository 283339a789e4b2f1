import { Registry as PromRegistry, register as globalRegister } from 'prom-client';
import type { Registry, RegistryContentType } from 'prom-client';
import { MetricSet } from '../metric-set.js';

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
const PREFIX = /^(?:[a-zA-Z_][a-zA-Z0-9_]*)?$/;

function checkOptions(nodes: unknown, options: unknown): void {
  const ok = (n: unknown) => typeof n === 'object' && n !== null && typeof (n as RaftMetricsSource).status === 'function' && typeof (n as RaftMetricsSource).id === 'string';
  if (!(ok(nodes) || (Array.isArray(nodes) && nodes.every(ok)) || typeof nodes === 'function')) {
    throw new TypeError(`${WHERE}: nodes must be a Raft node (id and status()), an array of them, or a function returning them`);
  }
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new TypeError(`${WHERE}: options must be an object`);
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KEYS.includes(key)) throw new TypeError(`${WHERE}: unknown option ${JSON.stringify(key)} (the options are ${KEYS.join(', ')})`);
  }
  if (o.register !== undefined && !(o.register instanceof PromRegistry) && typeof (o.register as Registry).registerMetric !== 'function') {
    throw new TypeError(`${WHERE}: options.register must be a prom-client Registry`);
  }
  if (o.prefix !== undefined && (typeof o.prefix !== 'string' || !PREFIX.test(o.prefix))) {
    throw new TypeError(`${WHERE}: options.prefix must be letters, digits and underscores, not starting with a digit (or ''), got ${JSON.stringify(o.prefix)}`);
  }
  const b = o.fsyncBuckets;
  if (
    b !== undefined &&
    !(Array.isArray(b) && b.length > 0 && b.every((x, i) => typeof x === 'number' && Number.isFinite(x) && x > 0 && (i === 0 || x > (b[i - 1] as number))))
  ) {
    throw new TypeError(`${WHERE}: options.fsyncBuckets must be a non-empty array of positive finite seconds, strictly ascending`);
  }
}

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
  checkOptions(nodes, options);
  const list = (): Iterable<RaftMetricsSource> =>
    typeof nodes === 'function' ? (nodes as () => Iterable<RaftMetricsSource>)() : Array.isArray(nodes) ? nodes : [nodes as RaftMetricsSource];
  const metrics = new MetricSet(options?.register ?? globalRegister, options?.prefix ?? 'bulwark_');
  const gauges = [
    ['raft_term', 'The current Raft term of the node.', (s) => s.term],
    ['raft_commit_index', 'The highest log index the node knows to be committed.', (s) => s.commit],
    ['raft_applied_index', 'The highest log index the node applied to its state machine.', (s) => s.appliedIndex],
    ['raft_leader', '1 while the node is the leader, 0 otherwise.', (s) => (s.role === 'leader' ? 1 : 0)],
  ] as const satisfies ReadonlyArray<readonly [string, string, (s: ReturnType<RaftMetricsSource['status']>) => number]>;
  let histogram: ReturnType<MetricSet['histogram']> | undefined;
  try {
    for (const [name, help, pick] of gauges) {
      metrics.gauge({
        name,
        help,
        labelNames: ['node'],
        read(emit) {
          for (const node of list()) emit({ node: node.id }, pick(node.status()));
        },
      });
    }
    metrics.counter({
      name: 'raft_proposals_total',
      help: 'Proposals the node accepted as leader (client commands and membership changes).',
      labelNames: ['node'],
      read(emit) {
        for (const node of list()) emit({ node: node.id }, node.status().proposalsTotal ?? 0);
      },
    });
    metrics.counter({
      name: 'raft_proposals_failed_total',
      help: 'Of those, proposals that failed: overwritten, lost with leadership, dropped or stopped.',
      labelNames: ['node'],
      read(emit) {
        for (const node of list()) emit({ node: node.id }, node.status().proposalsFailed ?? 0);
      },
    });
    histogram = metrics.histogram({
      name: 'raft_fsync_duration_seconds',
      help: 'Duration of the fsyncs that made the node\'s log durable (one per group commit).',
      labelNames: ['node'],
      buckets: options?.fsyncBuckets ?? DEFAULT_FSYNC_BUCKETS,
    });
  } catch (error) {
    metrics.removeAll();
    throw error;
  }
  let registered = true;
  return {
    observeFsync(seconds, node) {
      if (!registered || !Number.isFinite(seconds) || seconds < 0 || histogram === undefined) return;
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
