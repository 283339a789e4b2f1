import type { HistoryOperation } from './history-operation.js';

/** The label of a partition of a history: the key that the operations of the partition touch. */
export type PartitionKey = string | number;

/** A value that identifies a state: two states with the same key are the same state. */
export type StateKey = string | number | bigint | boolean | null | undefined;

/**
 * The sequential specification of an object, for {@link checkLinearizability}: its initial state
 * and what each operation does to a state.
 *
 * The checker remembers which (set of linearized operations, state) pairs it has explored, so it
 * must tell states apart: primitive states (strings, numbers) compare by value with no help;
 * other states need `key` (preferred: the checker interns keys in a `Map`) or `equal` (with
 * `hash`, or every state lands in one bucket and interning gets slow).
 *
 * @example
 * // A counter that answers its new value.
 * const counter: LinearizabilityModel<number, 'increment', number> = {
 *   name: 'counter',
 *   init: () => 0,
 *   step: (state, _input, output) => (output === state + 1 ? [state + 1] : []),
 *   stepUnknown: (state) => [state + 1],
 * };
 */
export interface LinearizabilityModel<State, Input, Output> {
  /** Named in errors and explanations (default `'model'`). */
  readonly name?: string;
  /** The state before any operation. Called once per partition. */
  init(): State;
  /**
   * The states the object may be in after `input` answered `output` in `state`: one state for a
   * deterministic object, several when the specification allows a choice, none when the object
   * could not have answered `output` there. It must be a pure function: the checker caches its
   * answers per (state, operation), and mutates neither them nor the states; `step` must not
   * mutate `state` either (return a new one).
   */
  step(state: State, input: Input, output: Output): readonly State[];
  /**
   * The states the object may be in after `input` took effect, whatever it answered: used for
   * operations whose outcome is unknown (see {@link HistoryOperation}). The checker also lets
   * such an operation not take effect at all, so this covers only the case where it did.
   * Required if the history holds such operations.
   */
  stepUnknown?(state: State, input: Input): readonly State[];
  /**
   * Whether the operation, having answered `output` (`undefined` when its outcome is unknown),
   * leaves every state as it is: a read, a failed compare-and-set. Optional, a speed-up: such an
   * operation is linearized as soon as it may come next, and the search never backtracks into
   * the orders that put it later, which matters on read-heavy histories. It must hold in every
   * state: a delete, which changes nothing only where the key is missing, is not read-only.
   */
  readOnly?(input: Input, output: Output | undefined): boolean;
  /**
   * P-compositionality (Herlihy & Wing §3.3): if operations on different keys never affect one
   * another, the history is linearizable iff each key's sub-history is. The checker then checks
   * one partition at a time, which is exponentially cheaper. `State` is then one key's state.
   */
  partitionKey?(input: Input): PartitionKey;
  /** Identifies a state (see above). Takes precedence over `equal`. */
  key?(state: State): StateKey;
  /** Whether two states are the same, when `key` cannot say it. */
  equal?(a: State, b: State): boolean;
  /** A 32-bit hash consistent with `equal` (equal states, equal hashes). */
  hash?(state: State): number;
  /** How explanations show an operation; `output` is `undefined` when unknown (default JSON). */
  describeOperation?(input: Input, output: Output | undefined): string;
  /** How explanations show a state (default JSON). */
  describeState?(state: State): string;
}

/**
 * The shared empty answer of `step`: the operation cannot have happened (saves an allocation).
 *
 * @example
 * step: (state, input, output) => (output === state ? [state] : NO_STATE),
 */
export const NO_STATE: readonly never[] = Object.freeze([]);

/** JSON where it can, `String()` where it cannot (bigint, symbols, cycles). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The model's rendering of an operation, or `input → output` in JSON. */
export function describeOperationWith<I, O>(
  model: LinearizabilityModel<unknown, I, O>,
  operation: HistoryOperation<I, O>,
  unknown: boolean,
): string {
  const output = unknown ? undefined : operation.output;
  if (model.describeOperation !== undefined) return model.describeOperation(operation.input, output);
  return output === undefined ? describeValue(operation.input) : `${describeValue(operation.input)} → ${describeValue(output)}`;
}
