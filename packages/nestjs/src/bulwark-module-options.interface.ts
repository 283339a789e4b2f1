import type { PolicyRegistry, RegistryOptions } from '@bulwark/core';
import type { RegisterMetricsOptions } from '@bulwark/prometheus';

/**
 * What `BulwarkModule.forRoot(options)` takes, and what `forRootAsync`'s `useFactory` returns:
 * either the options of core's `createRegistry` (`defaults`, `policies`, `budgets`, `clock`,
 * `random`), from which the module creates its registry, or an existing `registry`, plus
 * `gateway`. The module validates them when the application starts: a bad policy field throws
 * the registry's `TypeError`/`RangeError` naming its path (`policies.payments.retry.maxAttempts
 * must be a positive integer, got -1`).
 */
export interface BulwarkModuleOptions extends RegistryOptions {
  /**
   * A registry built elsewhere (`createRegistry(…)`, `defaultRegistry()`), used as it is and
   * never disposed by the module. Cannot be combined with the `createRegistry` options. Default:
   * a registry the module creates from those options, and disposes on application shutdown.
   */
  readonly registry?: PolicyRegistry;
  /**
   * The service is a gateway to what timed out: a policy timeout answers 504 Gateway Timeout
   * instead of 503 (default false; see `httpErrorFor` in `@bulwark/http`).
   */
  readonly gateway?: boolean;
}

/**
 * The metrics endpoint: `registerMetrics` of `@bulwark/prometheus` applied to the module's
 * registry (its options `register`, `prefix`, `durationBuckets`), served at `path`.
 */
export interface BulwarkMetricsOptions extends RegisterMetricsOptions {
  /** The route of the metrics controller (default `'/metrics'`; a global prefix applies to it). */
  readonly path?: string;
}

/**
 * Options that shape the module itself, so they are given to `forRoot` and `forRootAsync`
 * directly, never returned by `useFactory`: routes and globality are fixed before any provider
 * runs.
 */
export interface BulwarkModuleExtras {
  /** Make the module global: its registry is injectable everywhere (default false). */
  readonly isGlobal?: boolean;
  /**
   * The `/metrics` controller and its collectors (default `{}`: on, at `/metrics`, on
   * prom-client's global `register`); `false` adds neither the route nor the collectors.
   */
  readonly metrics?: BulwarkMetricsOptions | false;
}

/**
 * A class that `forRootAsync({ useClass })` or `({ useExisting })` asks for the options.
 *
 * @example
 * @Injectable()
 * class BulwarkConfig implements BulwarkOptionsFactory {
 *   createBulwarkOptions(): BulwarkModuleOptions { return { policies: { payments: { retry: {} } } }; }
 * }
 */
export interface BulwarkOptionsFactory {
  createBulwarkOptions(): BulwarkModuleOptions | Promise<BulwarkModuleOptions>;
}
