import { checkCount, checkObject, invalid } from '../validate.js';

/**
 * A hybrid logical clock timestamp (Kulkarni, Demirbas, Madeppa, Avva, Leone, "Logical Physical
 * Clocks", OPODIS 2014): `wallMs` is the largest physical time (epoch milliseconds) the clock
 * has heard of, `logical` counts events that share it. Ordered by `wallMs`, then `logical`.
 */
export interface HlcTimestamp {
  readonly wallMs: number;
  readonly logical: number;
}

/** A serialised {@link HlcTimestamp}: `[wallMs, logical]`. */
export type HlcTimestampJSON = readonly [wallMs: number, logical: number];

/**
 * Orders two timestamps: negative if `a` is earlier, positive if later, 0 if equal. Timestamps
 * of different replicas can be equal; break such ties with the replica id (see `LwwRegister`).
 *
 * @example
 * [t2, t1].sort(compareHlc); // [t1, t2]
 */
export function compareHlc(a: HlcTimestamp, b: HlcTimestamp): number {
  return a.wallMs - b.wallMs || a.logical - b.logical;
}

/** `[wallMs, logical]`. */
export function hlcToJSON(timestamp: HlcTimestamp): HlcTimestampJSON {
  return [timestamp.wallMs, timestamp.logical];
}

/**
 * Parses `[wallMs, logical]` (or `{ wallMs, logical }`), validating it.
 *
 * @param where names the value in the error message
 * @throws TypeError unless both parts are non-negative safe integers
 */
export function hlcFromJSON(json: unknown, where = 'hlcFromJSON'): HlcTimestamp {
  let wallMs: unknown;
  let logical: unknown;
  if (Array.isArray(json)) {
    if (json.length !== 2) invalid(where, 'a timestamp must be [wallMs, logical]', json);
    [wallMs, logical] = json as unknown[];
  } else {
    const object = checkObject(json, where);
    ({ wallMs, logical } = object);
  }
  return Object.freeze({ wallMs: checkCount(wallMs, `${where}: wallMs`), logical: checkCount(logical, `${where}: logical`) });
}
