// The `@bulwark/nestjs/terminus` entry point: kept apart from `@bulwark/nestjs` so that an
// application without `@nestjs/terminus` (an optional peer) never loads it.
export { BulwarkHealthIndicator } from './bulwark.health.js';
export type { BulwarkHealthData, BulwarkHealthOptions } from './bulwark.health.js';
