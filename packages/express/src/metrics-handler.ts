import { defaultRegistry } from '@bulwark/core';
import type { PolicyRegistry } from '@bulwark/core';
import { registerMetrics } from '@bulwark/prometheus';
import { Registry, register as globalRegister } from 'prom-client';
import type { RegistryContentType } from 'prom-client';
import type { RequestHandler } from 'express';
import { checkOptionalRegistry, checkOptions, show } from './validate.js';

/** The formats {@link metricsHandler} serves. */
export type MetricsFormat = 'prometheus' | 'openmetrics';

/** Options of {@link metricsHandler}. */
export interface MetricsHandlerOptions {
  /** The prom-client registry to serve (default: prom-client's global `register`). */
  readonly register?: Registry<RegistryContentType>;
  /** The Bulwark registry whose policies are put on it (default: `defaultRegistry()`). */
  readonly registry?: PolicyRegistry;
  /**
   * The format (default: the register's own, Prometheus text for a default one). prom-client
   * writes a register in one format only, so asking for the other switches the register with
   * `register.setContentType` when the handler is created.
   */
  readonly contentType?: MetricsFormat;
}

const WHERE = 'metricsHandler';
const CONTENT_TYPES: Record<MetricsFormat, RegistryContentType> = {
  prometheus: Registry.PROMETHEUS_CONTENT_TYPE,
  openmetrics: Registry.OPENMETRICS_CONTENT_TYPE,
};

/** The Bulwark registries put on each prom-client register by this package, so each pair is registered once. */
const registered = new WeakMap<Registry<RegistryContentType>, WeakSet<PolicyRegistry>>();

/**
 * Puts `registry`'s policies on `register` through `registerMetrics` from `@bulwark/prometheus`,
 * once per pair however many handlers are created. When the register carries Bulwark's metrics
 * already (the app called `registerMetrics` itself), those are served as they are.
 */
function ensureRegistered(registry: PolicyRegistry, register: Registry<RegistryContentType>): void {
  let registries = registered.get(register);
  if (registries === undefined) registered.set(register, (registries = new WeakSet()));
  if (registries.has(registry)) return;
  try {
    registerMetrics(registry, { register });
  } catch (error) {
    if (!(error instanceof TypeError && error.message.includes('already has a metric named'))) throw error;
  }
  registries.add(registry);
}

/**
 * A handler for `/metrics`: serves a prom-client registry (default: the global `register`) with
 * every policy of a Bulwark registry on it (default: `defaultRegistry()`, where the middlewares'
 * policies join), as `bulwark_*` series (`bulwark_circuit_breaker_state`,
 * `bulwark_bulkhead_active_calls`, `bulwark_rate_limiter_rejected_calls_total`, …). It calls
 * `registerMetrics` once per pair of registries, at creation; the series are read at scrape
 * time, so policies created later show up with no wiring. Whatever else is on the register
 * (`collectDefaultMetrics()`, express-prom-bundle) is served too.
 *
 * @throws TypeError at creation for a bad option (naming it)
 * @example
 * app.get('/metrics', metricsHandler());
 */
export function metricsHandler(options?: MetricsHandlerOptions): RequestHandler {
  const o = checkOptions(WHERE, options, ['register', 'registry', 'contentType']);
  const registry = checkOptionalRegistry(WHERE, o.registry) ?? defaultRegistry();
  const register = (o.register ?? globalRegister) as Registry<RegistryContentType>;
  if (typeof register !== 'object' || register === null || typeof (register as { metrics?: unknown }).metrics !== 'function') {
    throw new TypeError(`${WHERE}: options.register must be a prom-client Registry, got ${show(o.register)}`);
  }
  if (o.contentType !== undefined) {
    if (typeof o.contentType !== 'string' || !Object.hasOwn(CONTENT_TYPES, o.contentType)) {
      throw new TypeError(`${WHERE}: options.contentType must be 'prometheus' or 'openmetrics', got ${show(o.contentType)}`);
    }
    const wanted = CONTENT_TYPES[o.contentType as MetricsFormat];
    if (register.contentType !== wanted) register.setContentType(wanted);
  }
  ensureRegistered(registry, register);
  return function bulwarkMetrics(_req, res, next) {
    register.metrics().then(
      (text) => {
        res.setHeader('Content-Type', register.contentType);
        res.end(text);
      },
      (error: unknown) => next(error),
    );
  };
}
