/**
 * Heap and timer accounting for idle objects. Needs `node --expose-gc` for heap numbers.
 */
import { createHook } from 'node:async_hooks';
import { setImmediate as nextMacrotask } from 'node:timers/promises';

/** Whether `global.gc` is available (node --expose-gc). */
export function canCollect(): boolean {
  return typeof globalThis.gc === 'function';
}

/**
 * Runs several full GCs, letting a macrotask pass between them (finalizers and weak
 * callbacks run in between), and returns `heapUsed` afterwards.
 * Throws when GC is not exposed, since heap deltas would then be meaningless.
 */
export async function settledHeapUsed(passes = 4): Promise<number> {
  const gc = globalThis.gc;
  if (typeof gc !== 'function') throw new Error('heap measurement needs `node --expose-gc`');
  for (let i = 0; i < passes; i++) {
    gc();
    await nextMacrotask();
  }
  return process.memoryUsage().heapUsed;
}

/** Result of {@link measureHeapPerInstance}: the instances stay referenced until the caller drops them. */
export interface HeapPerInstance<T> {
  readonly bytesPerInstance: number;
  readonly instances: readonly T[];
}

/**
 * Creates `n` instances with `create`, keeps them all referenced, and returns the settled
 * heap growth divided by `n`. The array holding them is allocated before the first
 * reading, so its slots are not counted.
 */
export async function measureHeapPerInstance<T>(create: (i: number) => T, n: number): Promise<HeapPerInstance<T>> {
  const instances = new Array<T>(n);
  const before = await settledHeapUsed();
  for (let i = 0; i < n; i++) instances[i] = create(i);
  const after = await settledHeapUsed();
  return { bytesPerInstance: (after - before) / n, instances };
}

/**
 * Number of `Timeout` entries in `process.getActiveResourcesInfo()`: the timers that keep
 * the event loop alive. Unref'd timers are NOT listed there, see {@link startTimerTracking}.
 */
export function countRefedTimers(): number {
  return process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;
}

/** Live-timer counter started by {@link startTimerTracking}. */
export interface TimerTracker {
  /** Timers (`setTimeout`/`setInterval`, ref'd or not) created since the start and not yet cleared or fired. */
  live(): number;
  /** Disables the hook. */
  stop(): void;
}

/**
 * Counts every timer created from now on that is still pending, including unref'd ones
 * (which `getActiveResourcesInfo()` misses), with an async_hooks `init`/`destroy` hook.
 * The hook slows promises down while enabled, so keep it off during timing.
 */
export function startTimerTracking(): TimerTracker {
  const pending = new Set<number>();
  const hook = createHook({
    init(asyncId, type) {
      if (type === 'Timeout') pending.add(asyncId);
    },
    destroy(asyncId) {
      pending.delete(asyncId);
    },
  });
  hook.enable();
  return {
    live: () => pending.size,
    stop: () => {
      hook.disable();
    },
  };
}
