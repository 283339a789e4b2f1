import { NO_STATE, describeValue } from './linearizability-model.js';
import type { LinearizabilityModel } from './linearizability-model.js';
import { unknownOp } from './register-model.js';
import type { RegisterInput } from './register-model.js';

/** An operation on a compare-and-set register: read, write, or `cas` (set `value` if it holds `expected`). */
export type CasRegisterInput<V> =
  | RegisterInput<V>
  | { readonly op: 'cas'; readonly expected: V; readonly value: V };

/** A read's value, a `cas`'s success (`true` if it swapped), or nothing for a write. */
export type CasRegisterOutput<V> = V | boolean | undefined;

/**
 * A register with compare-and-set, holding primitive values (compared with `===`): `cas` swaps
 * in `value` and answers `true` if the register holds `expected`, else answers `false` and
 * changes nothing. A write's output is ignored.
 *
 * @param initial the value before any write
 * @example
 * const model = casRegisterModel(0);
 * checkLinearizability(model, [
 *   { clientId: 'a', input: { op: 'cas', expected: 0, value: 1 }, output: true, call: 0, return: 10 },
 *   { clientId: 'b', input: { op: 'cas', expected: 0, value: 2 }, output: true, call: 0, return: 10 },
 * ]).result; // 'illegal': only one of them can find 0
 */
export function casRegisterModel<V>(initial: V): LinearizabilityModel<V, CasRegisterInput<V>, CasRegisterOutput<V>> {
  return {
    name: 'cas-register',
    init: () => initial,
    step(state, input, output) {
      switch (input.op) {
        case 'read':
          return output === state ? [state] : NO_STATE;
        case 'write':
          return [input.value];
        case 'cas': {
          const swapped = state === input.expected;
          if (output !== swapped) return NO_STATE;
          return [swapped ? input.value : state];
        }
        default:
          throw unknownOp('casRegisterModel', input);
      }
    },
    stepUnknown(state, input) {
      switch (input.op) {
        case 'read':
          return [state];
        case 'write':
          return [input.value];
        case 'cas':
          return [state === input.expected ? input.value : state];
        default:
          throw unknownOp('casRegisterModel', input);
      }
    },
    readOnly: (input, output) => input.op === 'read' || (input.op === 'cas' && output === false),
    describeOperation(input, output) {
      const result = output === undefined ? '' : ` → ${describeValue(output)}`;
      switch (input.op) {
        case 'read':
          return `read()${result}`;
        case 'write':
          return `write(${describeValue(input.value)})`;
        default:
          return `cas(${describeValue(input.expected)}, ${describeValue(input.value)})${result}`;
      }
    },
  };
}
