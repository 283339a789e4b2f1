import type { Clock } from '../../time/clock.js';
import { isUnknownOutcome } from './history-operation.js';
import type { HistoryOperation } from './history-operation.js';
import type { LinearizabilityModel, PartitionKey } from './linearizability-model.js';
import { buildViolation } from './linearizability-violation.js';
import type { LinearizabilityViolation } from './linearizability-violation.js';
import { searchPartition } from './search-partition.js';
import { TimeLimit } from './time-limit.js';

/** Options of {@link checkLinearizability}. */
export interface CheckLinearizabilityOptions {
  /**
   * Give up after this many milliseconds and answer `'unknown'` (default `Infinity`: search to
   * the end, which can take exponential time on a history with much concurrency). The clock is
   * read every 1024 search steps.
   */
  readonly timeoutMs?: number;
  /** Where time comes from, for `timeoutMs` only (default `performance.now()`). */
  readonly clock?: Pick<Clock, 'now'>;
  /**
   * Give up once the search of one partition remembers this many (set of linearized operations,
   * state) pairs, and answer `'unknown'` (default {@link DEFAULT_MAX_CONFIGURATIONS}). It bounds
   * memory: each pair costs about `operations / 8 + 12` bytes, plus its state the first time
   * that state is met.
   */
  readonly maxConfigurations?: number;
}

/**
 * The default `maxConfigurations`: 4 million pairs, a few hundred MB for partitions of a few
 * hundred operations.
 */
export const DEFAULT_MAX_CONFIGURATIONS = 4_000_000;

/** One partition of a linearizable history and the order in which its operations took effect. */
export interface LinearizedPartition<I, O> {
  /** The partition's key; `undefined` when the model does not partition. */
  readonly key: PartitionKey | undefined;
  /**
   * A linearization: the partition's operations in an order that respects real time and that
   * the model accepts. Operations with an unknown outcome that are left out did not take effect.
   */
  readonly order: readonly HistoryOperation<I, O>[];
}

/** The verdict of {@link checkLinearizability}. */
export type LinearizabilityResult<S, I, O> =
  | { readonly result: 'ok'; readonly partitions: readonly LinearizedPartition<I, O>[] }
  | { readonly result: 'illegal'; readonly violation: LinearizabilityViolation<S, I, O> }
  | ({
      readonly result: 'unknown';
      /** How many partitions were found linearizable before the search gave up, of `partitionCount`. */
      readonly partitionsChecked: number;
      readonly partitionCount: number;
    } & (
      | { readonly reason: 'timeout'; readonly timeoutMs: number }
      | { readonly reason: 'configuration-limit'; readonly maxConfigurations: number }
    ));

interface Partition<I, O> {
  readonly key: PartitionKey | undefined;
  readonly operations: HistoryOperation<I, O>[];
}

const systemNow: Pick<Clock, 'now'> = { now: () => performance.now() };

/**
 * Checks whether a concurrent history is linearizable with respect to a sequential model
 * (Herlihy & Wing 1990): whether each operation can be given an instant between its call and its
 * return at which it takes effect, such that the model, fed the operations in that order, gives
 * every output that was observed.
 *
 * The search is Wing & Gong's with Lowe's memoisation, as in Porcupine: the history is split into
 * independent partitions by the model's `partitionKey` (P-compositionality), smallest first, and
 * the first partition that is not linearizable is reported, so a violation names the smallest
 * one found. Operations with an unknown outcome may take effect at any time after their call, or
 * never.
 *
 * The check is synchronous. Its only clock reads serve `timeoutMs`.
 *
 * @param model the sequential specification
 * @param history the operations, in any order
 * @returns `'ok'` with a linearization per partition, `'illegal'` with a violation (see
 *   {@link describeViolation}), or `'unknown'` if `timeoutMs` passed or `maxConfigurations` was
 *   reached first
 * @throws TypeError for an operation whose `call` is not a finite number or whose `return` is
 *   before its `call`, for an unknown outcome when the model has no `stepUnknown`, or for object
 *   states the model cannot compare
 * @throws RangeError if `timeoutMs` is not a positive number, or `maxConfigurations` not a
 *   positive integer
 * @example
 * const result = checkLinearizability(kvModel(), [
 *   { clientId: 1, input: { op: 'put', key: 'x', value: 'a' }, call: 0, return: 10 },
 *   { clientId: 2, input: { op: 'get', key: 'x' }, output: '', call: 20, return: 30 },
 * ]);
 * result.result; // 'illegal': the get began after the put had returned
 */
