import type { Collector, CollectorContext } from './collector.js';
import { instancesOf } from './collector.js';

/** Retries: calls by outcome, read at scrape time (resilience4j's four kinds). */
export function retryCollector({ registry, metrics }: CollectorContext): Collector {
  metrics.counter({
    name: 'retry_calls_total',
    help:
      'Calls through a retry policy by outcome: successful_without_retry, successful_with_retry, failed_without_retry, failed_with_retry ' +
      "(they do not overlap; a call ended by its caller's signal counts in none).",
    labelNames: ['name', 'kind'],
    read(emit) {
      for (const [name, retry] of instancesOf(registry, 'retry')) {
        const m = retry.metrics();
        emit({ name, kind: 'successful_without_retry' }, m.successfulWithoutRetry);
        emit({ name, kind: 'successful_with_retry' }, m.successfulWithRetry);
        emit({ name, kind: 'failed_without_retry' }, m.failedWithoutRetry);
        emit({ name, kind: 'failed_with_retry' }, m.failedWithRetry);
      }
    },
  });
  return {};
}
