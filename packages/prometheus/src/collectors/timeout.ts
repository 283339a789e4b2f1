import type { Collector, CollectorContext } from './collector.js';
import { instancesOf } from './collector.js';

const FAMILIES = {
  // A registry's `timeout` is the total one, around the retries; `attemptTimeout` bounds each
  // attempt. They may share a name, so they get families of their own: one `kind` label over
  // both would count a call twice in a sum.
  timeout: { prefix: 'timeout', what: 'total timeout' },
  attemptTimeout: { prefix: 'attempt_timeout', what: 'per-attempt timeout' },
} as const;

/**
 * Timeouts, total or per attempt: calls started, calls that timed out and calls their caller
 * aborted first, read at scrape time. The three are separate counters, not one `kind` label,
 * because "started" contains the other two (a sum over such a label would mean nothing).
 */
export function timeoutCollector(kind: keyof typeof FAMILIES): (context: CollectorContext) => Collector {
  return ({ registry, metrics }) => {
    const { prefix, what } = FAMILIES[kind];
    const counters = [
      ['calls_total', `Calls started under a ${what}.`, 'calls'],
      ['timed_out_calls_total', `Calls whose ${what} passed (rejected with TimeoutError).`, 'timedOut'],
      ['caller_aborted_calls_total', `Calls under a ${what} whose caller aborted them before the deadline.`, 'callerAborted'],
    ] as const;
    for (const [suffix, help, field] of counters) {
      metrics.counter({
        name: `${prefix}_${suffix}`,
        help,
        labelNames: ['name'],
        read(emit) {
          for (const [name, timeout] of instancesOf(registry, kind)) emit({ name }, timeout.metrics()[field]);
        },
      });
    }
    return {};
  };
}
