/**
 * What the chaos clients ask the cluster: gets, puts, compare-and-sets and deletes of unique
 * values on a few keys at a time, the keys rotating so that no key's history grows too long to
 * check (the checker's search is exponential in the concurrency of one key, and unknown
 * outcomes stay concurrent with everything after them).
 */
import type { SimRandom } from '@bulwark/core/testing';
import type { KvOperation, KvOutcome } from '../history/history-recorder.js';

/** Relative weights of the operations. */
export interface WorkloadMix {
  readonly get: number;
  readonly put: number;
  readonly cas: number;
  readonly delete: number;
}

/** Options of {@link Workload}. */
export interface WorkloadOptions {
  /** Keys in use at a time. Default 4. */
  readonly keysAtOnce?: number;
  /** Operations per key before the keys in use are replaced by fresh ones. Default 150. */
  readonly operationsPerKey?: number;
  /** Default `{ get: 4, put: 3, cas: 2, delete: 1 }`. */
  readonly mix?: Partial<WorkloadMix>;
}

const DEFAULT_MIX: WorkloadMix = { get: 4, put: 3, cas: 2, delete: 1 };

/**
 * Hands out operations, one call per operation. Values are unique (`<client>.<n>`), so a read
 * tells which write it saw, and never empty: the kv model reads a missing key as `''`, which
 * the cluster answers with 404. A cas expects the value last seen on its key (written or read),
 * so some succeed; with nothing seen yet, it is a put.
 *
 * @example
 * const workload = new Workload(new SimRandom(1));
 * const op = workload.next(0); // e.g. { f: 'put', key: 'k0.2', value: '0.1' }
 * workload.observe(op, { type: 'ok' });
 */
export class Workload {
  private readonly keysAtOnce: number;
  private readonly operationsPerKey: number;
  private readonly mix: WorkloadMix;
  private issued = 0;
  private readonly written = new Map<number, number>();
  private readonly lastSeen = new Map<string, string>();

  /** @throws RangeError naming a bad option */
  constructor(
    private readonly random: SimRandom,
    options: WorkloadOptions = {},
  ) {
    this.keysAtOnce = options.keysAtOnce ?? 4;
    this.operationsPerKey = options.operationsPerKey ?? 150;
    if (!Number.isInteger(this.keysAtOnce) || this.keysAtOnce < 1) throw new RangeError(`Workload: options.keysAtOnce must be a positive integer, got ${String(options.keysAtOnce)}`);
    if (!Number.isInteger(this.operationsPerKey) || this.operationsPerKey < 1) {
      throw new RangeError(`Workload: options.operationsPerKey must be a positive integer, got ${String(options.operationsPerKey)}`);
    }
    this.mix = { ...DEFAULT_MIX, ...options.mix };
    for (const [op, weight] of Object.entries(this.mix)) {
      if (typeof weight !== 'number' || !(weight >= 0) || !Number.isFinite(weight)) throw new RangeError(`Workload: options.mix.${op} must be a finite number ≥ 0, got ${String(weight)}`);
    }
    if (Object.values(this.mix).every((w) => w === 0)) throw new RangeError('Workload: options.mix needs a positive weight');
  }

  /** The next operation for `client`. */
  next(client: number): KvOperation {
    const generation = Math.floor(this.issued / (this.keysAtOnce * this.operationsPerKey));
    this.issued++;
    const key = `k${generation}.${this.random.int(0, this.keysAtOnce - 1)}`;
    const kind = this.random.weighted(this.mix as unknown as Record<keyof WorkloadMix, number>);
    if (kind === 'get' || kind === 'delete') return { f: kind, key };
    const n = (this.written.get(client) ?? 0) + 1;
    this.written.set(client, n);
    const value = `${client}.${n}`;
    const expected = this.lastSeen.get(key);
    if (kind === 'cas' && expected !== undefined) return { f: 'cas', key, expected, value };
    return { f: 'put', key, value };
  }

  /** Tells the workload how an operation ended, so later cas operations expect values that exist. */
  observe(operation: KvOperation, outcome: KvOutcome): void {
    if (outcome.type !== 'ok') return;
    if (operation.f === 'get') {
      if (outcome.value) this.lastSeen.set(operation.key, outcome.value);
      else this.lastSeen.delete(operation.key);
    } else if (operation.f === 'put' || operation.f === 'cas') {
      this.lastSeen.set(operation.key, operation.value);
    } else {
      this.lastSeen.delete(operation.key);
    }
  }

  /** Operations handed out so far. */
  get operations(): number {
    return this.issued;
  }

  /** The keys handed out so far (for the final reads). */
  keys(): string[] {
    if (this.issued === 0) return [];
    const generations = Math.floor((this.issued - 1) / (this.keysAtOnce * this.operationsPerKey)) + 1;
    const keys: string[] = [];
    for (let g = 0; g < generations; g++) for (let k = 0; k < this.keysAtOnce; k++) keys.push(`k${g}.${k}`);
    return keys;
  }
}
