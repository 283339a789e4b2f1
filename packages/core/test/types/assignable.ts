/**
 * Type test (compiled by the `typecheck` target, never run): Bulwark's `CircuitBreaker` and its
 * companion types are assignable to `@types/opossum@8.1.9`'s, so a value of ours can go wherever
 * code (or a library such as a metrics exporter) expects an opossum breaker. The negative checks
 * (`@ts-expect-error`) fail the build if our typings ever widen to `any`.
 */
/* eslint-disable @nx/enforce-module-boundaries -- the package's public doors are what is under test */
import type { EventEmitter } from 'node:events';
import type OpossumBreaker from 'opossum';
import { CircuitBreaker, MemoryCache } from '@bulwark/core';
import type { Bucket, CacheTransport, CircuitBreakerOptions, CircuitBreakerState, Stats, StatusOptions } from '@bulwark/core';
import OpossumCompatible from '@bulwark/core/opossum';
import type { Options as OpossumCompatibleOptions } from '@bulwark/core/opossum';

/** `true` only when A and B are the same type (not merely mutually assignable; `any` fails). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only when given `true`. */
function expectType<T extends true>(value: T): T {
  return value;
}
/** `exact<T>()(value)` compiles only when `value`'s type is exactly `T` (not `any`, not wider). */
function exact<T>() {
  return <V>(value: V, ...mismatch: Equal<V, T> extends true ? [] : [expected: T]): unknown[] => [value, ...mismatch];
}

const breaker = new CircuitBreaker(async (n: number) => String(n));

// ---- The subpath's default export is the same class as the named export.
const sameClass: typeof CircuitBreaker = OpossumCompatible;
expectType<Equal<typeof OpossumCompatible, typeof CircuitBreaker>>(true);
expectType<Equal<OpossumCompatibleOptions<[number]>, CircuitBreakerOptions<[number]>>>(true);

// ---- Inference is exact.
expectType<Equal<typeof breaker, CircuitBreaker<[n: number], string>>>(true);
expectType<Equal<ReturnType<typeof breaker.fire>, Promise<string>>>(true);
expectType<Equal<Parameters<typeof breaker.fire>, [n: number]>>(true);
expectType<Equal<ReturnType<typeof breaker.call>, Promise<string>>>(true);
// A synchronous action is accepted too (opossum runs it); the result is still a promise.
expectType<Equal<ReturnType<CircuitBreaker<[], number>['fire']>, Promise<number>>>(true);
expectType<Equal<ReturnType<typeof breaker.toJSON>, ReturnType<CircuitBreaker['toJSON']>>>(true);

// ---- Instances: ours where @types' breaker is expected.
export const asOpossum: OpossumBreaker<[number], string> = new CircuitBreaker(async (n: number) => String(n));
export const asOpossumExplicit: OpossumBreaker<[number], string> = new CircuitBreaker<[number], string>(async (n) => String(n));
export const asOpossumDefault: OpossumBreaker = new OpossumCompatible(async () => 1);
export const asOpossumSync: OpossumBreaker<[string], number> = new CircuitBreaker((s: string) => s.length);
// A generic breaker where the default `OpossumBreaker` (unknown[], unknown) is expected, as in
// `new PrometheusMetrics({ circuits: [breaker] })`.
export const asDefaultOpossum: OpossumBreaker = breaker;
export const inOpossumArray: OpossumBreaker[] = [breaker, asOpossumSync];
// …and ours with default type arguments, as helpers written for Bulwark take them.
export const asDefaultOurs: CircuitBreaker = breaker;

// ---- The class itself where @types' constructor is expected (statics included).
export const asOpossumClass: typeof OpossumBreaker = CircuitBreaker;
export const isOurError: (error: Error) => boolean = CircuitBreaker.isOurError;

// ---- Companion types.
export const status: OpossumBreaker.Status = breaker.status;
export const newStatus: OpossumBreaker.Status = CircuitBreaker.newStatus({ rollingCountBuckets: 5 });
export const stats: OpossumBreaker.Stats = breaker.stats;
export const windowOf: OpossumBreaker.Window = breaker.status.window;
export const bucket: OpossumBreaker.Bucket = breaker.status.window[0];
export const ourBucket: Bucket = breaker.status.window[0];
export const jsonStatus: OpossumBreaker.Stats = breaker.toJSON().status;
// @ts-expect-error @types declares `lastTimerAt: symbol`; the runtime value is a number (see the
// README). The instance stays assignable (above) through a `toJSON()` overload.
export const jsonState: OpossumBreaker.State = breaker.toJSON().state;
export const cache: OpossumBreaker.MemoryCache = new MemoryCache(100);
export const transport: OpossumBreaker.CacheTransport = new MemoryCache();

// ---- @types' values where ours are expected (what migrating code passes in).
declare const opossumOptions: OpossumBreaker.Options<[number]>;
declare const opossumStatusOptions: OpossumBreaker.StatusOptions;
declare const opossumStats: OpossumBreaker.Stats;
declare const opossumCache: OpossumBreaker.CacheTransport;
export const options: CircuitBreakerOptions<[number]> = opossumOptions;
export const subpathOptions: OpossumCompatibleOptions<[number]> = opossumOptions;
export const fromOpossumOptions = new CircuitBreaker(async (n: number) => n * 2, opossumOptions);
export const statusOptions: StatusOptions = opossumStatusOptions;
export const ourStats: Partial<Stats> = opossumStats;
export const ourTransport: CacheTransport = opossumCache;

