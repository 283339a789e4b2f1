import type { Random } from '../../time/random.js';
import { seededRandom } from '../seeded-random.js';

/**
 * A seeded random source for simulations, with the helpers a fault schedule needs. Every
 * choice of a simulation comes from one `SimRandom` (or streams {@link SimRandom.fork}ed from
 * it), so a seed replays a run exactly.
 *
 * @example
 * const random = new SimRandom(7);
 * random.int(1, 6); // a die roll, the same one every time for seed 7
 * random.chance(0.1); // true one time in ten
 * const raftRandom = random.fork().next; // a `Random` for Raft's election timeouts
 */
export class SimRandom {
  /** The underlying stream: uniform in `[0, 1)`, a `Random` (pass it where one is wanted). */
  readonly next: Random;

  /**
   * @param seed any 32-bit integer
   * @throws {RangeError} when `seed` is not a safe integer
   */
  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`SimRandom: seed must be an integer, got ${String(seed)}`);
    this.next = seededRandom(seed);
  }

  /** An integer in `[min, max]`, both included (`min` when `max < min`). */
  int(min: number, max: number): number {
    if (max <= min) return min;
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** `true` with probability `p`. Draws nothing when `p ≤ 0` or `p ≥ 1`. */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.next() < p;
  }

  /**
   * One of `items`, uniformly.
   *
   * @throws {RangeError} when `items` is empty
   */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('SimRandom: pick() needs at least one item');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /**
   * One of the keys of `weights`, with probability proportional to its weight (weights ≤ 0 are
   * never picked).
   *
   * @throws {RangeError} when no weight is positive
   */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = (Object.entries(weights) as [K, number][]).filter(([, w]) => w > 0);
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    if (total <= 0) throw new RangeError('SimRandom: weighted() needs a positive weight');
    let roll = this.next() * total;
    for (const [key, weight] of entries) {
      roll -= weight;
      if (roll < 0) return key;
    }
    return (entries[entries.length - 1] as [K, number])[0];
  }

  /** A shuffled copy of `items` (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  /**
   * An independent stream seeded from this one. Give each concern (network, disk, workload,
   * each node's Raft) its own fork, so that adding draws to one does not shift the others.
   */
  fork(): SimRandom {
    return new SimRandom(Math.floor(this.next() * 0x1_0000_0000) | 0);
  }
}
