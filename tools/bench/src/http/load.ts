/**
 * One load run with autocannon against a local server: fixed connections and duration, every
 * body checked against `hello`, the counts checked by {@link checkLoad}.
 */
import autocannon from 'autocannon';
import type { Result } from 'autocannon';
import type { LoadCounts } from './load-check.js';
import { checkLoad } from './load-check.js';

/** What {@link runLoad} runs. */
export interface LoadOptions {
  readonly port: number;
  readonly connections: number;
  /** Whole seconds; or */
  readonly durationS?: number;
  /** this many requests in all (exactly one of the two). */
  readonly amount?: number;
  /** The body every response must have. */
  readonly expectBody: string;
  /** Names the run in error messages. */
  readonly what: string;
}

/** What one run measured. */
export interface LoadResult extends LoadCounts {
  /** Latency percentiles over the run, in ms. */
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
}

function countsOf(result: Result): LoadResult {
  return {
    completed: result.requests.total,
    status2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, Number(s.count)])),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
  };
}

/**
 * Runs autocannon against `http://127.0.0.1:<port>/` (GET, no pipelining) and resolves with the
 * counts once they passed {@link checkLoad}.
 *
 * @throws Error (rejection) when autocannon fails or the run had any error, timeout, non-2xx
 *   response or unexpected body
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  return new Promise<LoadResult>((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${options.port}/`,
        connections: options.connections,
        ...(options.amount === undefined ? { duration: options.durationS } : { amount: options.amount }),
        pipelining: 1,
        expectBody: options.expectBody,
      },
      (error, result) => {
        if (error) {
          reject(new Error(`${options.what}: autocannon failed: ${error.message}`, { cause: error }));
          return;
        }
        const counts = countsOf(result);
        try {
          checkLoad(counts, options.what);
          resolve(counts);
        } catch (failure) {
          reject(failure as Error);
        }
      },
    );
  });
}
