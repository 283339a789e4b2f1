/**
 * Type test (compiled by the `typecheck` target, never run): code written against
 * `@types/opossum@8.1.9`, unchanged except for its import line. It must keep compiling, so
 * that swapping `from 'opossum'` for `from '@bulwark/core/opossum'` is the whole migration.
 *
 * Everything below is what a service using opossum through DefinitelyTyped's typings
 * typically writes: namespace types (`CircuitBreaker.Options`, `.Stats`, …), explicit and
 * inferred generics, every option of `CircuitBreaker.Options`, every typed `on()` overload,
 * the statistics, `toJSON()`, the statics and the lifecycle methods.
 */
import { EventEmitter } from 'node:events';
// The one line that changes; was: import CircuitBreaker from 'opossum';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the public door is what is under test
import CircuitBreaker from '@bulwark/core/opossum';

interface User {
  id: number;
  name: string;
}

declare function fetchUser(id: number): Promise<User>;
declare function fetchUserFromReplica(id: number): Promise<User>;
declare function ping(): Promise<void>;
declare const log: { info(...args: unknown[]): void; warn(...args: unknown[]): void; error(...args: unknown[]): void };

// ---- Options: every field of @types/opossum's `CircuitBreaker.Options`, typed through the namespace.

const rotateBucketController = new EventEmitter();

/** A cache transport written against `CircuitBreaker.CacheTransport` (a Map with TTLs). */
class MapCache implements CircuitBreaker.CacheTransport {
  private readonly entries = new Map<string, { value: unknown; expiresAt: number }>();

  get(key: string): unknown | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== 0 && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: unknown, ttl: number): void {
    this.entries.set(key, { value, expiresAt: ttl });
  }

  flush(): void {
    this.entries.clear();
  }
}

const statusOptions: CircuitBreaker.StatusOptions = {
  rollingCountBuckets: 10,
  rollingCountTimeout: 10_000,
  rollingPercentilesEnabled: true,
  enableSnapshots: false,
  rotateBucketController,
};

export const allOptions: CircuitBreaker.Options<[number]> = {
  status: CircuitBreaker.newStatus(statusOptions),
  timeout: 3000,
  maxFailures: 5,
  resetTimeout: 30_000,
  rollingCountTimeout: 10_000,
  rollingCountBuckets: 10,
  name: 'user-service',
  group: 'users',
  rollingPercentilesEnabled: true,
  capacity: 10,
  errorThresholdPercentage: 50,
  enabled: true,
  allowWarmUp: false,
  volumeThreshold: 5,
  errorFilter: (err: { statusCode?: number }) => err.statusCode === 404,
  cache: true,
  cacheTTL: 60_000,
  cacheGetKey: (id) => `user:${id.toFixed(0)}`,
  cacheTransport: new MapCache(),
  abortController: new AbortController(),
  autoRenewAbortController: true,
  enableSnapshots: true,
  rotateBucketController,
};

// `timeout: false` disables the timer; undefined is accepted everywhere (exactOptionalPropertyTypes users).
export const noTimeout: CircuitBreaker.Options = { timeout: false, name: undefined, cacheTTL: 0 };

// ---- Construction: explicit generics, inferred generics, options inline or typed.

export const explicit = new CircuitBreaker<[number], User>(fetchUser, allOptions);
export const inferred = new CircuitBreaker(fetchUser, { timeout: 1000, name: 'users' });
export const noOptions = new CircuitBreaker(async (a: number, b: string) => `${a}${b}`);
export const replica: CircuitBreaker<[number], User> = new CircuitBreaker(fetchUserFromReplica);

// A helper typed with the class as a type, as a service would pass breakers around.
function describeBreaker(breaker: CircuitBreaker): string {
  return `${breaker.name} (${breaker.group}) ${breaker.opened ? 'open' : 'closed'}`;
}

export async function getUser(id: number): Promise<User> {
  const user: User = await explicit.fire(id);
  const sameUser: User = await explicit.call(null, id);
  const viaInferred: User = await inferred.fire(id);
  const concatenated: string = await noOptions.fire(1, 'a');
  log.info(describeBreaker(explicit), user.name, sameUser.id, viaInferred.id, concatenated.length);
  return user;
}

// ---- Fallbacks: a function (receiving the call's arguments and the error), and another breaker.

explicit.fallback((id: number, err: Error) => ({ id, name: `unknown (${err.message})` }));
inferred.fallback(replica);
noOptions.fallback(() => 'default').fallback(async () => 'chained');

// ---- Events: every typed `on()` overload of @types/opossum, with its listener's parameter types.

explicit
  .on('halfOpen', (resetTimeout: number) => log.info(`half-open after ${resetTimeout}ms`))
  .on('close', () => log.info('closed'))
  .on('open', () => log.warn('open'))
  .on('shutdown', () => log.info('shut down'));

