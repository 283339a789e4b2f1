/**
 * The injection token of the module's `PolicyRegistry` (the registry is also provided under the
 * `PolicyRegistry` class itself, so a constructor parameter typed `PolicyRegistry` needs no
 * `@Inject`).
 *
 * @example
 * constructor(@Inject(BULWARK_REGISTRY) private readonly registry: PolicyRegistry) {}
 */
export const BULWARK_REGISTRY = Symbol.for('@bulwark/nestjs.registry');

/** @internal The prom-client registry the metrics controller serves. */
export const BULWARK_PROM_REGISTER = Symbol.for('@bulwark/nestjs.promRegister');

/** @internal The resolved module options: the registry, whether the module owns it, `gateway`. */
export const BULWARK_RESOLVED_OPTIONS = Symbol.for('@bulwark/nestjs.resolvedOptions');

/** @internal The `metrics` extra of `forRoot`/`forRootAsync`, or `false`. */
export const BULWARK_METRICS_OPTIONS = Symbol.for('@bulwark/nestjs.metricsOptions');

/**
 * @internal The metadata key of each decorator, by policy kind. Each kind has its own key, so a
 * method's `@Retry` overrides its class's `@Retry` while the class's `@CircuitBreaker` still
 * applies (`reflector.getAllAndOverride(key, [handler, class])`).
 */
export const POLICY_METADATA = {
  fallback: 'bulwark:fallback',
  bulkhead: 'bulwark:bulkhead',
  timeout: 'bulwark:timeout',
  retry: 'bulwark:retry',
  breaker: 'bulwark:circuit-breaker',
  rateLimiter: 'bulwark:rate-limit',
} as const;

/**
 * @internal The kinds the decorators apply, in the one order they run, outermost first:
 * Fallback → Bulkhead → Timeout → Retry → CircuitBreaker → RateLimit → method (core's
 * recommended order; see `wrap`).
 */
export const DECORATOR_ORDER = ['fallback', 'bulkhead', 'timeout', 'retry', 'breaker', 'rateLimiter'] as const;

/** @internal One of {@link DECORATOR_ORDER}. */
export type DecoratorKind = (typeof DECORATOR_ORDER)[number];
