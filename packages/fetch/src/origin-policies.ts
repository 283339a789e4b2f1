import { wrap } from '@bulwark/core';
import type { BulkheadPolicy, Policy, PolicyKindMap } from '@bulwark/core';
import type { ResolvedOptions } from './create-fetch-options.js';
import { OriginLimitError } from './origin-limit-error.js';

type RegistryBreaker = PolicyKindMap['breaker'];

/**
 * The policies one request runs under, split where the fetch rules step in between:
 * `outer` (total timeout → bulkhead) runs once per call, around the retries; `inner`
 * (breaker → attempt timeout) runs once per attempt.
 */
export interface OriginPipeline {
  readonly outer: Policy | undefined;
  readonly inner: Policy | undefined;
  /** To call once, when the call that was handed this pipeline is done with its policies. */
  readonly release: () => void;
}

/** An origin's instance, and whether this table created it: only those are removed from the registry on eviction. */
interface Held<P> {
  readonly policy: P;
  readonly owned: boolean;
}

interface OriginEntry {
  /** The instances' name in the registry: `<name>:<origin>`. */
  readonly name: string;
  readonly breaker: Held<RegistryBreaker> | undefined;
  readonly bulkhead: Held<BulkheadPolicy> | undefined;
  readonly pipeline: OriginPipeline;
}

/**
 * Calls in progress on each per-origin breaker, from `get` to `release`, retry waits included
 * (when the breaker itself has no call in flight), counted across every `createFetch` of this
 * copy of the package: two of them on one registry share an origin's instances, and neither may
 * shut down a breaker that the other's call is about to use again.
 */
const callsOn = new WeakMap<RegistryBreaker, number>();

const noop = (): void => undefined;

function compose(policies: Array<Policy | undefined>): Policy | undefined {
  const present = policies.filter((policy): policy is Policy => policy !== undefined);
  if (present.length === 0) return undefined;
  return present.length === 1 ? present[0] : wrap(present[0], ...present.slice(1));
}

/**
 * Whether an origin can be evicted without losing anything that matters: no call of any fetch is
 * in progress on it; its bulkhead has no call running or queued; and its breaker is enabled, has
 * no call in flight, and is closed or half-open. An open breaker is what says the origin is
 * failing (forgetting it would send the next request straight there); a half-open one lets the
 * next request through as a trial anyway, and an origin that failed and went quiet must not hold
 * its slot for good.
 */
function isIdle(entry: OriginEntry): boolean {
  const breaker = entry.breaker?.policy;
  if (breaker !== undefined) {
    if (!breaker.enabled || !(breaker.closed || breaker.halfOpen) || breaker.metrics().inFlight > 0) return false;
    if ((callsOn.get(breaker) ?? 0) > 0) return false;
  }
  const bulkhead = entry.bulkhead?.policy;
  return bulkhead === undefined || (bulkhead.activeCount === 0 && bulkhead.queuedCount === 0);
}

/**
 * The breaker and bulkhead of each origin, taken from the registry under `<name>:<origin>`
 * (`fetch:https://api.example.com`) the first time a request goes there (the registry's own
 * instance if it has one, else one created with our options), for the `maxOrigins` most recently
 * used origins (an LRU: a request is a use).
 *
 * A new origin past `maxOrigins` evicts the least recently used origin that {@link isIdle}: the
 * instances this table created leave the registry (`registry.remove`) and the breaker is shut
 * down; instances the registry had already (configured for that origin, or created by another
 * `createFetch`) are only let go, and keep their state there. When no origin can be evicted, the
 * request is refused with an {@link OriginLimitError}.
 *
 * An origin's instances are used only while the registry still holds them under its name: once
 * someone removes them (another `createFetch` evicting them, or the application), the origin's
 * next request takes the registry's instances anew.
 */
export class OriginPolicies {
  /** Each origin's entry, least recently used first: a `Map` iterates in insertion order, and a use re-inserts. */
  private readonly byOrigin = new Map<string, OriginEntry>();
  /** For requests with no per-origin policies: `data:` and `blob:` URLs, or neither breaker nor bulkhead. */
  private readonly shared: OriginPipeline;

  constructor(private readonly options: ResolvedOptions) {
    this.shared = { outer: options.totalTimeout, inner: options.attemptTimeout, release: noop };
  }

  /** Origins that have their own policies. */
  get size(): number {
    return this.byOrigin.size;
  }

