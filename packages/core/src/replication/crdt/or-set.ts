import type { Dot } from '../clocks/dotted-version-vector.js';
import { compareDots, dotKey } from '../clocks/dotted-version-vector.js';
import { VectorClock, compareIds } from '../clocks/vector-clock.js';
import type { VectorClockJSON } from '../clocks/vector-clock.js';
import { checkArray, checkCounter, checkObject, checkReplicaId, invalid } from '../validate.js';

/** What an {@link OrSet} can hold: values that compare by `===` and survive JSON. */
export type OrSetElement = string | number | boolean;

/** A serialised {@link OrSet}: each element with its dots, and the causal context. */
export interface OrSetJSON<E extends OrSetElement> {
  readonly elements: readonly (readonly [element: E, dots: readonly (readonly [replica: string, counter: number])[]])[];
  readonly context: VectorClockJSON;
}

interface Entry<E> {
  readonly element: E;
  readonly dots: readonly Dot[];
}

/**
 * An observed-remove set, add-wins (Shapiro et al. 2011, §3.3.5), without tombstones (Riak's
 * ORSWOT; Bieniusa et al., "An optimized conflict-free replicated set", 2012): each add is
 * tagged with a fresh dot; a remove drops the dots it has seen; the causal context remembers
 * every dot seen, so a merge can tell "removed there" from "not yet seen there". An add
 * concurrent with a remove of the same element wins. Immutable.
 *
 * @example
 * const base = OrSet.empty<string>().add('milk', 'a');
 * const x = base.remove('milk');          // a removes milk...
 * const y = base.add('milk', 'b');        // ...while b adds it again
 * x.merge(y).has('milk');                 // true: the add wins
 * x.merge(base).has('milk');              // false: the remove had seen that add
 */
export class OrSet<E extends OrSetElement = string> {
  private static readonly EMPTY = new OrSet<never>(new Map(), VectorClock.empty);

  private constructor(
    private readonly byKey: ReadonlyMap<string, Entry<E>>,
    /** Every add this set has seen, kept or removed. */
    readonly context: VectorClock,
  ) {
    Object.freeze(this);
  }

  /** The empty set. */
  static empty<E extends OrSetElement = string>(): OrSet<E> {
    return OrSet.EMPTY as unknown as OrSet<E>;
  }

  /** How many elements the set holds. */
  get size(): number {
    return this.byKey.size;
  }

  /** True when the set holds `element`. */
  has(element: E): boolean {
    return this.byKey.has(keyOf(element));
  }

  /** The elements, sorted by type then value (the same order on every replica). */
  values(): E[] {
    return [...this.byKey.keys()].sort(compareIds).map((key) => (this.byKey.get(key) as Entry<E>).element);
  }

  /**
   * The set after `replica` added `element`.
   *
   * @throws TypeError for an empty replica id, or an element that is not a string, a finite number or a boolean
   */
  add(element: E, replica: string): OrSet<E> {
    checkReplicaId(replica, 'OrSet.add: replica');
    const key = checkElement(element, 'OrSet.add: element');
    const context = this.context.increment(replica);
    // The new dot replaces the element's older dots here: they are in the context, so a merge
    // will not bring them back.
    const byKey = new Map(this.byKey).set(key, { element, dots: [{ replica, counter: context.get(replica) }] });
    return new OrSet(byKey, context);
  }

  /** The set after removing `element` (a no-op if absent): the adds seen here are undone. */
  remove(element: E): OrSet<E> {
    const key = keyOf(element);
    if (!this.byKey.has(key)) return this;
    const byKey = new Map(this.byKey);
    byKey.delete(key);
    return new OrSet(byKey, this.context);
  }

  /**
   * Keeps, per element, the dots both hold and those one holds that the other has not seen;
   * an element left with no dot was removed.
   */
  merge(other: OrSet<E>): OrSet<E> {
    if (other === this) return this;
    const byKey = new Map<string, Entry<E>>();
    for (const key of new Set([...this.byKey.keys(), ...other.byKey.keys()])) {
      const ours = this.byKey.get(key);
      const theirs = other.byKey.get(key);
      const theirDots = new Set(theirs?.dots.map(dotKey));
      const ourDots = new Set(ours?.dots.map(dotKey));
      const dots = [
        ...(ours?.dots.filter((dot) => theirDots.has(dotKey(dot)) || other.context.get(dot.replica) < dot.counter) ?? []),
        ...(theirs?.dots.filter((dot) => !ourDots.has(dotKey(dot)) && this.context.get(dot.replica) < dot.counter) ?? []),
      ].sort(compareDots);
      if (dots.length > 0) byKey.set(key, { element: (ours ?? (theirs as Entry<E>)).element, dots });
    }
    return new OrSet(byKey, this.context.merge(other.context));
  }

  toJSON(): OrSetJSON<E> {
    return {
      elements: [...this.byKey.keys()].sort(compareIds).map((key) => {
        const { element, dots } = this.byKey.get(key) as Entry<E>;
        return [element, dots.map((dot) => [dot.replica, dot.counter] as const)];
      }),
      context: this.context.toJSON(),
    };
  }

  /**
   * Parses what {@link OrSet.toJSON} produced, validating it.
   *
   * @throws TypeError for a malformed set: a bad element or dot, an element or a dot listed twice,
   *   an element without dots, or a dot the context does not cover
   */
  static fromJSON<E extends OrSetElement = string>(json: unknown): OrSet<E> {
    const object = checkObject(json, 'OrSet.fromJSON');
    const context = VectorClock.fromJSON(object.context);
    const byKey = new Map<string, Entry<E>>();
    const seenDots = new Set<string>();
    checkArray(object.elements, 'OrSet.fromJSON: elements').forEach((item, i) => {
      const where = `OrSet.fromJSON: elements[${i}]`;
      if (!Array.isArray(item) || item.length !== 2) invalid(where, 'must be [element, dots]', item);
      const key = checkElement(item[0], where);
      if (byKey.has(key)) invalid(where, 'element listed twice', item[0]);
      const dots = checkArray(item[1], `${where}: dots`).map((raw): Dot => {
        if (!Array.isArray(raw) || raw.length !== 2) invalid(`${where}: dots`, 'a dot must be [replica, counter]', raw);
        const dot = { replica: checkReplicaId(raw[0], `${where}: dots`), counter: checkCounter(raw[1], `${where}: dots`) };
        if (seenDots.has(dotKey(dot))) invalid(`${where}: dots`, 'dot listed twice', raw);
        if (context.get(dot.replica) < dot.counter) invalid(`${where}: dots`, 'the context must cover every dot', raw);
        seenDots.add(dotKey(dot));
        return dot;
      });
      if (dots.length === 0) invalid(`${where}: dots`, 'an element needs at least one dot', item[1]);
      byKey.set(key, { element: item[0] as E, dots: dots.sort(compareDots) });
    });
    return new OrSet(byKey, context);
  }
}

/** The element's identity: its type and value (so 1 and '1' are different elements). */
function keyOf(element: OrSetElement): string {
  return `${typeof element}:${String(element)}`;
}

function checkElement(element: unknown, where: string): string {
  if (typeof element === 'string' || typeof element === 'boolean' || (typeof element === 'number' && Number.isFinite(element))) return keyOf(element);
  return invalid(where, 'an element must be a string, a finite number or a boolean', element);
}
