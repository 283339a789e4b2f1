/**
 * Test support (not exported from the package): a {@link CacheNode} over a {@link MemoryCacheNode} that a test can
 * switch between answering, failing and hanging, and that records the calls it gets.
 */
import type { Clock } from '../../time/clock.js';
import type { CacheNode, CacheNodeCallOptions, CacheNodeSetOptions } from './cache-node.js';
import { MemoryCacheNode } from './memory-cache-node.js';

export type NodeMode = 'up' | 'down' | 'hang';

export class ControlledNode implements CacheNode {
  readonly store: MemoryCacheNode;
  mode: NodeMode = 'up';
  readonly calls: string[] = [];
  /** Signals the node was given, to check that the cache aborts abandoned calls. */
  readonly signals: AbortSignal[] = [];
  /** When set, the next `set` waits for it (and clears it). */
  pauseNextSet: Promise<void> | undefined;

  constructor(clock: Clock) {
    this.store = new MemoryCacheNode({ clock });
  }

  get(key: string, options?: CacheNodeCallOptions): Promise<string | undefined> {
    return this.run(`get ${key}`, options, () => this.store.get(key));
  }

  set(key: string, value: string, options?: CacheNodeSetOptions): Promise<boolean> {
    const pause = this.pauseNextSet;
    this.pauseNextSet = undefined;
    const write = (): Promise<boolean> => this.store.set(key, value, options);
    return this.run(`set ${key}=${value}${options?.ttlMs === undefined ? '' : ` ttl=${options.ttlMs}`}`, options, pause === undefined ? write : () => pause.then(write));
  }

  delete(key: string, options?: CacheNodeCallOptions): Promise<boolean> {
    return this.run(`delete ${key}`, options, () => this.store.delete(key));
  }

  async *keys(): AsyncIterable<string> {
    for await (const key of this.store.keys()) yield await this.run(`keys ${key}`, undefined, () => Promise.resolve(key));
  }

  ttl(key: string, options?: CacheNodeCallOptions): Promise<number | undefined> {
    return this.run(`ttl ${key}`, options, () => this.store.ttl(key));
  }

  private run<T>(call: string, options: CacheNodeCallOptions | undefined, fn: () => Promise<T>): Promise<T> {
    this.calls.push(call);
    if (options?.signal !== undefined) this.signals.push(options.signal);
    if (this.mode === 'down') return Promise.reject(new Error('ECONNREFUSED'));
    if (this.mode === 'hang') return new Promise<T>(() => undefined);
    return fn();
  }
}

/** The same node without the optional methods. */
export function basicNode(node: CacheNode): CacheNode {
  return { get: (k, o) => node.get(k, o), set: (k, v, o) => node.set(k, v, o), delete: (k, o) => node.delete(k, o) };
}
