import type { RegistryRetryOptions } from '@bulwark/core';
import { policyDecorator } from './policy-decorator.js';

/** Options of {@link Retry}: the registry's retry options, and the instance's `name`. */
export type RetryDecoratorOptions = RegistryRetryOptions & {
  /** The registry name to share (default: `Class.method`). */
  readonly name?: string;
};

/**
 * Runs the method again when it fails, with the module registry's retry policy of that name
 * (`policies.<name>.retry`, options here overriding it; without a name, `Class.method`). On a
 * controller handler every attempt really runs the handler again (pipes included); the
 * handler must return its result rather than write to `@Res()`. When every attempt fails with
 * the application's own error, an HTTP client gets that last error, not the retry's.
 *
 * @param nameOrOptions a registry name, or options with an optional `name` (default: none)
 * @throws TypeError when the argument is neither a non-empty name nor an options object
 * @example
 * @Retry({ maxAttempts: 3, backoff: { kind: 'exponential', initialDelayMs: 100 } })
 * async quote(id: string): Promise<Quote> { … }
 */
export function Retry(nameOrOptions?: string | RetryDecoratorOptions): ClassDecorator & MethodDecorator {
  return policyDecorator('retry', '@Retry', nameOrOptions);
}
