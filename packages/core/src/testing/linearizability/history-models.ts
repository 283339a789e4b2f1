import { casRegisterModel } from './cas-register-model.js';
import type { CasRegisterInput, CasRegisterOutput } from './cas-register-model.js';
import { HistorySyntaxError } from './history-syntax-error.js';
import { kvModel } from './kv-model.js';
import type { KvInput, KvOutput } from './kv-model.js';
import { describeValue } from './linearizability-model.js';
import type { LinearizabilityModel } from './linearizability-model.js';
import { registerModel } from './register-model.js';
import type { RegisterInput } from './register-model.js';

/** The models a recorded history can be read for (see {@link readHistory}). */
export type HistoryModelName = 'kv' | 'register' | 'cas-register';

/** Every {@link HistoryModelName}, in the order help texts list them. */
export const HISTORY_MODELS: readonly HistoryModelName[] = Object.freeze(['kv', 'register', 'cas-register']);

/** A register value read from a history: a JSON or EDN scalar (`nil` is `null`). */
export type HistoryScalar = string | number | boolean | null;

/** A register operation read from a history; `key` when the history names one (a register per key). */
export type KeyedRegisterInput = RegisterInput<HistoryScalar> & { readonly key?: string };

/** A compare-and-set register operation read from a history; `key` as in {@link KeyedRegisterInput}. */
export type KeyedCasRegisterInput = CasRegisterInput<HistoryScalar> & { readonly key?: string };

/**
 * How one model reads events: the input of an `invoke`, the output of an `ok`, and the model to
 * check the operations against. Inputs and outputs throw {@link HistorySyntaxError} at `line`.
 */
export interface HistoryModelReader<S, I, O> {
  input(f: string, key: string | undefined, value: unknown, line: number): I;
  output(input: I, value: unknown, line: number): O;
  /** The model; `keyed` when some operation had a key (registers are then checked per key). */
  model(keyed: boolean): LinearizabilityModel<S, I, O>;
}

/** The operations each model knows, as the `f` of an event may name them. */
const OPS: Readonly<Record<HistoryModelName, Readonly<Record<string, string>>>> = {
  kv: { get: 'get', read: 'get', put: 'put', write: 'put', append: 'append', cas: 'cas', delete: 'delete' },
  register: { read: 'read', get: 'read', write: 'write', put: 'write' },
  'cas-register': { read: 'read', get: 'read', write: 'write', put: 'write', cas: 'cas' },
};

function opOf(model: HistoryModelName, f: string, line: number): string {
  const op = Object.hasOwn(OPS[model], f) ? OPS[model][f] : undefined;
  if (op === undefined) {
    throw new HistorySyntaxError(`model ${model} has no operation ${JSON.stringify(f)} (it has ${Object.keys(OPS[model]).join(', ')})`, line);
  }
  return op;
}

/** A kv value: a string; `nil` reads as `''` where `allowNil` (a missing key reads as `''`). */
function kvString(value: unknown, what: string, line: number, allowNil: boolean): string {
  if (typeof value === 'string') return value;
  if (allowNil && (value === null || value === undefined)) return '';
  throw new HistorySyntaxError(`${what} must be a string${allowNil ? ' or nil' : ''} for model kv, got ${describeValue(value ?? null)}`, line);
}

function scalar(value: unknown, what: string, line: number): HistoryScalar {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return value;
  throw new HistorySyntaxError(`${what} must be a string, number, boolean or nil, got ${describeValue(value)}`, line);
}

/** A cas's `[expected, new]` pair. */
function pair(value: unknown, line: number): readonly [unknown, unknown] {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new HistorySyntaxError(`a cas's value must be a pair [expected new], got ${describeValue(value ?? null)}`, line);
  }
  return [value[0], value[1]];
}

const kvReader: HistoryModelReader<string, KvInput, KvOutput> = {
  input(f, key, value, line) {
    if (key === undefined) throw new HistorySyntaxError('an operation of model kv needs a key', line);
    const op = opOf('kv', f, line);
    switch (op) {
      case 'get':
      case 'delete':
        return { op, key };
      case 'cas': {
        const [expected, next] = pair(value, line);
        return { op, key, expected: kvString(expected, "a cas's expected value", line, true), value: kvString(next, "a cas's new value", line, false) };
      }
      default:
        return { op: op as 'put' | 'append', key, value: kvString(value, `the value of ${f}`, line, false) };
    }
  },
  output(input, value, line) {
    if (input.op === 'get') return kvString(value, "a get's result", line, true);
    return input.op === 'cas' ? true : undefined;
  },
  model: () => kvModel(),
};

/** Adds the per-key split to a register model when the history has keys. */
function perKey<S, I extends { readonly key?: string }, O>(model: LinearizabilityModel<S, I, O>, keyed: boolean): LinearizabilityModel<S, I, O> {
  return keyed ? { ...model, partitionKey: (input) => input.key ?? '' } : model;
}

function registerInput(model: 'register' | 'cas-register', f: string, key: string | undefined, value: unknown, line: number): KeyedCasRegisterInput {
  const op = opOf(model, f, line);
  const keyed = key === undefined ? {} : { key };
  if (op === 'read') return { op, ...keyed };
  if (op === 'write') return { op, value: scalar(value, `the value of ${f}`, line), ...keyed };
  const [expected, next] = pair(value, line);
  return { op: 'cas', expected: scalar(expected, "a cas's expected value", line), value: scalar(next, "a cas's new value", line), ...keyed };
}

const registerReader: HistoryModelReader<HistoryScalar, KeyedRegisterInput, HistoryScalar | undefined> = {
  input: (f, key, value, line) => registerInput('register', f, key, value, line) as KeyedRegisterInput,
  output: (input, value, line) => (input.op === 'read' ? scalar(value, "a read's result", line) : undefined),
  model: (keyed) => perKey<HistoryScalar, KeyedRegisterInput, HistoryScalar | undefined>(registerModel<HistoryScalar>(null), keyed),
};

const casRegisterReader: HistoryModelReader<HistoryScalar, KeyedCasRegisterInput, CasRegisterOutput<HistoryScalar>> = {
  input: (f, key, value, line) => registerInput('cas-register', f, key, value, line),
  output(input, value, line) {
    if (input.op === 'read') return scalar(value, "a read's result", line);
    return input.op === 'cas' ? true : undefined;
  },
  model: (keyed) => perKey<HistoryScalar, KeyedCasRegisterInput, CasRegisterOutput<HistoryScalar>>(casRegisterModel<HistoryScalar>(null), keyed),
};

/** The reader of each model. */
export const HISTORY_MODEL_READERS = {
  kv: kvReader,
  register: registerReader,
  'cas-register': casRegisterReader,
} as const;
