import { checkObject, checkReplicaId, invalid } from '../validate.js';
import type { Dot } from '../clocks/dotted-version-vector.js';
import { VectorClock } from '../clocks/vector-clock.js';
import type { VectorClockJSON } from '../clocks/vector-clock.js';

/**
 * An event of a causal log or a message of causal broadcast: made at `replica`, stamped with the
 * replica's vector clock after the event (so `clock.get(replica)` numbers the replica's events
 * 1, 2, 3, … and the other entries say what the replica had delivered when it made it).
 */
export interface CausalEvent<P> {
  readonly replica: string;
  readonly clock: VectorClock;
  readonly payload: P;
}

/** A serialised {@link CausalEvent}. */
export interface CausalEventJSON<P = unknown> {
  readonly replica: string;
  readonly clock: VectorClockJSON;
  readonly payload: P;
}

/** The event's identity: its replica and its number there. */
export function eventDot(event: CausalEvent<unknown>): Dot {
  return { replica: event.replica, counter: event.clock.get(event.replica) };
}

/**
 * Whether `a` happened before `b` (`'before'`), after it, is the same event (`'equal'`), or is
 * concurrent with it. Exact for events whose clocks follow {@link CausalEvent}'s rule, and
 * cheaper than comparing whole clocks: `a → b` exactly when `b` had seen `a`'s number.
 */
export function compareEvents(a: CausalEvent<unknown>, b: CausalEvent<unknown>): 'before' | 'after' | 'equal' | 'concurrent' {
  const ac = a.clock.get(a.replica);
  const bc = b.clock.get(b.replica);
  if (a.replica === b.replica && ac === bc) return 'equal';
  if (b.clock.get(a.replica) >= ac) return 'before';
  if (a.clock.get(b.replica) >= bc) return 'after';
  return 'concurrent';
}

/** `{ replica, clock, payload }` with the clock as JSON. */
export function causalEventToJSON<P>(event: CausalEvent<P>): CausalEventJSON<P> {
  return { replica: event.replica, clock: event.clock.toJSON(), payload: event.payload };
}

/**
 * Parses what {@link causalEventToJSON} produced, validating the envelope; `parsePayload`
 * validates the payload (default: taken as is).
 *
 * @throws TypeError for a malformed event, or one whose clock does not count it at its replica
 */
export function causalEventFromJSON<P = unknown>(json: unknown, parsePayload: (payload: unknown) => P = (payload) => payload as P): CausalEvent<P> {
  const object = checkObject(json, 'causalEventFromJSON');
  const replica = checkReplicaId(object.replica, 'causalEventFromJSON: replica');
  const clock = VectorClock.fromJSON(object.clock);
  if (clock.get(replica) < 1) invalid('causalEventFromJSON: clock', `must count the event at ${JSON.stringify(replica)}`, object.clock);
  return Object.freeze({ replica, clock, payload: parsePayload(object.payload) });
}
