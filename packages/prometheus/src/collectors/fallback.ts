import type { Collector, CollectorContext } from './collector.js';
import { instancesOf } from './collector.js';

/** Fallbacks: the errors that reached them, answered or passed through, read at scrape time. */
export function fallbackCollector({ registry, metrics }: CollectorContext): Collector {
  metrics.counter({
    name: 'fallback_errors_total',
    help:
      'Errors that reached a fallback: handled (replaced by the fallback value) or passed_through ' +
      '(refused by shouldHandle, or arriving after the caller aborted).',
    labelNames: ['name', 'kind'],
    read(emit) {
      for (const [name, fallback] of instancesOf(registry, 'fallback')) {
        const m = fallback.metrics();
        emit({ name, kind: 'handled' }, m.handled);
        emit({ name, kind: 'passed_through' }, m.passedThrough);
      }
    },
  });
  return {};
}
