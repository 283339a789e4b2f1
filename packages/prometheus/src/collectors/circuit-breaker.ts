import type { CircuitState, RegistryEntry } from '@bulwark/core';
import type { Collector, CollectorContext } from './collector.js';
import { instancesOf } from './collector.js';

/**
 * The `state` label's values, in this order: one series each per breaker, 1 for its current
 * state and 0 for the others, so `max by (name)` or `== 1` picks the state without regexes.
 */
export const BREAKER_STATES = ['closed', 'open', 'half_open', 'isolated', 'shutdown'] as const;

const STATE_LABEL: Record<CircuitState, (typeof BREAKER_STATES)[number]> = {
  closed: 'closed',
  open: 'open',
  halfOpen: 'half_open', // Prometheus label values are snake_case by convention
  isolated: 'isolated',
  shutdown: 'shutdown',
};

/**
 * Breakers: state, calls by outcome, failure rate (read at scrape time) and call durations
 * (observed from each breaker's `success` and `failure` events, which carry `latencyMs`). A
 * breaker's undo, when it leaves the registry or on unregister, unsubscribes it and removes its
 * histogram series.
 */
export function circuitBreakerCollector({ registry, metrics, durationBuckets }: CollectorContext): Collector {
  metrics.gauge({
    name: 'circuit_breaker_state',
    help: 'Circuit breaker state: 1 for the current state, 0 for the others.',
    labelNames: ['name', 'state'],
    read(emit) {
      for (const [name, breaker] of instancesOf(registry, 'breaker')) {
        const current = STATE_LABEL[breaker.state];
        for (const state of BREAKER_STATES) emit({ name, state }, state === current ? 1 : 0);
      }
    },
  });
  metrics.counter({
    name: 'circuit_breaker_calls_total',
    help:
      'Circuit breaker calls by outcome. successful, failed and rejected (refused while open) do not overlap; ' +
      'timeout counts the calls that timed out (also counted as failed), fallback the calls a fallback answered.',
    labelNames: ['name', 'kind'],
    read(emit) {
      for (const [name, breaker] of instancesOf(registry, 'breaker')) {
        const m = breaker.metrics();
        emit({ name, kind: 'successful' }, m.successes);
        emit({ name, kind: 'failed' }, m.failures);
        emit({ name, kind: 'rejected' }, m.rejects);
        emit({ name, kind: 'timeout' }, m.timeouts);
        emit({ name, kind: 'fallback' }, m.fallbacks);
      }
    },
  });
  metrics.gauge({
    name: 'circuit_breaker_failure_rate',
    help: 'Failed calls / calls over the breaker\u2019s rolling window, as a ratio from 0 to 1 (0 while the window is empty).',
    labelNames: ['name'],
    read(emit) {
      for (const [name, breaker] of instancesOf(registry, 'breaker')) emit({ name }, breaker.metrics().failureRate / 100);
    },
  });
  const durations = metrics.histogram({
    name: 'circuit_breaker_call_duration_seconds',
    help: 'Duration of the calls a circuit breaker ran to completion (succeeded or failed, timeouts included), in seconds.',
    labelNames: ['name'],
    buckets: durationBuckets,
  });

  // Which watch owns each name's histogram series. After a name is removed and created anew the
  // series is the new breaker's. When the new one is created from inside an onRemoved listener
  // that runs before ours, its watch comes before the old breaker's undo, and that undo must
  // then leave the (already fresh) series alone.
  const owners = new Map<string, object>();

  return {
    watch(entry: RegistryEntry) {
      if (entry.kind !== 'breaker') return undefined;
      const { name, policy: breaker } = entry;
      const labels = { name };
      const owner = {};
      owners.set(name, owner);
      durations.zero(labels); // the series exists from the start, with zero counts (fresh for a name created anew)
      let active = true;
      const observe = (_outcome: unknown, latencyMs: number): void => {
        // Node's emit calls a snapshot of the listener list: a listener before this one that
        // removes the breaker from the registry does not stop this call. Nothing is observed
        // after the undo, so a removed breaker never writes into its name's (new) series.
        if (active) durations.observe(labels, latencyMs / 1000);
      };
      // Per-call events cost a breaker something only while someone listens; this is that listener.
      breaker.on('success', observe);
      breaker.on('failure', observe);
      return () => {
        active = false;
        breaker.off('success', observe);
        breaker.off('failure', observe);
        if (owners.get(name) === owner) {
          owners.delete(name);
          durations.remove(labels);
        }
      };
    },
  };
}
