/** Something that can be undone once: a listener registration, an isolation, … */
export interface Disposable {
  /** Undoes it; calling it again does nothing. */
  dispose(): void;
}

/** A typed event: call it with a listener to subscribe; dispose the result to unsubscribe. */
export type Event<T> = (listener: (value: T) => void) => Disposable;

/**
 * The source of one typed {@link Event}. Policies keep it private and expose `event` as a
 * read-only `onX` field. It holds no array until the first listener, and `emit` on an event
 * nobody listens to is one property check, so callers can skip building the payload:
 * `if (this.retried.hasListeners) this.retried.emit({ … })`.
 *
 * @example
 * class Thing {
 *   private readonly changed = new EventSource<number>();
 *   readonly onChange = this.changed.event;
 * }
 */
export class EventSource<T> {
  private listeners: Array<(value: T) => void> | undefined;

  /** Subscribes a listener; a listener added twice is called twice. */
  readonly event: Event<T> = (listener) => {
    if (typeof listener !== 'function') throw new TypeError(`event listener must be a function, got ${typeof listener}`);
    (this.listeners ??= []).push(listener);
    let active = true;
    return {
      dispose: () => {
        if (!active) return;
        active = false;
        const listeners = this.listeners;
        if (listeners === undefined) return;
        const i = listeners.indexOf(listener);
        if (i >= 0) listeners.splice(i, 1);
        if (listeners.length === 0) this.listeners = undefined;
      },
    };
  };

  /** True while at least one listener is subscribed. */
  get hasListeners(): boolean {
    return this.listeners !== undefined;
  }

  /**
   * Calls every listener with `value`, in subscription order, on a snapshot of the list (a
   * listener that subscribes or disposes during the call takes effect from the next emit).
   * A listener that throws does not stop the others; the first error is rethrown afterwards.
   */
  emit(value: T): void {
    const listeners = this.listeners;
    if (listeners === undefined) return;
    if (listeners.length === 1) {
      listeners[0](value);
      return;
    }
    let failure: { error: unknown } | undefined;
    for (const listener of listeners.slice()) {
      try {
        listener(value);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}
