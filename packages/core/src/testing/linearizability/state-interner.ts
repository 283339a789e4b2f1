import type { LinearizabilityModel } from './linearizability-model.js';

interface Interned<S> {
  readonly state: S;
  readonly id: number;
}

/**
 * Gives every distinct state of a search a small integer id, so the visited set compares and
 * hashes ints rather than states. States are told apart by the model's `key`, else by value when
 * primitive, else by `equal` (bucketed by `hash`).
 */
export class StateInterner<S> {
  private readonly byKey = new Map<unknown, number>();
  private readonly byHash = new Map<number, Array<Interned<S>>>();
  private count = 0;

  /** Whether states are their own keys (no `key`, no `equal`): then `===` decides sameness. */
  readonly byValue: boolean;

  private readonly model: LinearizabilityModel<S, unknown, unknown>;

  constructor(model: LinearizabilityModel<S, unknown, unknown>) {
    this.model = model;
    this.byValue = model.key === undefined && model.equal === undefined;
  }

  /** The number of distinct states seen. */
  get size(): number {
    return this.count;
  }

  /**
   * The id of `state`.
   *
   * @throws TypeError if the state is an object and the model has neither `key` nor `equal`
   */
  id(state: S): number {
    const model = this.model;
    if (model.key !== undefined) return this.idOfKey(model.key(state));
    if (state === null || (typeof state !== 'object' && typeof state !== 'function')) return this.idOfKey(state);
    if (model.equal === undefined) {
      throw new TypeError(
        `checkLinearizability: model ${JSON.stringify(model.name ?? 'model')} has ${typeof state} states; give it key(state) or equal(a, b) so that states can be compared`,
      );
    }
    const hash = model.hash === undefined ? 0 : model.hash(state) | 0;
    let bucket = this.byHash.get(hash);
    if (bucket === undefined) {
      bucket = [];
      this.byHash.set(hash, bucket);
    }
    for (const entry of bucket) if (model.equal(entry.state, state)) return entry.id;
    const id = this.count++;
    bucket.push({ state, id });
    return id;
  }

  private idOfKey(key: unknown): number {
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.count++;
      this.byKey.set(key, id);
    }
    return id;
  }
}
