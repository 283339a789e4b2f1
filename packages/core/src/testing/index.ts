export { ManualClock, flushPromises } from './manual-clock.js';
export { seededRandom } from './seeded-random.js';
export { deferred } from './deferred.js';
export type { Deferred } from './deferred.js';
export { trackAbortListeners } from './abort-listeners.js';
export type { AbortListenerCounts } from './abort-listeners.js';
