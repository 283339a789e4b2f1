import type { DottedVersionVector } from './dotted-version-vector.js';
import { compareDots, dotKey } from './dotted-version-vector.js';
import { VectorClock } from './vector-clock.js';

/** Anything stamped with a {@link DottedVersionVector}: a stored version of a value. */
export interface Versioned {
  readonly version: DottedVersionVector;
}

/**
 * The siblings of `a` and `b` together, keeping only the versions no other version supersedes
 * (the maximal elements), each dot once, sorted by dot. This is DVV's `sync`: commutative,
 * associative and idempotent, so replicas that exchange their siblings in any order agree.
 * Versions with the same dot are the same write; the one from `a` is kept.
 *
 * @example
 * syncSiblings(replicaA.versions, replicaB.versions); // what both know, superseded versions gone
 */
export function syncSiblings<T extends Versioned>(a: readonly T[], b: readonly T[]): T[] {
  const byDot = new Map<string, T>();
  for (const sibling of [...a, ...b]) {
    const key = dotKey(sibling.version.dot);
    if (!byDot.has(key)) byDot.set(key, sibling);
  }
  const unique = [...byDot.values()];
  const kept = unique.filter((candidate) => !unique.some((other) => candidate.version.compare(other.version) === 'before'));
  return kept.sort((x, y) => compareDots(x.version.dot, y.version.dot));
}

/** The siblings `context` does not cover: what is left after a write that had seen `context`. */
export function discardSiblings<T extends Versioned>(siblings: readonly T[], context: VectorClock): T[] {
  return siblings.filter((sibling) => !sibling.version.coveredBy(context));
}

/**
 * The join of the siblings' clocks: the context a client gets with a read, which a write that
 * passes it back supersedes all of them with.
 */
export function siblingsClock(siblings: readonly Versioned[]): VectorClock {
  let clock = VectorClock.empty;
  for (const sibling of siblings) clock = clock.merge(sibling.version.toVectorClock());
  return clock;
}
