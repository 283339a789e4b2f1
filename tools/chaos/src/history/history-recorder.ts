/**
 * The run's history, in the JSON-lines format that `readHistory` and `bulwark-lincheck` read
 * (`@bulwark/core/testing`): one event per line, in the order they happened in this process,
 * which is the order the checker takes as real time.
 */

/** The kv operations the clients issue, named as the `kv` model reads them. */
export type KvOperation =
  | { readonly f: 'get'; readonly key: string }
  | { readonly f: 'put'; readonly key: string; readonly value: string }
  | { readonly f: 'cas'; readonly key: string; readonly expected: string; readonly value: string }
  | { readonly f: 'delete'; readonly key: string };

/**
 * How an operation ended, as Jepsen's completion types say it: `ok` (took effect; a get's
 * `value`, `''` for a missing key), `fail` (certainly did not take effect: a cas that did not
 * match, a request refused before it was sent, a read that got no answer), `info` (may or may
 * not have taken effect: a write that timed out or got a 5xx after it was sent).
 */
export type KvOutcome =
  | { readonly type: 'ok'; readonly value?: string }
  | { readonly type: 'fail'; readonly reason: string }
  | { readonly type: 'info'; readonly reason: string };

/** One line of the history. */
export interface HistoryLine {
  readonly process: number | 'nemesis';
  readonly type: 'invoke' | 'ok' | 'fail' | 'info';
  readonly f: string;
  readonly key?: string;
  readonly value?: unknown;
  /** ms since the recorder was created: for people; the checker uses the line order. */
  readonly time: number;
  /** Why it failed or is unknown, or which member served it. */
  readonly note?: string;
}

/** An operation invoked and not yet completed. */
export interface OpenOperation {
  readonly process: number;
  readonly operation: KvOperation;
}

/** Counts per operation and outcome. */
export type OutcomeCounts = Record<KvOperation['f'], Record<KvOutcome['type'], number>>;

const invokeValue = (op: KvOperation): unknown => {
  switch (op.f) {
    case 'put':
      return op.value;
    case 'cas':
      return [op.expected, op.value];
    default:
      return null;
  }
};

/**
 * Records invocations, completions and the nemesis's actions. Each client is a process; after
 * an `info` its next operation runs as a new process (`process + clients`), as in Jepsen, since
 * the unknown operation may still take effect later.
 *
 * @example
 * const history = new HistoryRecorder({ clients: 2, now: () => performance.now() });
 * const open = history.invoke(0, { f: 'put', key: 'k', value: 'v1' });
 * history.complete(open, { type: 'ok' });
 * history.toJsonl(); // '{"process":0,"type":"invoke","f":"put","key":"k","value":"v1","time":0}\n…'
 */
export class HistoryRecorder {
  private readonly lines: HistoryLine[] = [];
  private readonly processes: number[];
  private readonly open = new Set<number>();
  private readonly started: number;
  private invoked = 0;
  private readonly counts: OutcomeCounts = {
    get: { ok: 0, fail: 0, info: 0 },
    put: { ok: 0, fail: 0, info: 0 },
    cas: { ok: 0, fail: 0, info: 0 },
    delete: { ok: 0, fail: 0, info: 0 },
  };

  /**
   * @param options.clients the number of clients (client ids are `0 … clients - 1`)
   * @param options.now the clock for the `time` field, in ms
   * @throws RangeError if `clients` is not a positive integer
   */
  constructor(private readonly options: { readonly clients: number; readonly now: () => number }) {
    if (!Number.isInteger(options.clients) || options.clients < 1) {
      throw new RangeError(`HistoryRecorder: options.clients must be a positive integer, got ${String(options.clients)}`);
    }
    this.processes = Array.from({ length: options.clients }, (_, c) => c);
    this.started = options.now();
  }

  private time(): number {
    return Math.round((this.options.now() - this.started) * 1000) / 1000;
  }

  /**
   * Records that `client` invokes `operation`.
   *
   * @throws RangeError for an unknown client, or one whose last operation is still open
   */
  invoke(client: number, operation: KvOperation): OpenOperation {
    const process = this.processes[client];
    if (process === undefined) throw new RangeError(`HistoryRecorder: no client ${String(client)}`);
    if (this.open.has(client)) throw new RangeError(`HistoryRecorder: client ${client} invokes while its last operation is open`);
    this.open.add(client);
    this.invoked++;
    this.lines.push({ process, type: 'invoke', f: operation.f, key: operation.key, value: invokeValue(operation), time: this.time() });
    return { process, operation };
  }

  /**
   * Records how an operation ended. An `ok` get records the value read; an `ok` cas swapped.
   *
   * @throws RangeError if `open` is not the client's open operation
   */
  complete(open: OpenOperation, outcome: KvOutcome, note?: string): void {
    const client = open.process % this.options.clients;
    if (!this.open.has(client) || this.processes[client] !== open.process) {
      throw new RangeError(`HistoryRecorder: process ${open.process} has no open operation`);
    }
    this.open.delete(client);
    const { operation } = open;
    const value = outcome.type === 'ok' && operation.f === 'get' ? (outcome.value ?? '') : invokeValue(operation);
    const reason = outcome.type === 'ok' ? note : [outcome.reason, note].filter((s) => s !== undefined).join('; ');
    this.lines.push({ process: open.process, type: outcome.type, f: operation.f, key: operation.key, value, time: this.time(), ...(reason ? { note: reason } : {}) });
    this.counts[operation.f][outcome.type]++;
    if (outcome.type === 'info') this.processes[client] += this.options.clients;
  }

  /** Records something the nemesis did (`readHistory` skips the nemesis's lines). */
  nemesis(type: 'info', f: string, value: string): void {
    this.lines.push({ process: 'nemesis', type, f, value, time: this.time() });
  }

  /** Operations completed so far, per operation and outcome. */
  outcomeCounts(): OutcomeCounts {
    return structuredClone(this.counts);
  }

  /** Invocations recorded so far. */
  get operations(): number {
    return this.invoked;
  }

  /** Every line so far. */
  events(): readonly HistoryLine[] {
    return this.lines;
  }

  /** The history as JSON lines (a trailing newline); open operations stay open and read as unknown. */
  toJsonl(): string {
    return this.lines.map((line) => JSON.stringify(line)).join('\n') + '\n';
  }
}
