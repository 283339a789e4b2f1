/**
 * One event of a recorded history as its text gave it, before it is checked against a model:
 * Jepsen's fields (`process`, `type`, `f`, `value`) plus an optional `key`. A field the line did
 * not have is `undefined`.
 */
export interface RecordedEvent {
  /** The event's 1-based line in the text. */
  readonly line: number;
  readonly process: unknown;
  /** `invoke`, `ok`, `fail` or `info` when well formed. */
  readonly type: unknown;
  /** The operation: `get`, `put`, `read`, `cas`… */
  readonly f: unknown;
  readonly key: unknown;
  readonly value: unknown;
}