export function checkLinearizability<S, I, O>(
  model: LinearizabilityModel<S, I, O>,
  history: readonly HistoryOperation<I, O>[],
  options: CheckLinearizabilityOptions = {},
): LinearizabilityResult<S, I, O> {
  const timeoutMs = options.timeoutMs ?? Infinity;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
    throw new RangeError(`checkLinearizability: timeoutMs must be a positive number of milliseconds or Infinity, got ${String(timeoutMs)}`);
  }
  const maxConfigurations = options.maxConfigurations ?? DEFAULT_MAX_CONFIGURATIONS;
  if (maxConfigurations !== Infinity && !(Number.isInteger(maxConfigurations) && maxConfigurations > 0)) {
    throw new RangeError(`checkLinearizability: maxConfigurations must be a positive integer or Infinity, got ${String(maxConfigurations)}`);
  }
  const clock = options.clock ?? systemNow;
  if (typeof clock.now !== 'function') throw new TypeError('checkLinearizability: clock must have a now() method');
  const partitions = partition(model, history);
  const limit = new TimeLimit(clock, timeoutMs);

  // Smallest first: small partitions finish fast, and the first failure is the easiest to read.
  const bySize = partitions.map((_, i) => i).sort((a, b) => partitions[a].operations.length - partitions[b].operations.length || a - b);
  const orders = new Array<readonly number[]>(partitions.length);
  let checked = 0;
  for (const p of bySize) {
    const { key, operations } = partitions[p];
    const outcome = searchPartition(model, operations, limit, { maxConfigurations });
    if (outcome.kind === 'illegal') {
      return { result: 'illegal', violation: buildViolation(model, key, operations, outcome.prefix, outcome.state) };
    }
    if (outcome.kind === 'timeout') {
      return { result: 'unknown', reason: 'timeout', timeoutMs, partitionsChecked: checked, partitionCount: partitions.length };
    }
    if (outcome.kind === 'configuration-limit') {
      return { result: 'unknown', reason: 'configuration-limit', maxConfigurations, partitionsChecked: checked, partitionCount: partitions.length };
    }
    orders[p] = outcome.order;
    checked++;
  }
  return {
    result: 'ok',
    partitions: partitions.map(({ key, operations }, p) => ({ key, order: orders[p].map((i) => operations[i]) })),
  };
}

/** Validates the history and splits it by `partitionKey`, in order of first appearance. */
function partition<S, I, O>(model: LinearizabilityModel<S, I, O>, history: readonly HistoryOperation<I, O>[]): Partition<I, O>[] {
  if (!Array.isArray(history)) throw new TypeError('checkLinearizability: history must be an array of operations');
  const name = JSON.stringify(model.name ?? 'model');
  const byKey = new Map<PartitionKey | undefined, Partition<I, O>>();
  history.forEach((operation, index) => {
    const { call, return: ret } = operation;
    if (typeof call !== 'number' || !Number.isFinite(call)) {
      throw new TypeError(`checkLinearizability: history[${index}].call must be a finite number, got ${String(call)}`);
    }
    const unknown = isUnknownOutcome(operation);
    if (!unknown && (typeof ret !== 'number' || !(ret >= call))) {
      throw new TypeError(`checkLinearizability: history[${index}].return must be a number not before its call (${call}), got ${String(ret)}`);
    }
    if (unknown && model.stepUnknown === undefined) {
      throw new TypeError(`checkLinearizability: history[${index}] has an unknown outcome, but model ${name} has no stepUnknown`);
    }
    const key = model.partitionKey === undefined ? undefined : model.partitionKey(operation.input);
    let part = byKey.get(key);
    if (part === undefined) {
      part = { key, operations: [] };
      byKey.set(key, part);
    }
    part.operations.push(operation);
  });
  return [...byKey.values()];
}
