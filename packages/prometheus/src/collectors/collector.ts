import type { PolicyKindMap, PolicyRegistry, RegistryEntry } from '@bulwark/core';
import type { MetricSet } from '../metric-set.js';

/** What a collector is built with. */
export interface CollectorContext {
  /** The Bulwark registry whose instances are exported; read on every scrape. */
  readonly registry: PolicyRegistry;
  /** Where the collector adds its metric families (named with the prefix). */
  readonly metrics: MetricSet;
  /** Bounds of duration histograms, in seconds. */
  readonly durationBuckets: readonly number[];
}

/**
 * The metrics of one kind of policy. Building it adds its families to `context.metrics`; gauges
 * and counters then read `registry.all()` at scrape time by themselves, so a removed instance's
 * series go with it. A collector that needs events (a histogram) also has `watch`, called for
 * every instance of the registry: those there at registration and those created later.
 */
export interface Collector {
  /**
   * Subscribes to one instance; returns what undoes it, or undefined when there is nothing to
   * undo. The undo runs once, when the instance leaves the registry (`registry.remove`) or on
   * `unregister()`, whichever comes first; it unsubscribes and drops the instance's series and
   * state, and is not called for an instance whose registry is disposed.
   */
  watch?(entry: RegistryEntry): (() => void) | undefined;
}

/** Builds a collector. One per policy kind. */
export type CollectorFactory = (context: CollectorContext) => Collector;

/** The instances of `kind` in `registry` now, as `[name, policy]`. */
export function* instancesOf<K extends RegistryEntry['kind']>(registry: PolicyRegistry, kind: K): Generator<[string, PolicyKindMap[K]]> {
  for (const entry of registry.all()) {
    if (entry.kind === kind) yield [entry.name, entry.policy as PolicyKindMap[K]];
  }
}
