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
    /** Stop after this many requests instead of after `duration`. */
    readonly amount?: number;
    /** Pipelined requests per connection (default 1). */
    readonly pipelining?: number;
    /** Responses whose body differs count in `mismatches`. */
    readonly expectBody?: string;
    /** Seconds to wait for a response before counting a timeout (default 10). */
    readonly timeout?: number;
    /** The requests each connection sends in turn (the raft suite: one entry with `setupRequest`). */
    readonly requests?: readonly RequestSpec[];
  }

  /** A request as autocannon builds it. */
  interface RequestData {
    readonly method?: string;
    readonly path?: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
  }

  /**
   * One entry of `requests`; `context` is the connection's, reset before each pass over the
   * list. (Method syntax: a handler may type `context` as its own object shape.)
   */
  interface RequestSpec extends RequestData {
    /** Returns the request to send (a falsy value restarts from the first entry). */
    setupRequest?(request: RequestData, context: object): RequestData;
    /** Called with every response to this entry, before the connection's next request. */
    onResponse?(status: number, body: string, context: object, headers: Readonly<Record<string, string | string[]>>): void;
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
