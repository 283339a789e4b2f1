import { flushPromises } from '@bulwark/core/testing';
import type { ManualClock } from '@bulwark/core/testing';

/**
 * Lets `promise` settle on a ManualClock: runs queued callbacks and, whenever a timer is armed,
 * moves time to it, until the promise settles or `maxTurns` turns of the event loop have passed.
 * Returns the promise.
 */
export async function drive<T>(promise: Promise<T>, clock: ManualClock, maxTurns = 200): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let turn = 0; turn < maxTurns && !settled; turn++) {
    await flushPromises();
    const due = clock.nextDueAt();
    if (!settled && due !== undefined) clock.advance(due - clock.now());
  }
  return promise;
}

/** Runs queued callbacks until `condition` holds (at most `maxTurns` turns of the event loop). */
export async function until(condition: () => boolean, maxTurns = 10_000): Promise<void> {
  for (let turn = 0; turn < maxTurns && !condition(); turn++) await flushPromises();
  if (!condition()) throw new Error('until: the condition never held');
}
