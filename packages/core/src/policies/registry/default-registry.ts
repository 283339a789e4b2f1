import { PolicyRegistry } from './registry.js';

// Kept on globalThis under a registered symbol, so two copies of @bulwark/core in one process
// (two versions in node_modules, or ESM and CommonJS builds) still share one default registry.
const KEY = Symbol.for('@bulwark/core.defaultRegistry');

/**
 * The process-wide registry that adapters use when they are given no registry of their own: a
 * policy an adapter builds from options joins it under its name, and metrics exporters read it
 * by default (the way prom-client's global `register` works). Created empty on first use, with
 * the system clock. Prefer a registry of your own in tests and libraries.
 *
 * @example
 * defaultRegistry().bulkhead('uploads', { maxConcurrent: 4 });
 */
export function defaultRegistry(): PolicyRegistry {
  const holder = globalThis as { [KEY]?: PolicyRegistry };
  return (holder[KEY] ??= new PolicyRegistry());
}

/**
 * Replaces the default registry with a new, empty one (or `registry`) and returns the old one,
 * which is not disposed. For tests that must start from a clean default registry.
 */
export function resetDefaultRegistry(registry: PolicyRegistry = new PolicyRegistry()): PolicyRegistry | undefined {
  const holder = globalThis as { [KEY]?: PolicyRegistry };
  const previous = holder[KEY];
  holder[KEY] = registry;
  return previous;
}
