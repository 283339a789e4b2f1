import { NO_STATE, describeValue } from './linearizability-model.js';
import type { LinearizabilityModel } from './linearizability-model.js';
import { unknownOp } from './register-model.js';

/**
 * An operation on a key-value store of strings: `get`, `put`, `append` (concatenate to the
 * value), `cas` (set `value` if the key holds `expected`) and `delete`.
 */
export type KvInput =
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'append'; readonly key: string; readonly value: string }
  | { readonly op: 'cas'; readonly key: string; readonly expected: string; readonly value: string }
  | { readonly op: 'delete'; readonly key: string };

/** A `get`'s value, a `cas`'s success (`true` if it swapped), or nothing for the others. */
export type KvOutput = string | boolean | undefined;

/**
 * A key-value store of strings, partitioned per key (each key is checked on its own; the state
 * is that key's value). A missing key reads as the empty string, as in Porcupine's KV model and
 * the Jepsen-style test histories: `get` answers `''`, `cas` with `expected: ''` swaps, and
 * `delete` makes the key read as `''` again. The outputs of put, append and delete are ignored.
 *
 * @example
 * checkLinearizability(kvModel(), [
 *   { clientId: 1, input: { op: 'append', key: 'x', value: 'a' }, call: 0, return: 10 },
 *   { clientId: 2, input: { op: 'append', key: 'x', value: 'b' }, call: 0, return: 10 },
 *   { clientId: 3, input: { op: 'get', key: 'x' }, output: 'ba', call: 20, return: 30 },
 * ]).result; // 'ok': b's append took effect first
 */
export function kvModel(): LinearizabilityModel<string, KvInput, KvOutput> {
  return {
    name: 'kv',
    partitionKey: (input) => input.key,
    init: () => '',
    step(state, input, output) {
      switch (input.op) {
        case 'get':
          return output === state ? [state] : NO_STATE;
        case 'cas': {
          const swapped = state === input.expected;
          if (output !== swapped) return NO_STATE;
          return [swapped ? input.value : state];
        }
        default:
          return apply(state, input);
      }
    },
    stepUnknown: apply,
    readOnly: (input, output) => input.op === 'get' || (input.op === 'cas' && output === false),
    describeOperation(input, output) {
      const key = describeValue(input.key);
      const result = output === undefined ? '' : ` → ${describeValue(output)}`;
      switch (input.op) {
        case 'get':
          return `get(${key})${result}`;
        case 'cas':
          return `cas(${key}, ${describeValue(input.expected)}, ${describeValue(input.value)})${result}`;
        case 'delete':
          return `delete(${key})`;
        default:
          return `${input.op}(${key}, ${describeValue(input.value)})`;
      }
    },
  };
}

/** The state after `input`, whatever it answered. */
function apply(state: string, input: KvInput): readonly string[] {
  switch (input.op) {
    case 'get':
      return [state];
    case 'put':
      return [input.value];
    case 'append':
      return [state + input.value];
    case 'cas':
      return [state === input.expected ? input.value : state];
    case 'delete':
      return [''];
    default:
      throw unknownOp('kvModel', input);
  }
}