  /**
   * The pipeline for `url`'s origin, created on first use; the caller must call its `release()`
   * once when the call is done with it.
   *
   * @throws OriginLimitError when the origin is new, `maxOrigins` origins have policies, and none can be evicted
   * @throws TypeError from the registry when it cannot create them (it was disposed)
   */
  get(url: URL): OriginPipeline {
    const o = this.options;
    if ((o.breaker === undefined && o.bulkhead === undefined) || (url.protocol !== 'http:' && url.protocol !== 'https:')) return this.shared;
    const origin = url.origin;
    const previous = this.byOrigin.get(origin);
    let entry: OriginEntry;
    if (previous !== undefined) {
      this.byOrigin.delete(origin); // re-inserted below, as the most recently used
      entry = this.isCurrent(previous) ? previous : this.create(origin, previous);
    } else {
      if (this.byOrigin.size >= o.maxOrigins && !this.evictOne()) throw new OriginLimitError(origin, o.maxOrigins);
      entry = this.create(origin, undefined);
    }
    this.byOrigin.set(origin, entry);
    const breaker = entry.breaker?.policy;
    if (breaker !== undefined) callsOn.set(breaker, (callsOn.get(breaker) ?? 0) + 1);
    return entry.pipeline;
  }

  /** Whether the registry still holds this entry's instances under its name. */
  private isCurrent(entry: OriginEntry): boolean {
    const registry = this.options.registry;
    return (
      (entry.breaker === undefined || registry.get('breaker', entry.name) === entry.breaker.policy) &&
      (entry.bulkhead === undefined || registry.get('bulkhead', entry.name) === entry.bulkhead.policy)
    );
  }

  /**
   * The origin's entry, from the registry's instances (created if it has none). `previous` is
   * the origin's entry whose instances someone removed: one it still holds stays ours if it was.
   */
  private create(origin: string, previous: OriginEntry | undefined): OriginEntry {
    const o = this.options;
    const registry = o.registry;
    const name = `${o.name}:${origin}`;
    const take = <P>(found: P | undefined, before: Held<P> | undefined, make: () => P): Held<P> =>
      found === undefined ? { policy: make(), owned: true } : { policy: found, owned: before?.policy === found && before.owned };
    // An instance the registry has already is used as it is: configured for this origin in its
    // `policies`, or created by another createFetch with the same name.
    const breakerOptions = o.breaker;
    const breaker = breakerOptions === undefined ? undefined : take(registry.get('breaker', name), previous?.breaker, () => registry.breaker(name, breakerOptions));
    const bulkheadOptions = o.bulkhead;
    const bulkhead = bulkheadOptions === undefined ? undefined : take(registry.get('bulkhead', name), previous?.bulkhead, () => registry.bulkhead(name, bulkheadOptions));
    const held = breaker?.policy;
    const release = held === undefined ? noop : () => void callsOn.set(held, (callsOn.get(held) ?? 1) - 1);
    // The total timeout sits outside the bulkhead (unlike the registry's pipeline order) so that
    // it bounds the whole call, time queued for a slot included, as callers of fetch expect.
    const pipeline: OriginPipeline = { outer: compose([o.totalTimeout, bulkhead?.policy]), inner: compose([held, o.attemptTimeout]), release };
    return { name, breaker, bulkhead, pipeline };
  }

  /**
   * Evicts the least recently used origin that is idle, or whose instances someone else removed
   * from the registry (they are no longer the origin's). The scan passes over busy origins and
   * open breakers, so it costs up to `maxOrigins` steps, and only when a new origin arrives at a
   * full table.
   */
  private evictOne(): boolean {
    for (const [origin, entry] of this.byOrigin) {
      if (!isIdle(entry) && this.isCurrent(entry)) continue;
      this.byOrigin.delete(origin);
      this.remove(entry);
      return true;
    }
    return false;
  }

  /**
   * Takes the instances this table created out of the registry, if it still holds them, and shuts
   * the breaker down, so that it leaves no timer. Instances it did not create stay as they are.
   */
  private remove(entry: OriginEntry): void {
    const registry = this.options.registry;
    const { name, breaker, bulkhead } = entry;
    if (bulkhead?.owned === true && registry.get('bulkhead', name) === bulkhead.policy) registry.remove('bulkhead', name);
    if (breaker?.owned === true && registry.get('breaker', name) === breaker.policy) {
      // Out of the registry first, so that its shutdown is not reported as a state change of the name.
      registry.remove('breaker', name);
      breaker.policy.shutdown();
    }
  }
}
