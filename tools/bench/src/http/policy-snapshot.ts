/**
 * What a server's policy registry holds, sent to the suite over IPC so it can check that the
 * measured requests really went through the policies the case claims (and that none was shed).
 */
import type { PolicyRegistry } from '@bulwark/core';
import type { HttpCase } from './http-cases.js';

/** One registry instance, as the server reports it. */
export interface PolicySnapshot {
  readonly kind: string;
  readonly name: string;
  /** `policy.describe()`. */
  readonly description: string;
  /** Bulkheads: calls that got a slot since the server started. */
  readonly accepted?: number;
  /** Bulkheads: calls refused since the server started, for any reason. */
  readonly rejected?: number;
  /** Breakers: whether the breaker is closed. */
  readonly closed?: boolean;
}

/** Snapshots every instance of the registry, in creation order. */
export function snapshotPolicies(registry: PolicyRegistry): PolicySnapshot[] {
  return registry.all().map((entry): PolicySnapshot => {
    const base = { kind: entry.kind, name: entry.name, description: entry.policy.describe() };
    if (entry.kind === 'bulkhead') {
      const m = entry.policy.metrics();
      return { ...base, accepted: m.accepted, rejected: m.rejected.full + m.rejected.queueTimeout + m.rejected.aborted };
    }
    if (entry.kind === 'breaker') return { ...base, closed: entry.policy.closed };
    return base;
  });
}

/**
 * Throws unless the server's registry holds exactly one instance of each kind the case names
 * (none for a plain server), its bulkhead admitted at least `completed` requests between the two
 * snapshots and never refused one, and its breaker stayed closed.
 *
 * @param completed responses the load generator received between `before` and `after`
 */
export function checkPolicies(spec: HttpCase, before: readonly PolicySnapshot[], after: readonly PolicySnapshot[], completed: number): void {
  const what = `${spec.label}: the server's registry`;
  const kinds = after.map((p) => p.kind).sort();
  const expected = [...spec.policies].sort();
  if (kinds.join(',') !== expected.join(',')) {
    throw new Error(`${what} holds [${kinds.join(', ')}], expected [${expected.join(', ')}]`);
  }
  for (const policy of after) {
    if (policy.kind === 'bulkhead') {
      const earlier = before.find((p) => p.kind === 'bulkhead' && p.name === policy.name)?.accepted ?? 0;
      const admitted = (policy.accepted ?? 0) - earlier;
      if (admitted < completed) throw new Error(`${what}: bulkhead '${policy.name}' admitted ${admitted} requests during the run, fewer than the ${completed} answered`);
      if (policy.rejected !== 0) throw new Error(`${what}: bulkhead '${policy.name}' refused ${String(policy.rejected)} requests`);
    }
    if (policy.kind === 'breaker' && policy.closed !== true) throw new Error(`${what}: breaker '${policy.name}' is not closed`);
  }
}
