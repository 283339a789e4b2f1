import { createRegistry } from '@bulwark/core';
import type { PolicyKind, PolicyKindMap, PolicyRegistry } from '@bulwark/core';
import type { Request } from 'express';
import { deriveName } from './derive-name.js';
import { rethrowAs } from './validate.js';

/**
 * The most names one registry gives to middleware built without a `name`. Each such middleware
 * takes one name (and per-key breakers one per key, bounded by `maxKeys`), so reaching this means
 * middleware is being created per request, which protects nothing: the next one fails loudly.
 */
export const MAX_DERIVED_NAMES = 1000;

const derivedCounts = new WeakMap<PolicyRegistry, number>();

/** Policy families this package keeps beside a registry (per-key breakers, keyed rate limiters), by `kind:name`. */
const families = new WeakMap<PolicyRegistry, Map<string, { readonly options: unknown; readonly value: unknown }>>();

/** How a middleware gets its policy: a registry, an optional name, and how to build the policy under a name. */
export interface PolicySpec<P> {
  /** The middleware's name, for error messages: `'bulkhead'`. */
  readonly where: string;
  readonly kind: PolicyKind;
  readonly registry: PolicyRegistry;
  /** The name the user gave, or `undefined` to derive one from the first request. */
  readonly name: string | undefined;
  /** Builds (or fetches) the policy named `name` in `registry`; may throw a registry error. */
  readonly create: (registry: PolicyRegistry, name: string) => P;
}

/**
 * The policy of a middleware built from options. With a `name`, it is created now, so a bad
 * option or a clash with another instance of that name throws at start-up. Without one, it is
 * created for the first request, under the name {@link deriveName} gives, made unique in the
 * registry with `#2`, `#3`… (two middlewares never share a policy by accident).
 *
 * @returns the policy for a request; it throws (the middleware passes it to `next`) only when a
 *   derived name cannot be created: the registry is disposed, or {@link MAX_DERIVED_NAMES} is reached
 */
export function policySource<P>(spec: PolicySpec<P>): (req: Request) => P {
  const { where, kind, registry, name, create } = spec;
  if (name !== undefined) {
    const policy = createNamed(where, registry, name, create);
    return () => policy;
  }
  let policy: P | undefined;
  return (req) => (policy ??= create(registry, claimDerivedName(where, registry, kind, deriveName(req))));
}

/** `create(registry, name)` now, its errors in the words of the middleware `where`. */
export function createNamed<P>(where: string, registry: PolicyRegistry, name: string, create: (registry: PolicyRegistry, name: string) => P): P {
  try {
    return create(registry, name);
  } catch (error) {
    rethrowAs(where, error);
  }
}

/**
 * The instance of `kind` named `name` in `registry`, or one created from the registry's
 * configuration of that name (`policies.<name>.<kind>`, over `defaults.<kind>`).
 *
 * @throws TypeError when there is none and the configuration cannot make one
 */
export function lookup<K extends 'breaker' | 'bulkhead' | 'rateLimiter' | 'timeout'>(registry: PolicyRegistry, kind: K, name: string): PolicyKindMap[K] {
  const existing = registry.get(kind, name);
  if (existing !== undefined) return existing;
  try {
    return registry[kind](name) as PolicyKindMap[K];
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TypeError(`registry has no ${kind} named ${JSON.stringify(name)}, and none can be made from its configuration (${reason})`, { cause: error });
  }
}

/** Validates options when the middleware is created, by building the policy in a throwaway registry. */
export function validateWith(where: string, build: (scratch: PolicyRegistry) => unknown): void {
  const scratch = createRegistry();
  try {
    build(scratch);
  } catch (error) {
    rethrowAs(where, error);
  } finally {
    scratch.dispose();
  }
}

function taken(registry: PolicyRegistry, kind: PolicyKind, name: string): boolean {
  return registry.get(kind, name) !== undefined || families.get(registry)?.has(`${kind}:${name}`) === true;
}

function claimDerivedName(where: string, registry: PolicyRegistry, kind: PolicyKind, base: string): string {
  const count = derivedCounts.get(registry) ?? 0;
  if (count >= MAX_DERIVED_NAMES) {
    throw new RangeError(
      `${where}: ${MAX_DERIVED_NAMES} policy names were derived from routes in this registry already; ` +
        'create each middleware once (not per request), or give it options.name',
    );
  }
  derivedCounts.set(registry, count + 1);
  let name = base;
  for (let n = 2; taken(registry, kind, name); n++) name = `${base}#${n}`;
  return name;
}

/**
 * The family of `kind` named `name` kept beside `registry`, built on first use. Asking again
 * with equal options returns the same family (two routes sharing one per-client quota); with
 * other options it throws, as the registry's own accessors do.
 */
export function family<F>(registry: PolicyRegistry, kind: PolicyKind, name: string, options: unknown, build: () => F): F {
  let byName = families.get(registry);
  if (byName === undefined) families.set(registry, (byName = new Map()));
  const key = `${kind}:${name}`;
  const existing = byName.get(key);
  if (existing !== undefined) {
    if (!sameOptions(existing.options, options)) {
      throw new TypeError(`registry: a ${kind} named ${JSON.stringify(name)} exists already with other options; ask for it with the same options, or use another name`);
    }
    return existing.value as F;
  }
  const value = build();
  byName.set(key, { options, value });
  return value;
}

/** Structural equality of option values: plain objects and arrays by content, the rest (functions, clocks) by identity. */
export function sameOptions(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const plain = (v: object): boolean => Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype;
  if (!plain(a) || !plain(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameOptions((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
