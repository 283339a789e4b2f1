import { NO_STATE, describeValue } from './linearizability-model.js';
import type { LinearizabilityModel } from './linearizability-model.js';

/** An operation on a register: read its value, or write one. */
export type RegisterInput<V> = { readonly op: 'read' } | { readonly op: 'write'; readonly value: V };

/**
 * A single read/write register holding primitive values (compared with `===`): a read returns
 * the last value written, or `initial`. A write's output is ignored.
 *
 * @param initial the value before any write
 * @example
 * const model = registerModel(0);
 * checkLinearizability(model, [
 *   { clientId: 'a', input: { op: 'write', value: 1 }, call: 0, return: 10 },
 *   { clientId: 'b', input: { op: 'read' }, output: 0, call: 5, return: 8 }, // concurrent: fine
 * ]).result; // 'ok'
 */
export function registerModel<V>(initial: V): LinearizabilityModel<V, RegisterInput<V>, V | undefined> {
  return {
    name: 'register',
    init: () => initial,
    step(state, input, output) {
      if (input.op === 'read') return output === state ? [state] : NO_STATE;
      if (input.op === 'write') return [input.value];
      throw unknownOp('registerModel', input);
    },
    stepUnknown(state, input) {
      if (input.op === 'read') return [state];
      if (input.op === 'write') return [input.value];
      throw unknownOp('registerModel', input);
    },
    readOnly: (input) => input.op === 'read',
    describeOperation(input, output) {
      if (input.op === 'read') return output === undefined ? 'read()' : `read() → ${describeValue(output)}`;
      return `write(${describeValue(input.value)})`;
    },
  };
}

/** The error a shipped model throws for an input it does not know. */
export function unknownOp(model: string, input: unknown): TypeError {
  const op = typeof input === 'object' && input !== null ? (input as { op?: unknown }).op : undefined;
  return new TypeError(`${model}: unknown op ${describeValue(op)} in input ${describeValue(input)}`);
}
