/** Counts of the `'abort'` listeners added to and removed from a signal (see {@link trackAbortListeners}). */
export interface AbortListenerCounts {
  /** Listeners added so far. */
  readonly added: number;
  /** Listeners removed so far. */
  readonly removed: number;
  /** Listeners added and not removed (distinct functions or objects). */
  live(): number;
}

/**
 * Watches `signal`'s `addEventListener`/`removeEventListener` for `'abort'` listeners, so a test
 * can check that a policy leaves no listener on the caller's signal once a call settles.
 *
 * @example
 * const controller = new AbortController();
 * const listeners = trackAbortListeners(controller.signal);
 * await policy.execute(fn, { signal: controller.signal });
 * expect(listeners.live()).toBe(0);
 */
export function trackAbortListeners(signal: AbortSignal): AbortListenerCounts {
  const live = new Set<unknown>();
  const counts = { added: 0, removed: 0, live: (): number => live.size };
  type Listen = (type: string, listener: unknown, options?: unknown) => void;
  const add = signal.addEventListener.bind(signal) as Listen;
  const remove = signal.removeEventListener.bind(signal) as Listen;
  const watch: Listen = (type, listener, options) => {
    if (type === 'abort') {
      counts.added++;
      live.add(listener);
    }
    add(type, listener, options);
  };
  const unwatch: Listen = (type, listener, options) => {
    if (type === 'abort') {
      counts.removed++;
      live.delete(listener);
    }
    remove(type, listener, options);
  };
  signal.addEventListener = watch as typeof signal.addEventListener;
  signal.removeEventListener = unwatch as typeof signal.removeEventListener;
  return counts;
}
