/**
 * The search's memo (Lowe's improvement to Wing & Gong, as in Porcupine): the (set of linearized
 * operations, state) pairs already explored. Reaching one again by another order cannot lead
 * anywhere new, so the search skips it.
 *
 * Sets are bitsets of `words` 32-bit words, stored back to back in one growable `Uint32Array`;
 * states are ids from a `StateInterner`. An open-addressing table (linear probing, at most half
 * full) maps a 32-bit hash to entry numbers. Nothing is allocated per lookup.
 */
export class VisitedSet {
  private bits: Uint32Array;
  private hashes: Int32Array;
  private states: Int32Array;
  private slots: Int32Array; // entry number + 1; 0 is an empty slot
  private mask: number;
  private count = 0;
  private readonly words: number;

  /** @param words the length of every bitset, in 32-bit words */
  constructor(words: number) {
    this.words = words;
    const capacity = 64;
    this.bits = new Uint32Array(capacity * words);
    this.hashes = new Int32Array(capacity);
    this.states = new Int32Array(capacity);
    this.slots = new Int32Array(capacity * 2);
    this.mask = capacity * 2 - 1;
  }

  /** The number of pairs stored. */
  get size(): number {
    return this.count;
  }

  /**
   * Adds the pair (`current` plus bit `bit`, `stateId`) unless present; `hash` must be a
   * function of the pair alone. `current` itself is not changed.
   *
   * @returns whether the pair was new
   */
  addIfAbsent(hash: number, current: Uint32Array, bit: number, stateId: number): boolean {
    const words = this.words;
    const bitWord = bit >>> 5;
    const bitMask = 1 << (bit & 31);
    const { bits, hashes, states, slots, mask } = this;
    let slot = hash & mask;
    for (let stored = slots[slot]; stored !== 0; stored = slots[slot]) {
      const entry = stored - 1;
      if (hashes[entry] === hash && states[entry] === stateId) {
        let same = true;
        const base = entry * words;
        for (let w = 0; w < words; w++) {
          const word = w === bitWord ? (current[w] | bitMask) >>> 0 : current[w];
          if (bits[base + w] !== word) {
            same = false;
            break;
          }
        }
        if (same) return false;
      }
      slot = (slot + 1) & mask;
    }
    const entry = this.count++;
    if (entry === hashes.length) this.growEntries();
    const base = entry * words;
    this.bits.set(current, base);
    this.bits[base + bitWord] |= bitMask;
    this.hashes[entry] = hash;
    this.states[entry] = stateId;
    this.slots[slot] = entry + 1;
    if (this.count * 2 > this.slots.length) this.growSlots();
    return true;
  }

  private growEntries(): void {
    const capacity = this.hashes.length * 2;
    const bits = new Uint32Array(capacity * this.words);
    bits.set(this.bits);
    this.bits = bits;
    const hashes = new Int32Array(capacity);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const states = new Int32Array(capacity);
    states.set(this.states);
    this.states = states;
  }

  private growSlots(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let entry = 0; entry < this.count; entry++) {
      let slot = this.hashes[entry] & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = entry + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
