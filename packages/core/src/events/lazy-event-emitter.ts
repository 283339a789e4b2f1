import { EventEmitter } from 'node:events';

/**
 * An `EventEmitter` base class whose listener table is created by the first listener, not by the
 * constructor. Node's `EventEmitter` creates it lazily whenever it is missing (the legacy
 * `util.inherits` subclasses that never call the constructor rely on that), so every method
 * works; only the constructor's eager table (a dictionary-mode object, ~250 bytes) is skipped.
 * Breakers are created by the thousand (one per route, host or tenant) and most are never
 * listened to.
 */
function LazyEventEmitterConstructor(): void {
  // Deliberately empty: see above.
}
LazyEventEmitterConstructor.prototype = Object.create(EventEmitter.prototype, {
  constructor: { value: LazyEventEmitterConstructor, writable: true, configurable: true },
});

export const LazyEventEmitter = LazyEventEmitterConstructor as unknown as typeof EventEmitter;

/** True when `emitter` has a listener for `event` (a direct look-up, cheaper than `listenerCount`). */
export function hasListeners(emitter: EventEmitter, event: string): boolean {
  const events = (emitter as unknown as { _events?: Record<string, unknown> })._events;
  return events !== undefined && events[event] !== undefined;
}
