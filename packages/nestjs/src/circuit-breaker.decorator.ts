import type { RegistryBreakerOptions } from '@bulwark/core';
import { policyDecorator } from './policy-decorator.js';

/** Options of {@link CircuitBreaker}: the registry's breaker options, and the instance's `name`. */
export type CircuitBreakerDecoratorOptions = RegistryBreakerOptions & {
  /** The registry name to share (default: `Class.method`, one breaker per method). */
  readonly name?: string;
};

/**
 * Runs the method (or every handler of the class) through the module registry's circuit breaker
 * of that name: `@CircuitBreaker('payments')` uses `policies.payments.breaker`; options given
 * here override that configuration (asking for one name with two different option sets fails at
 * start-up). Without a name the instance is named after `Class.method`. Only sets metadata: the
 * module applies it, to controller handlers through its interceptor and to provider methods at
 * module init. An open breaker answers HTTP 503 with `Retry-After`.
 *
 * @param nameOrOptions a registry name, or options with an optional `name` (default: none, so
 *   `Class.method` with the registry's `defaults.breaker`)
 * @throws TypeError when the argument is neither a non-empty name nor an options object
 * @example
 * @CircuitBreaker({ name: 'inventory', resetTimeout: 10_000 })
 * async stock(sku: string): Promise<number> { … }
 */
export function CircuitBreaker(nameOrOptions?: string | CircuitBreakerDecoratorOptions): ClassDecorator & MethodDecorator {
  return policyDecorator('breaker', '@CircuitBreaker', nameOrOptions);
}
