/**
 * The part of autocannon 9's API the http suite uses (autocannon ships no types). See
 * node_modules/autocannon/README.md, "API" and "Results".
 */
declare module 'autocannon' {
  interface Options {
    readonly url: string;
    /** Concurrent connections (default 10). */
    readonly connections?: number;
    /** Seconds to run (default 10). */
    readonly duration?: number;
    /** Pipelined requests per connection (default 1). */
    readonly pipelining?: number;
    /** Responses whose body differs count in `mismatches`. */
    readonly expectBody?: string;
    /** Seconds to wait for a response before counting a timeout (default 10). */
    readonly timeout?: number;
  }

  /** A histogram summary (hdr-histogram-percentiles-obj). */
  interface Histogram {
    readonly average: number;
    readonly min: number;
    readonly max: number;
    readonly p50: number;
    readonly p99: number;
    /** Requests only: responses received. */
    readonly total: number;
    /** Requests only: requests sent. */
    readonly sent?: number;
  }

  interface Result {
    /** Seconds. */
    readonly duration: number;
    /** Connection errors, timeouts included. */
    readonly errors: number;
    readonly timeouts: number;
    readonly mismatches: number;
    readonly non2xx: number;
    readonly resets: number;
    readonly '2xx': number;
    /** Per second: `total` is the number of responses. */
    readonly requests: Histogram;
    /** In ms. */
    readonly latency: Histogram;
    readonly statusCodeStats: Readonly<Record<string, { readonly count: number | string }>>;
  }

  interface Instance {
    stop(): void;
  }

  function autocannon(options: Options, done: (error: Error | null, result: Result) => void): Instance;
  export default autocannon;
  export type { Options, Result };
}