// ---- Bulwark's state type is opossum's state with `lastTimerAt` a number, as at runtime.
expectType<Equal<CircuitBreakerState['lastTimerAt'], number | undefined>>(true);
expectType<Equal<Omit<CircuitBreakerState, 'lastTimerAt'>, Omit<OpossumBreaker.State, 'lastTimerAt'>>>(true);

// ---- Typed events (ours are at least as precise as @types').
breaker.on('success', (result, latencyMs) => [exact<string>()(result), exact<number>()(latencyMs)]);
breaker.on('fire', (args) => exact<[n: number]>()(args));
breaker.on('failure', (_err, latencyMs, args) => [exact<number>()(latencyMs), exact<[n: number]>()(args)]);
breaker.on('timeout', (err, latencyMs, args) => [exact<'ETIMEDOUT'>()(err.code), exact<number>()(latencyMs), exact<[n: number]>()(args)]);
breaker.on('reject', (err) => exact<'EOPENBREAKER'>()(err.code));
breaker.on('semaphoreLocked', (err, latencyMs) => [exact<'ESEMLOCKED'>()(err.code), exact<number>()(latencyMs)]);
breaker.on('halfOpen', (resetTimeoutMs) => exact<number>()(resetTimeoutMs));
breaker.on('fallback', (result) => exact<unknown>()(result));
// Other event names stay open, as on any EventEmitter.
declare const someEvent: string;
breaker.on('custom', (...args: unknown[]) => args).on(someEvent, () => undefined).once(Symbol('s'), () => undefined);

// ---- Negative checks: each line must be a type error. If our types became `any`, the
// `@ts-expect-error` directives would be unused, which is itself an error.
export async function negatives(emitter: EventEmitter): Promise<void> {
  const numeric = new CircuitBreaker(async (n: number) => n);

  // @ts-expect-error the action takes a number
  await numeric.fire('not a number');
  // @ts-expect-error one argument is required
  await numeric.fire();
  // @ts-expect-error one argument, not two
  await numeric.fire(1, 2);
  // @ts-expect-error call() passes the same arguments after the context
  await numeric.call(null, 'not a number');
  // @ts-expect-error fire() resolves to a number, not a string
  const text: string = await numeric.fire(1);
  // @ts-expect-error the 'success' result is a number
  numeric.on('success', (result: string) => result);
  // @ts-expect-error the 'fire' arguments are [number]
  numeric.on('fire', (args: [string]) => args);
  // @ts-expect-error properties are read-only
  numeric.name = 'renamed';
  // @ts-expect-error an action is required
  new CircuitBreaker();

  // @ts-expect-error @types' breaker of [string] is not ours of [number]
  const wrongArgs: OpossumBreaker<[string], number> = numeric;
  // @ts-expect-error @types' breaker resolving strings is not ours resolving numbers
  const wrongResult: OpossumBreaker<[number], string> = numeric;

  // @ts-expect-error timeout is a number or false
  new CircuitBreaker(async () => 1, { timeout: 'soon' });
  // @ts-expect-error errorThresholdPercentage is a number
  new CircuitBreaker(async () => 1, { errorThresholdPercentage: '50' });
  // @ts-expect-error cacheGetKey receives the action's arguments
  new CircuitBreaker(async (n: number) => n, { cacheGetKey: (s: string) => s });
  // @ts-expect-error slidingWindow.kind is 'time', 'count' or 'consecutive'
  new CircuitBreaker(async () => 1, { slidingWindow: { kind: 'sliding' } });
  // @ts-expect-error a count window needs its size
  new CircuitBreaker(async () => 1, { slidingWindow: { kind: 'count' } });
  // @ts-expect-error openBackoff needs maxResetTimeout
  new CircuitBreaker(async () => 1, { openBackoff: { multiplier: 2 } });
  // @ts-expect-error jitter is 'none', 'full' or 'equal'
  new CircuitBreaker(async () => 1, { openBackoff: { maxResetTimeout: 60_000, jitter: 'random' } });
  // @ts-expect-error rotateBucketController is an EventEmitter
  new CircuitBreaker(async () => 1, { rotateBucketController: { on: emitter.on } });
  // @ts-expect-error the execute() signal is an AbortSignal
  await numeric.execute(() => 1, { signal: 'abort' });
  // @ts-expect-error execute() resolves to fn's result
  const fromExecute: string = await numeric.execute(() => 1);

  void [text, wrongArgs, wrongResult, fromExecute, sameClass];
}

/** Every breaker event is typed for every way of adding and removing a listener. */
export function listenerMethods(breaker: CircuitBreaker<[number], number>): void {
  const onOpen = (): void => undefined;
  breaker.once('open', onOpen).once('close', () => undefined).once('shutdown', () => undefined);
  breaker.addListener('halfOpen', (waitedMs: number) => void waitedMs);
  breaker.prependListener('success', (result: number, latencyMs: number) => void [result, latencyMs]);
  breaker.off('open', onOpen);
  breaker.once('timeout', (err, latencyMs, args) => void [err.timeoutMs, latencyMs, args[0]]);
  breaker.once('semaphoreLocked', (err) => void err.code);
  breaker.on('custom-event', (anything: unknown) => void anything);
  // @ts-expect-error once('success') listeners get the action's result type
  breaker.once('success', (result: string) => void result);
  // @ts-expect-error 'open' listeners take no arguments
  breaker.addListener('open', (x: string) => void x);
  // @ts-expect-error 'halfOpen' passes a number
  breaker.prependListener('halfOpen', (x: string) => void x);
}
