export type { Clock, TimerHandle } from './time/clock.js';
export { systemClock } from './time/clock.js';
export type { Random } from './time/random.js';
export { systemRandom } from './time/random.js';
