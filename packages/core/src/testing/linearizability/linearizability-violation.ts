import { isUnknownOutcome } from './history-operation.js';
import type { HistoryOperation } from './history-operation.js';
import { describeOperationWith, describeValue } from './linearizability-model.js';
import type { LinearizabilityModel, PartitionKey } from './linearizability-model.js';

/**
 * Why a history is not linearizable, for the smallest partition that is not: how far the search
 * got, and what it could not place next.
 *
 * Of every order the search tried, `longestPrefix` went furthest: a real-time-respecting order of
 * some operations that the model accepts, leaving it in `state`. From there one of `blocked` had
 * to come next (each was called before `firstToReturn` returned, and that one must take effect
 * before it returns), and the model accepts none of them in `state`.
 */
export interface LinearizabilityViolation<S, I, O> {
  /** The partition's key (see `partitionKey`); `undefined` when the model does not partition. */
  readonly key: PartitionKey | undefined;
  /** The model the history was checked against. */
  readonly model: LinearizabilityModel<S, I, O>;
  /** Every operation of the partition, in history order. */
  readonly operations: readonly HistoryOperation<I, O>[];
  /** The longest linearizable sequence found, in the order its operations take effect. */
  readonly longestPrefix: readonly HistoryOperation<I, O>[];
  /** The model's state after `longestPrefix`. */
  readonly state: S;
  /** The operations that could come next after `longestPrefix`, by call time. */
  readonly blocked: readonly HistoryOperation<I, O>[];
  /** The remaining operation with a known outcome that returns first. */
  readonly firstToReturn: HistoryOperation<I, O>;
}

/** Builds the violation from a failed search's best prefix (indices into `operations`). */
export function buildViolation<S, I, O>(
  model: LinearizabilityModel<S, I, O>,
  key: PartitionKey | undefined,
  operations: readonly HistoryOperation<I, O>[],
  prefix: readonly number[],
  state: S,
): LinearizabilityViolation<S, I, O> {
  const placed = new Set(prefix);
  const rest = operations.filter((_, i) => !placed.has(i));
  let firstToReturn: HistoryOperation<I, O> | undefined;
  for (const operation of rest) {
    if (!isUnknownOutcome(operation) && (firstToReturn === undefined || operation.return < firstToReturn.return)) {
      firstToReturn = operation;
    }
  }
  // A failed search always leaves an operation with a known outcome unplaced.
  if (firstToReturn === undefined) throw new Error('checkLinearizability: internal error, a failed search placed every operation');
  const deadline = firstToReturn.return;
  // A read-only operation with an unknown outcome is left out of the search: it cannot matter.
  const irrelevant = (operation: HistoryOperation<I, O>) => isUnknownOutcome(operation) && model.readOnly?.(operation.input, undefined) === true;
  const blocked = rest.filter((operation) => operation.call <= deadline && !irrelevant(operation)).sort((a, b) => a.call - b.call);
  return {
    key,
    model,
    operations,
    longestPrefix: prefix.map((i) => operations[i]),
    state,
    blocked,
    firstToReturn,
  };
}

/** Options of {@link describeViolation}. */
export interface DescribeViolationOptions {
  /** Show at most this many operations of the prefix, the last ones (default 20). */
  readonly maxPrefixLines?: number;
}

/**
 * Renders a {@link LinearizabilityViolation} as readable text: the failing partition, the
 * longest linearizable prefix found, the state it leaves and the operations that could not come
 * next, each with its client, description (the model's `describeOperation`) and interval.
 *
 * @throws RangeError if `maxPrefixLines` is not a non-negative integer
 * @example
 * const result = checkLinearizability(kvModel(), history);
 * if (result.result === 'illegal') throw new Error(describeViolation(result.violation));
 */
export function describeViolation<S, I, O>(
  violation: LinearizabilityViolation<S, I, O>,
  options: DescribeViolationOptions = {},
): string {
  const maxPrefixLines = options.maxPrefixLines ?? 20;
  if (!Number.isInteger(maxPrefixLines) || maxPrefixLines < 0) {
    throw new RangeError(`describeViolation: maxPrefixLines must be a non-negative integer, got ${maxPrefixLines}`);
  }
  const { model, key, operations, longestPrefix, blocked, firstToReturn } = violation;
  const line = (operation: HistoryOperation<I, O>): string => {
    const unknown = isUnknownOutcome(operation);
    const interval = unknown ? `[call ${operation.call}, outcome unknown]` : `[call ${operation.call}, return ${operation.return}]`;
    return `client ${operation.clientId}: ${describeOperationWith(model, operation, unknown)} ${interval}`;
  };
  const where = key === undefined ? 'the history' : `key ${describeValue(key)}`;
  const lines = [
    `Not linearizable: ${where} (model ${describeValue(model.name ?? 'model')}, ${operations.length} operations).`,
  ];
  if (longestPrefix.length === 0) {
    lines.push('No operation can take effect first.');
  } else {
    lines.push(`The longest linearizable prefix found has ${longestPrefix.length} of them:`);
    const skipped = Math.max(0, longestPrefix.length - maxPrefixLines);
    if (skipped > 0) lines.push(`  … ${skipped} earlier operation${skipped === 1 ? '' : 's'}`);
    for (let i = skipped; i < longestPrefix.length; i++) lines.push(`  ${i + 1}. ${line(longestPrefix[i])}`);
  }
  const state = model.describeState === undefined ? describeValue(violation.state) : model.describeState(violation.state);
  lines.push(
    `${longestPrefix.length === 0 ? 'From the initial state' : 'After it, in state'} ${state}, one of these had to take effect next ` +
      `(all were called before client ${firstToReturn.clientId}'s operation returned at ${firstToReturn.return}), ` +
      'and the model accepts none of them:',
  );
  for (const operation of blocked) lines.push(`  ${line(operation)}`);
  return lines.join('\n');
}
