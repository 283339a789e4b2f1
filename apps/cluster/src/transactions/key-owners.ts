import { HashRing } from '@bulwark/core';

/**
 * Which member's participant owns a key: consistent hashing (core's `HashRing`, 64 virtual
 * nodes per member) over the current voters. The ring is rebuilt when the voters change.
 * Ownership is about locking: every member holds every key (one Raft group), so the owner is
 * the one member whose lock table guards the key in two-phase commit.
 */
export class KeyOwners {
  #signature = '';
  #ring = new HashRing({ virtualNodes: 64 });

  /** The owner of `key` among `voters` (non-empty). */
  ownerOf(key: string, voters: readonly string[]): string {
    const signature = [...voters].sort().join('\u0000');
    if (signature !== this.#signature) {
      const ring = new HashRing({ virtualNodes: 64 });
      for (const id of voters) ring.add(id);
      this.#ring = ring;
      this.#signature = signature;
    }
    const owner = this.#ring.get(key);
    if (owner === undefined) throw new RangeError('KeyOwners.ownerOf: there are no voters');
    return owner;
  }
}
