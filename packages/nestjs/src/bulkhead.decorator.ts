import type { RegistryBulkheadOptions } from '@bulwark/core';
import { policyDecorator } from './policy-decorator.js';

/** Options of {@link Bulkhead}: the registry's bulkhead options, and the instance's `name`. */
export type BulkheadDecoratorOptions = RegistryBulkheadOptions & {
  /** The registry name to share (default: `Class.method`). */
  readonly name?: string;
};

/**
 * Limits how many calls of the method run at once, with the module registry's bulkhead of that
 * name (`policies.<name>.bulkhead`, options here overriding it; without a name, `Class.method`).
 * `maxConcurrent` must come from somewhere (here, the name's configuration or
 * `defaults.bulkhead`), or the application fails to start. A full bulkhead answers HTTP 503
 * with `Retry-After` when it knows one.
 *
 * @param nameOrOptions a registry name, or options with an optional `name` (default: none)
 * @throws TypeError when the argument is neither a non-empty name nor an options object
 * @example
 * @Bulkhead({ maxConcurrent: 4, maxQueued: 8 })
 * @Post('exports')
 * createExport(@Body() body: ExportRequest) { … }
 */
export function Bulkhead(nameOrOptions?: string | BulkheadDecoratorOptions): ClassDecorator & MethodDecorator {
  return policyDecorator('bulkhead', '@Bulkhead', nameOrOptions);
}
