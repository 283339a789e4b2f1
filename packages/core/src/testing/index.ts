export { ManualClock, flushPromises } from './manual-clock.js';
export { seededRandom } from './seeded-random.js';
