import type { PolicyRegistry, RegistryEntry } from '@bulwark/core';
import { bulkheadCollector } from './collectors/bulkhead.js';
import { circuitBreakerCollector } from './collectors/circuit-breaker.js';
import type { Collector, CollectorFactory } from './collectors/collector.js';
import { fallbackCollector } from './collectors/fallback.js';
import { rateLimiterCollector } from './collectors/rate-limiter.js';
import { retryCollector } from './collectors/retry.js';
import { timeoutCollector } from './collectors/timeout.js';
import { MetricSet } from './metric-set.js';
import { resolveOptions } from './options.js';
import type { RegisterMetricsOptions } from './options.js';

/** What {@link registerMetrics} returns. */
export interface MetricsHandle {
  /**
   * Removes every metric family this call added to the prom-client registry and every listener
   * it subscribed (the registry's `onCreated` and `onRemoved`, and the breakers'). Idempotent.
   * Afterwards `registerMetrics` may be called again on the same prom-client registry.
   */
  unregister(): void;
}

// One collector per kind of policy. Raft nodes and two-phase commit have registration functions
// of their own (registerRaftMetrics, registerTransactionMetrics): they are not registry instances.
const COLLECTORS: readonly CollectorFactory[] = [
  circuitBreakerCollector,
  bulkheadCollector,
  retryCollector,
  rateLimiterCollector,
  timeoutCollector('timeout'),
  timeoutCollector('attemptTimeout'),
  fallbackCollector,
];

/**
 * Exports the policies of a Bulwark registry as Prometheus metrics on a prom-client registry.
 * Gauges and counters are read on every scrape from `registry.all()`, so instances created
 * later show up with no wiring, and the hot path pays nothing; the breaker call-duration
 * histogram listens to each breaker's `success` and `failure` events (those of breakers created
 * later too, through `registry.onCreated`). An instance taken out with `registry.remove` leaves
 * /metrics with it: the scrape-time series at the next scrape, and through `registry.onRemoved`
 * the breaker's listeners and histogram series at once; a breaker created anew under that name
 * starts a fresh histogram, which the removed one's late calls do not reach. Every series has a
 * `name` label, the instance's name in the registry. It never calls prom-client's
 * `collectDefaultMetrics()`: that is the application's choice.
 *
 * The default registry is read once, when this is called: a later `resetDefaultRegistry()` is
 * not followed.
 *
 * @param registry the Bulwark registry to export (default `defaultRegistry()`)
 * @param options `register` (default prom-client's global `register`), `prefix` (default
 *   `'bulwark_'`), `durationBuckets` (seconds; default {@link DEFAULT_DURATION_BUCKETS})
 * @returns a handle whose `unregister()` removes every metric and listener it added
 * @throws TypeError when an argument or option is malformed (naming it), or when the prom-client
 *   registry already has one of the metric names (registered twice with the same prefix); in
 *   that case nothing is added
 * @example
 * import { register } from 'prom-client';
 * const metrics = registerMetrics(registry); // on prom-client's global register
 * http.createServer(async (req, res) => {
 *   res.setHeader('Content-Type', register.contentType).end(await register.metrics());
 * });
 * // on shutdown, or between tests:
 * metrics.unregister();
 */
export function registerMetrics(registry?: PolicyRegistry, options?: RegisterMetricsOptions): MetricsHandle {
  const resolved = resolveOptions(registry, options);
  const metrics = new MetricSet(resolved.register, resolved.prefix);
  const context = { registry: resolved.registry, metrics, durationBuckets: resolved.durationBuckets };
  const collectors: Collector[] = metrics.build(() => COLLECTORS.map((create) => create(context)));

  // The undo of each watched instance, by `kind:name`: a removal finds its own and drops it, so
  // this holds no more instances than the registry does. Usually one per key; two for a moment
  // when an instance is created anew from inside an onRemoved listener that runs before ours.
  const watched = new Map<string, Array<{ readonly policy: object; readonly undo: () => void }>>();
  const keyOf = (entry: RegistryEntry): string => `${entry.kind}:${entry.name}`;
  const watch = (entry: RegistryEntry): void => {
    const undos: Array<() => void> = [];
    for (const collector of collectors) {
      const undo = collector.watch?.(entry);
      if (undo !== undefined) undos.push(undo);
    }
    if (undos.length === 0) return; // nothing to undo: nothing kept
    const key = keyOf(entry);
    let list = watched.get(key);
    if (list === undefined) watched.set(key, (list = []));
    list.push({ policy: entry.policy, undo: () => undos.forEach((undo) => undo()) });
  };
  const forget = (entry: RegistryEntry): void => {
    const key = keyOf(entry);
    const list = watched.get(key);
    const i = list === undefined ? -1 : list.findIndex((w) => w.policy === entry.policy);
    if (list === undefined || i === -1) return;
    const [gone] = list.splice(i, 1);
    if (list.length === 0) watched.delete(key);
    gone.undo();
  };
  const created = resolved.registry.onCreated(watch);
  const removed = resolved.registry.onRemoved(forget);
  for (const entry of resolved.registry.all()) watch(entry);

  let registered = true;
  return {
    unregister() {
      if (!registered) return;
      registered = false;
      created.dispose();
      removed.dispose();
      const all = [...watched.values()].flat();
      watched.clear();
      for (const { undo } of all) undo();
      metrics.removeAll();
    },
  };
}
