import { checkCounter, checkObject, checkReplicaId, invalid } from '../validate.js';
import { VectorClock, compareIds } from './vector-clock.js';
import type { VectorClockJSON, VectorClockOrder } from './vector-clock.js';

/** One event's identity: the replica that made it and that replica's counter for it. */
export interface Dot {
  readonly replica: string;
  readonly counter: number;
}

/** A serialised {@link Dot}: `[replica, counter]`. */
export type DotJSON = readonly [replica: string, counter: number];

/** A serialised {@link DottedVersionVector}. */
export interface DottedVersionVectorJSON {
  readonly dot: DotJSON;
  readonly context: VectorClockJSON;
}

/**
 * A dotted version vector (Preguiça, Baquero, Almeida, Fonte, Gonçalves, "Dotted Version
 * Vectors: Logical Clocks for Optimistic Replication", 2010): the clock of one version of a
 * value, made of the version's own {@link Dot} — the replica that wrote it and a counter that
 * replica never reuses — and the `context`, a vector clock of the versions it supersedes.
 *
 * Entries belong to server replicas, not clients, so the clock stays as small as the
 * replication degree, and causality stays exact: two writes that went through the same replica
 * with the same context get two dots, and are told apart as `'concurrent'` (a plain version
 * vector per server would have to order them, losing one). See {@link syncSiblings} for the
 * kernel a store keeps its siblings with. Immutable.
 *
 * Invariant: the dot is not covered by its own context (`counter > context.get(replica)`).
 *
 * @example
 * const v1 = DottedVersionVector.event(VectorClock.empty, 'a', 1); // written at a, superseding nothing
 * const v2 = DottedVersionVector.event(v1.toVectorClock(), 'b', 1); // read v1, then wrote at b
 * const v3 = DottedVersionVector.event(v1.toVectorClock(), 'a', 2); // also read v1, wrote at a
 * v1.compare(v2); // 'before'
 * v2.compare(v3); // 'concurrent': siblings
 */
export class DottedVersionVector {
  // The context with the dot, computed once: every comparison of siblings reads it.
  private readonly seen: VectorClock;

  /**
   * @throws TypeError for a malformed dot; RangeError if the context already covers the dot
   */
  constructor(
    readonly dot: Dot,
    readonly context: VectorClock,
  ) {
    checkReplicaId(dot.replica, 'DottedVersionVector: dot.replica');
    checkCounter(dot.counter, 'DottedVersionVector: dot.counter');
    if (!(context instanceof VectorClock)) throw new TypeError('DottedVersionVector: context must be a VectorClock');
    if (context.get(dot.replica) >= dot.counter) {
      throw new RangeError(`DottedVersionVector: the context ${context} already covers the dot ${dot.replica}:${dot.counter}`);
    }
    this.seen = context.withEvent(dot.replica, dot.counter);
    Object.freeze(this);
  }

  /** The clock of a new version written at `replica` with `counter`, superseding what `context` covers. */
  static event(context: VectorClock, replica: string, counter: number): DottedVersionVector {
    return new DottedVersionVector({ replica, counter }, context);
  }

  /** True when `clock` has seen this version (its counter for the dot's replica reaches the dot). */
  coveredBy(clock: VectorClock): boolean {
    return clock.get(this.dot.replica) >= this.dot.counter;
  }

  /**
   * `'equal'` for the same dot (the same version), `'before'` when `other`'s context covers this
   * dot (other supersedes this), `'after'` the other way round, else `'concurrent'`.
   */
  compare(other: DottedVersionVector): VectorClockOrder {
    if (this.dot.replica === other.dot.replica && this.dot.counter === other.dot.counter) return 'equal';
    if (this.coveredBy(other.context)) return 'before';
    if (other.coveredBy(this.context)) return 'after';
    return 'concurrent';
  }

  /** The context with the dot in it: what a client that saw this version has seen. */
  toVectorClock(): VectorClock {
    return this.seen;
  }

  toJSON(): DottedVersionVectorJSON {
    return { dot: [this.dot.replica, this.dot.counter], context: this.context.toJSON() };
  }

  /**
   * Parses what {@link DottedVersionVector.toJSON} produced, validating it.
   *
   * @throws TypeError for a malformed value (naming the field); RangeError if the context covers the dot
   */
  static fromJSON(json: unknown): DottedVersionVector {
    const object = checkObject(json, 'DottedVersionVector.fromJSON');
    const dot = object.dot;
    if (!Array.isArray(dot) || dot.length !== 2) invalid('DottedVersionVector.fromJSON: dot', 'must be [replica, counter]', dot);
    const replica = checkReplicaId(dot[0], 'DottedVersionVector.fromJSON: dot');
    const counter = checkCounter(dot[1], 'DottedVersionVector.fromJSON: dot');
    return new DottedVersionVector({ replica, counter }, VectorClock.fromJSON(object.context));
  }

  /** Like `a:2{a:1, b:1}`. */
  toString(): string {
    return `${this.dot.replica}:${this.dot.counter}${this.context}`;
  }
}

/** Orders dots by replica, then counter: the order siblings are kept in. */
export function compareDots(a: Dot, b: Dot): number {
  return compareIds(a.replica, b.replica) || a.counter - b.counter;
}

/** A string that identifies a dot, for maps and sets (`counter:replica`, unambiguous whatever the id holds). */
export function dotKey(dot: Dot): string {
  return `${dot.counter}:${dot.replica}`;
}