explicit.on('fire', (args: [number]) => log.info('fire', args[0].toFixed(0)));
explicit.on('cacheHit', () => log.info('cache hit'));
explicit.on('cacheMiss', () => log.info('cache miss'));
explicit.on('reject', (err: Error) => log.warn(err.message));
explicit.on('timeout', (err: Error) => log.warn(err.message));
explicit.on('success', (result: User, latencyMs: number) => log.info(result.name, latencyMs.toFixed(1)));
explicit.on('semaphoreLocked', (err: Error) => log.warn(err.message));
explicit.on('healthCheckFailed', (err: Error) => log.error(err.message));
explicit.on('fallback', (result: unknown, err: Error) => log.warn(result, err.message));
explicit.on('failure', (err: Error, latencyMs: number, args: [number]) => log.error(err.message, latencyMs, args[0]));

// Listeners left to contextual typing get the same types.
inferred.on('success', (result, latencyMs) => log.info(result.name.toUpperCase(), latencyMs + 1));
inferred.on('failure', (err, latencyMs, args) => log.error(err, latencyMs + 1, args[0].toFixed(0)));
inferred.on('fire', (args) => log.info(args[0] + 1));
inferred.on('halfOpen', (resetTimeout) => log.info(resetTimeout + 1));

// Errors: the breaker's own (open, timeout, semaphore locked, shutdown) versus the action's.
export async function classify(id: number): Promise<'ours' | 'theirs' | 'ok'> {
  try {
    await explicit.fire(id);
    return 'ok';
  } catch (error) {
    return CircuitBreaker.isOurError(error as Error) ? 'ours' : 'theirs';
  }
}

// ---- Statistics: stats, status, window, snapshots.

export function report(breaker: CircuitBreaker<[number], User>): Record<string, number> {
  const stats: CircuitBreaker.Stats = breaker.stats;
  const status: CircuitBreaker.Status = breaker.status;
  const window: CircuitBreaker.Window = status.window;
  const current: CircuitBreaker.Bucket = window[0];
  status.on('snapshot', (snapshot: CircuitBreaker.Stats) => log.info(snapshot.fires, snapshot.latencyMean));
  return {
    failures: stats.failures,
    fallbacks: stats.fallbacks,
    successes: stats.successes,
    rejects: stats.rejects,
    fires: stats.fires,
    timeouts: stats.timeouts,
    cacheHits: stats.cacheHits,
    cacheMisses: stats.cacheMisses,
    semaphoreRejections: stats.semaphoreRejections,
    p50: stats.percentiles[0.5],
    p99: stats.percentiles[0.99],
    samples: stats.latencyTimes.length,
    latencyMean: stats.latencyMean,
    buckets: window.length,
    currentFires: current.fires,
    statusFires: status.stats.fires,
  };
}

// A fresh Status from saved stats, as a dashboard restoring a window would build one.
export const restoredStatus: CircuitBreaker.Status = CircuitBreaker.newStatus({
  rollingCountBuckets: 10,
  rollingCountTimeout: 10_000,
  stats: explicit.toJSON().status,
});

// ---- toJSON: state and stats.

export function snapshot(breaker: CircuitBreaker<[number], User>): { state: CircuitBreaker.State; fires: number } {
  const json: { state: CircuitBreaker.State; status: CircuitBreaker.Stats } = breaker.toJSON();
  const { name, enabled, closed, open, halfOpen, warmUp, shutdown } = json.state;
  log.info(name, enabled, closed, open, halfOpen, warmUp, shutdown, json.state.lastTimerAt);
  return { state: json.state, fires: json.status.fires };
}

// ---- Properties.

export function properties(breaker: CircuitBreaker<[number], User>): Array<string | number | boolean> {
  const name: string = breaker.name;
  const group: string = breaker.group;
  const enabled: boolean = breaker.enabled;
  const pendingClose: boolean = breaker.pendingClose;
  const closed: boolean = breaker.closed;
  const opened: boolean = breaker.opened;
  const halfOpen: boolean = breaker.halfOpen;
  const isShutdown: boolean = breaker.isShutdown;
  const warmUp: boolean = breaker.warmUp;
  const volumeThreshold: number = breaker.volumeThreshold;
  return [name, group, enabled, pendingClose, closed, opened, halfOpen, isShutdown, warmUp, volumeThreshold];
}

// ---- Health checks and lifecycle.

explicit.healthCheck(ping, 10_000);
explicit.healthCheck(async () => {
  await ping();
});
explicit.healthCheck(() => ping().then(() => undefined));

export function maintenance(breaker: CircuitBreaker<[number], User>): void {
  breaker.open();
  breaker.close();
  breaker.disable();
  breaker.enable();
  breaker.clearCache();
  breaker.shutdown();
}
