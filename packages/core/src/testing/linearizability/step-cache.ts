/** The largest cache: 2^16 slots, about 1.5 MB. */
const MAX_SLOTS = 1 << 16;

/**
 * A direct-mapped memo of the model's steps: (state id, operation) → the next states the model
 * answered and, when there is one, its state id. The search meets the same state with the same
 * candidate again and again under different linearized sets; a hit spares calling the model,
 * allocating its answer and interning the new state (hashing a long string, say), which
 * dominate the search's cost otherwise. A collision simply overwrites: this is a cache, not a
 * record.
 *
 * It starts small and doubles as the search runs long, so a small history pays little for it.
 */
export class StepCache<S> {
  private stateIds: Int32Array;
  private ops: Int32Array;
  private answers: Array<readonly S[] | undefined>;
  private nextIds: Int32Array;
  private mask: number;
  private lookups = 0;

  constructor(operations: number) {
    let slots = 64;
    while (slots < operations * 4 && slots < MAX_SLOTS) slots *= 2;
    this.stateIds = new Int32Array(slots).fill(-1);
    this.ops = new Int32Array(slots);
    this.answers = new Array<readonly S[] | undefined>(slots);
    this.nextIds = new Int32Array(slots);
    this.mask = slots - 1;
  }

  /** The number of slots. */
  get size(): number {
    return this.mask + 1;
  }

  /** The slot of (`stateId`, `op`), whether it holds them or not. */
  slot(stateId: number, op: number): number {
    if (++this.lookups > this.size * 8 && this.size < MAX_SLOTS) this.grow();
    // The top bits of a multiplicative hash are its best mixed.
    return (Math.imul(stateId ^ Math.imul(op + 1, 0x85ebca6b), 0x9e3779b1) >>> 16) & this.mask;
  }

  /** The cached answer in `slot` for (`stateId`, `op`), if that is what it holds. */
  answer(slot: number, stateId: number, op: number): readonly S[] | undefined {
    return this.stateIds[slot] === stateId && this.ops[slot] === op ? this.answers[slot] : undefined;
  }

  /** The id of the only next state of the answer in `slot`, or -1 if not known yet. */
  nextId(slot: number): number {
    return this.nextIds[slot];
  }

  /** Stores an answer in `slot`. */
  set(slot: number, stateId: number, op: number, answer: readonly S[]): void {
    this.stateIds[slot] = stateId;
    this.ops[slot] = op;
    this.answers[slot] = answer;
    this.nextIds[slot] = -1;
  }

  /** Records the id of the only next state of the answer in `slot`. */
  setNextId(slot: number, id: number): void {
    this.nextIds[slot] = id;
  }

  private grow(): void {
    const slots = this.size * 2;
    this.lookups = 0;
    this.stateIds = new Int32Array(slots).fill(-1);
    this.ops = new Int32Array(slots);
    this.answers = new Array<readonly S[] | undefined>(slots);
    this.nextIds = new Int32Array(slots);
    this.mask = slots - 1;
  }
}
