import { PolicyRegistry, createRegistry } from '@bulwark/core';
import type { RegistryOptions } from '@bulwark/core';
import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown, Provider } from '@nestjs/common';
import { BULWARK_REGISTRY, BULWARK_RESOLVED_OPTIONS } from './bulwark.constants.js';
import { BULWARK_MODULE_OPTIONS } from './bulwark.module-definition.js';
import type { BulwarkModuleOptions } from './bulwark-module-options.interface.js';
import { show } from './policy-decorator.js';

/** @internal The module options once checked: the registry to use, and what the module does with it. */
export interface ResolvedBulwarkOptions {
  readonly registry: PolicyRegistry;
  /** The module created the registry, so it disposes of it on shutdown. */
  readonly owned: boolean;
  readonly gateway: boolean;
}

const REGISTRY_OPTION_KEYS = ['defaults', 'policies', 'budgets', 'clock', 'random'] as const;
const KEYS: readonly string[] = [...REGISTRY_OPTION_KEYS, 'registry', 'gateway'];

/**
 * @internal Checks the module options and creates the registry from them (which validates the
 * policies, naming the path of a bad field), when the application starts.
 *
 * @throws TypeError naming the option that is malformed, or the registry's own error
 */
export function resolveModuleOptions(options: BulwarkModuleOptions | undefined): ResolvedBulwarkOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`BulwarkModule: the options must be an object, got ${show(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (key === 'metrics' || key === 'isGlobal') {
      throw new TypeError(`BulwarkModule: options.${key} must be given to forRootAsync itself, not returned by useFactory (it shapes the module, which exists before the factory runs)`);
    }
    if (!KEYS.includes(key)) throw new TypeError(`BulwarkModule: options.${key} is not an option (expected one of ${KEYS.join(', ')}, isGlobal, metrics)`);
  }
  const { registry, gateway = false, ...registryOptions } = options;
  if (typeof gateway !== 'boolean') throw new TypeError(`BulwarkModule: options.gateway must be a boolean, got ${show(gateway)}`);
  if (registry === undefined) return { registry: createRegistry(registryOptions as RegistryOptions), owned: true, gateway };
  // Duck-typed rather than instanceof: the registry may come from another copy of @bulwark/core.
  const looksLikeRegistry = typeof registry === 'object' && registry !== null && typeof registry.all === 'function' && typeof registry.breaker === 'function';
  if (!looksLikeRegistry) throw new TypeError(`BulwarkModule: options.registry must be a PolicyRegistry (from createRegistry()), got ${show(registry)}`);
  const mixed = REGISTRY_OPTION_KEYS.find((key) => options[key] !== undefined);
  if (mixed !== undefined) {
    throw new TypeError(`BulwarkModule: options.registry cannot be combined with options.${mixed}; configure the registry you pass instead`);
  }
  return { registry, owned: false, gateway };
}

/** @internal Disposes of a registry the module created (shutting its breakers down) when the application closes. */
@Injectable()
export class BulwarkRegistryHost implements OnApplicationShutdown {
  constructor(@Inject(BULWARK_RESOLVED_OPTIONS) private readonly resolved: ResolvedBulwarkOptions) {}

  onApplicationShutdown(): void {
    if (this.resolved.owned) this.resolved.registry.dispose();
  }
}

/** @internal The registry's providers: under {@link BULWARK_REGISTRY} and under the `PolicyRegistry` class. */
export const registryProviders: Provider[] = [
  { provide: BULWARK_RESOLVED_OPTIONS, useFactory: resolveModuleOptions, inject: [BULWARK_MODULE_OPTIONS] },
  { provide: BULWARK_REGISTRY, useFactory: (resolved: ResolvedBulwarkOptions) => resolved.registry, inject: [BULWARK_RESOLVED_OPTIONS] },
  { provide: PolicyRegistry, useExisting: BULWARK_REGISTRY },
  BulwarkRegistryHost,
];
