import type { RegistryTimeoutOptions } from '@bulwark/core';
import { policyDecorator } from './policy-decorator.js';

/** Options of {@link Timeout}: the registry's timeout options, and the instance's `name`. */
export type TimeoutDecoratorOptions = RegistryTimeoutOptions & {
  /** The registry name to share (default: `Class.method`). */
  readonly name?: string;
};

/**
 * Bounds the whole call (retries included) with the module registry's total timeout of that
 * name (`policies.<name>.timeout`, options here overriding it; without a name, `Class.method`).
 * `timeoutMs` must come from somewhere, or the application fails to start. The default
 * strategy, `'cooperative'`, aborts the signal of `currentExecuteContext()` and waits for the
 * method to settle; `strategy: 'aggressive'` answers at the deadline whatever the method does.
 * A timeout answers HTTP 503 (504 with the module's `gateway: true`).
 *
 * @param nameOrOptions a registry name, or options with an optional `name` (default: none)
 * @throws TypeError when the argument is neither a non-empty name nor an options object
 * @example
 * @Timeout({ timeoutMs: 2000, strategy: 'aggressive' })
 * @Get('report')
 * report() { … }
 */
export function Timeout(nameOrOptions?: string | TimeoutDecoratorOptions): ClassDecorator & MethodDecorator {
  return policyDecorator('timeout', '@Timeout', nameOrOptions);
}
