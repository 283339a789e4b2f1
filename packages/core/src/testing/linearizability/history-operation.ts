/** Who issued an operation: a client, process or thread id. Used only in explanations. */
export type ClientId = string | number;

/**
 * One operation of a concurrent history: what a client asked (`input`), what it got back
 * (`output`), and when it called and when the answer arrived, on any one time scale shared by
 * every operation of the history (milliseconds, nanoseconds, event numbers: only the order
 * matters).
 *
 * Intervals are closed: an operation that returns at the instant another is called overlaps it,
 * so either may take effect first.
 *
 * An operation whose outcome is unknown (the client crashed or timed out) has `return: Infinity`
 * or `unknown: true`. It may or may not have taken effect, at any time after its call (a finite
 * `return` is then ignored), and its `output` is ignored.
 *
 * @example
 * const write: HistoryOperation<RegisterInput<number>, number | undefined> =
 *   { clientId: 'a', input: { op: 'write', value: 1 }, call: 0, return: 5 };
 * const read = { clientId: 'b', input: { op: 'read' }, output: 1, call: 6, return: 9 };
 * const crashed = { clientId: 'c', input: { op: 'write', value: 2 }, call: 3, return: Infinity };
 */
export interface HistoryOperation<Input, Output> {
  readonly clientId: ClientId;
  readonly input: Input;
  /** What the operation returned: required when the model checks it (a read's value). */
  readonly output?: Output;
  /** When the client called (a finite number). */
  readonly call: number;
  /** When the answer arrived (not before `call`), or `Infinity` if it never did. */
  readonly return: number;
  /** `true` when the outcome is unknown, whatever `return` says (a timeout seen at `return`). */
  readonly unknown?: boolean;
}

/**
 * Whether an operation may or may not have taken effect: `unknown: true` or `return: Infinity`.
 *
 * @example
 * isUnknownOutcome({ clientId: 1, input: 'x', call: 0, return: Infinity }); // true
 */
export function isUnknownOutcome(operation: HistoryOperation<unknown, unknown>): boolean {
  return operation.unknown === true || operation.return === Infinity;
}
