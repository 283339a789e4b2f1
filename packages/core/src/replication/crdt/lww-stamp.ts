import { compareHlc, hlcFromJSON } from '../clocks/hlc-timestamp.js';
import type { HlcTimestamp } from '../clocks/hlc-timestamp.js';
import { compareIds } from '../clocks/vector-clock.js';
import { checkReplicaId } from '../validate.js';

/**
 * When and where a last-writer-wins write happened. Writes are totally ordered by `timestamp`
 * (a hybrid logical clock timestamp: causal, close to wall time), then by `replica`, so two
 * replicas that pick the same timestamp still agree on a winner.
 */
export interface LwwStamp {
  readonly timestamp: HlcTimestamp;
  readonly replica: string;
}

/**
 * Orders two stamps: negative if `a` is older, positive if newer, 0 only for the same
 * timestamp at the same replica.
 *
 * @example
 * compareStamps({ timestamp: t, replica: 'a' }, { timestamp: t, replica: 'b' }); // < 0: b wins the tie
 */
export function compareStamps(a: LwwStamp, b: LwwStamp): number {
  return compareHlc(a.timestamp, b.timestamp) || compareIds(a.replica, b.replica);
}

/**
 * The last resort of a tie between two writes with the same stamp (a replica that reused a
 * timestamp: a bug or a clock restored without its last value): compares the values' JSON, so
 * replicas still agree. `undefined` stands for a deletion and wins.
 */
export function compareTiedValues(a: unknown, b: unknown): number {
  if (a === undefined || b === undefined) return (a === undefined ? 1 : 0) - (b === undefined ? 1 : 0);
  return compareIds(JSON.stringify(a) ?? '', JSON.stringify(b) ?? '');
}

/** Validates a stamp and a timestamp from untrusted input. */
export function checkStamp(timestamp: unknown, replica: unknown, where: string): LwwStamp {
  return { timestamp: hlcFromJSON(timestamp, `${where}: timestamp`), replica: checkReplicaId(replica, `${where}: replica`) };
}
