import type { Collector, CollectorContext } from './collector.js';
import { instancesOf } from './collector.js';

/** Bulkheads: calls running and waiting, the limits, and calls accepted and refused. All read at scrape time. */
export function bulkheadCollector({ registry, metrics }: CollectorContext): Collector {
  const bulkheads = () => instancesOf(registry, 'bulkhead');
  const gauges = [
    ['bulkhead_active_calls', 'Calls running in the bulkhead now.', 'activeCount'],
    ['bulkhead_queued_calls', 'Calls waiting for a bulkhead slot now.', 'queuedCount'],
    ['bulkhead_max_concurrent_calls', 'The most calls the bulkhead runs at once (maxConcurrent).', 'maxConcurrent'],
    ['bulkhead_max_queued_calls', 'The most calls that may wait for a bulkhead slot (maxQueued; +Inf when unbounded).', 'maxQueued'],
  ] as const;
  for (const [name, help, field] of gauges) {
    metrics.gauge({
      name,
      help,
      labelNames: ['name'],
      read(emit) {
        for (const [n, bulkhead] of bulkheads()) emit({ name: n }, bulkhead.metrics()[field]);
      },
    });
  }
  metrics.counter({
    name: 'bulkhead_accepted_calls_total',
    help: 'Calls that got a bulkhead slot and started, at once or after waiting.',
    labelNames: ['name'],
    read(emit) {
      for (const [name, bulkhead] of bulkheads()) emit({ name }, bulkhead.metrics().accepted);
    },
  });
  metrics.counter({
    name: 'bulkhead_rejected_calls_total',
    help: 'Calls the bulkhead refused, by reason: full (no slot and no room to wait), queue_timeout (waited too long), aborted (the caller gave up while waiting).',
    labelNames: ['name', 'reason'],
    read(emit) {
      for (const [name, bulkhead] of bulkheads()) {
        const { rejected } = bulkhead.metrics();
        emit({ name, reason: 'full' }, rejected.full);
        emit({ name, reason: 'queue_timeout' }, rejected.queueTimeout);
        emit({ name, reason: 'aborted' }, rejected.aborted);
      }
    },
  });
  return {};
}
