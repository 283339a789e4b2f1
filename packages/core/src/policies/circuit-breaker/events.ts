import type { CircuitOpenError } from '../../errors/circuit-open-error.js';
import type { SemaphoreLockedError } from '../../errors/semaphore-locked-error.js';
import type { TimeoutError } from '../../errors/timeout-error.js';

/** Every event a breaker emits, in no particular order (for exporters that listen to all). */
export const circuitBreakerEvents = [
  'fire',
  'success',
  'failure',
  'timeout',
  'reject',
  'semaphoreLocked',
  'fallback',
  'open',
  'close',
  'halfOpen',
  'shutdown',
  'healthCheckFailed',
  'cacheHit',
  'cacheMiss',
  'coalesceCacheHit',
  'coalesceCacheMiss',
] as const;

/** The name of a breaker event. */
export type CircuitBreakerEventName = (typeof circuitBreakerEvents)[number];

/** Each event's listener arguments (opossum's, with the arguments @types/opossum leaves out). */
/* eslint-disable @typescript-eslint/no-explicit-any */
export interface CircuitBreakerEventMap<TI extends unknown[] = unknown[], TR = unknown> {
  fire: [args: TI];
  success: [result: TR, latencyMs: number];
  failure: [err: any, latencyMs: number, args: TI];
  timeout: [err: TimeoutError, latencyMs: number, args: TI];
  reject: [err: CircuitOpenError];
  semaphoreLocked: [err: SemaphoreLockedError, latencyMs: number];
  fallback: [result: unknown, err: any];
  open: [];
  close: [];
  halfOpen: [resetTimeoutMs: number];
  shutdown: [];
  healthCheckFailed: [err: any];
  cacheHit: [];
  cacheMiss: [];
  coalesceCacheHit: [];
  coalesceCacheMiss: [];
}
/* eslint-enable @typescript-eslint/no-explicit-any */
