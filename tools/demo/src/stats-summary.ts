/** The part of a breaker's `stats` object (opossum's shape) that the demo reports. */
export interface BreakerStats {
  readonly fires: number;
  readonly successes: number;
  readonly failures: number;
  readonly rejects: number;
  readonly timeouts: number;
  readonly fallbacks: number;
  /** Mean latency in ms of the calls that ran (`-1` when percentiles are disabled). */
  readonly latencyMean: number;
  /** Keyed by quantile: `'0.5'`, `'0.99'`, ... (values in ms). */
  readonly percentiles: { readonly [quantile: number]: number };
}

/** A plain copy of the figures the demo prints, taken before the breaker shuts down. */
export interface StatsSummary {
  readonly fires: number;
  readonly successes: number;
  readonly failures: number;
  readonly rejects: number;
  readonly timeouts: number;
  readonly fallbacks: number;
  readonly latencyMeanMs: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
}

/**
 * Copies the demo's figures out of a breaker's `stats` (which opossum rebuilds on every read).
 *
 * @example
 * const summary = summarizeStats(breaker.stats);
 * formatStatsSummary(summary); // ['fires 140 · successes 60 · ...', 'mean 1.2ms · p50 1ms · p99 4ms']
 */
export function summarizeStats(stats: BreakerStats): StatsSummary {
  return {
    fires: stats.fires,
    successes: stats.successes,
    failures: stats.failures,
    rejects: stats.rejects,
    timeouts: stats.timeouts,
    fallbacks: stats.fallbacks,
    latencyMeanMs: stats.latencyMean,
    latencyP50Ms: stats.percentiles[0.5],
    latencyP99Ms: stats.percentiles[0.99],
  };
}

/** The summary as two lines of text: the counts, then the latency. */
export function formatStatsSummary(summary: StatsSummary): [counts: string, latency: string] {
  return [
    `fires ${summary.fires} · successes ${summary.successes} · failures ${summary.failures} · ` +
      `rejects ${summary.rejects} · timeouts ${summary.timeouts} · fallbacks ${summary.fallbacks}`,
    `mean ${summary.latencyMeanMs.toFixed(1)}ms · p50 ${summary.latencyP50Ms}ms · p99 ${summary.latencyP99Ms}ms`,
  ];
}
