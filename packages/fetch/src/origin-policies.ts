import { wrap } from '@bulwark/core';
import type { Policy } from '@bulwark/core';
import type { ResolvedOptions } from './create-fetch-options.js';
import { OriginLimitError } from './origin-limit-error.js';

/**
 * The policies one request runs under, split where the fetch rules step in between:
 * `outer` (total timeout → bulkhead) runs once per call, around the retries; `inner`
 * (breaker → attempt timeout) runs once per attempt.
 */
export interface OriginPipeline {
  readonly outer: Policy | undefined;
  readonly inner: Policy | undefined;
}

function compose(policies: Array<Policy | undefined>): Policy | undefined {
  const present = policies.filter((policy): policy is Policy => policy !== undefined);
  if (present.length === 0) return undefined;
  return present.length === 1 ? present[0] : wrap(present[0], ...present.slice(1));
}

/**
 * The breaker and bulkhead of each origin, taken from the registry under `<name>:<origin>`
 * (`fetch:https://api.example.com`) the first time a request goes there (the registry's own
 * instance if it has one, else one created with our options), and bounded by `maxOrigins`.
 *
 * The bound rejects new origins instead of evicting old ones: the registry keeps every instance
 * it hands out (for metrics and health checks) and cannot forget one, so eviction would free
 * nothing, and would reset an evicted origin's open breaker when it came back.
 */
export class OriginPolicies {
  private readonly byOrigin = new Map<string, OriginPipeline>();
  /** For requests with no per-origin policies: `data:` and `blob:` URLs, or neither breaker nor bulkhead. */
  private readonly shared: OriginPipeline;

  constructor(private readonly options: ResolvedOptions) {
    this.shared = { outer: options.totalTimeout, inner: options.attemptTimeout };
  }

  /** Origins that have their own policies. */
  get size(): number {
    return this.byOrigin.size;
  }

  /**
   * The pipeline for `url`'s origin, created on first use.
   *
   * @throws OriginLimitError when the origin is new and `maxOrigins` origins have policies already
   * @throws TypeError from the registry when it cannot create them (it was disposed)
   */
  get(url: URL): OriginPipeline {
    const o = this.options;
    if ((o.breaker === undefined && o.bulkhead === undefined) || (url.protocol !== 'http:' && url.protocol !== 'https:')) return this.shared;
    const origin = url.origin;
    const existing = this.byOrigin.get(origin);
    if (existing !== undefined) return existing;
    if (this.byOrigin.size >= o.maxOrigins) throw new OriginLimitError(origin, o.maxOrigins);
    const name = `${o.name}:${origin}`;
    // An instance the registry has already is used as it is: configured for this origin in its
    // `policies`, or created by another createFetch with the same name.
    const breaker = o.breaker === undefined ? undefined : (o.registry.get('breaker', name) ?? o.registry.breaker(name, o.breaker));
    const bulkhead = o.bulkhead === undefined ? undefined : (o.registry.get('bulkhead', name) ?? o.registry.bulkhead(name, o.bulkhead));
    // The total timeout sits outside the bulkhead (unlike the registry's pipeline order) so that
    // it bounds the whole call, time queued for a slot included, as callers of fetch expect.
    const pipeline: OriginPipeline = { outer: compose([o.totalTimeout, bulkhead]), inner: compose([breaker, o.attemptTimeout]) };
    this.byOrigin.set(origin, pipeline);
    return pipeline;
  }
}
