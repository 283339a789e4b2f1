/**
 * One autocannon run of generated KV requests (a fresh key per put, keys in rotation per get)
 * against one member, with every response checked: a 2xx whose body is wrong counts as a
 * mismatch, and the run fails unless every response was a 2xx with the right body.
 */
import autocannon from 'autocannon';
import type { Result } from 'autocannon';
import type { LoadCounts } from '../http/load-check.js';
import { checkLoad } from '../http/load-check.js';
import type { KvHttpRequest } from './kv-requests.js';

/** A request and how to judge its answer. */
export interface KvLoadRequest extends KvHttpRequest {
  /** Whether a 2xx body is the right answer (e.g. a read's value). */
  readonly verify: (body: string) => boolean;
  /** A put's key and value, to read back after the run. */
  readonly written?: { readonly key: string; readonly value: string };
}

/** What {@link runKvLoad} runs. */
export interface KvLoadOptions {
  /** The member's base URL. */
  readonly url: string;
  readonly connections: number;
  /** Whole seconds. */
  readonly durationS: number;
  /** Stop after this many requests instead (tests). */
  readonly amount?: number;
  /** The next request to send (called once per request, from every connection). */
  readonly next: () => KvLoadRequest;
  /** Called for each verified 2xx answer with its request (e.g. to sample acknowledged puts). */
  readonly onAck?: (request: KvLoadRequest) => void;
  /** Names the run in error messages. */
  readonly what: string;
}

/** What one run measured. */
export interface KvLoadResult extends LoadCounts {
  /**
   * Latency percentiles in ms, from this module's own clock reads (request built → response
   * parsed, every response): autocannon's own histogram has whole-millisecond steps, too coarse
   * for a one-connection put of about a millisecond.
   */
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** Responses per second over the run (autocannon's mean). */
  readonly requestsPerSecond: number;
}

interface Context {
  sent?: KvLoadRequest;
  /** `performance.now()` when the request was built, just before autocannon writes it. */
  sentAt?: number;
}

/** The `p`-th percentile (0–100) of ascending `sorted` values, nearest rank; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/**
 * Runs autocannon (no pipelining) and resolves once the counts passed `checkLoad`.
 *
 * @throws Error (rejection) when autocannon fails or the run had an error, a timeout, a non-2xx
 *   response or a wrong body
 */
export function runKvLoad(options: KvLoadOptions): Promise<KvLoadResult> {
  let wrong = 0;
  const latencies: number[] = [];
  return new Promise<KvLoadResult>((resolve, reject) => {
    autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationS,
        ...(options.amount === undefined ? {} : { amount: options.amount }),
        pipelining: 1,
        requests: [
          {
            method: 'GET',
            path: '/',
            setupRequest: (request, context: Context) => {
              const next = options.next();
              context.sent = next;
              context.sentAt = performance.now();
              return { ...request, method: next.method, path: next.path, headers: { ...request.headers, ...next.headers }, body: next.body };
            },
            onResponse: (status, body, context: Context) => {
              if (context.sentAt !== undefined) latencies.push(performance.now() - context.sentAt);
              const sent = context.sent;
              if (status < 200 || status >= 300 || sent === undefined) return;
              if (!sent.verify(body)) wrong++;
              else options.onAck?.(sent);
            },
          },
        ],
      },
      (error, result) => {
        if (error) {
          reject(new Error(`${options.what}: autocannon failed: ${error.message}`, { cause: error }));
          return;
        }
        const counts = countsOf(result, wrong, latencies.sort((a, b) => a - b));
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

function countsOf(result: Result, mismatches: number, latencies: readonly number[]): KvLoadResult {
  return {
    completed: result.requests.total,
    status2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, Number(s.count)])),
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    requestsPerSecond: result.requests.average,
  };
}
