import { SetMetadata } from '@nestjs/common';
import type { DecoratorKind } from './bulwark.constants.js';
import { POLICY_METADATA } from './bulwark.constants.js';

/** @internal What a policy decorator stores: the instance's name, if given, and its options. */
export interface PolicySpec {
  /** `'@CircuitBreaker'`, for error messages. */
  readonly decorator: string;
  /** The registry name; `undefined` names the instance after `Class.method`. */
  readonly name: string | undefined;
  /** Options for the registry accessor (overriding the configuration of `name`), if any. */
  readonly options: Readonly<Record<string, unknown>> | undefined;
}

/** @internal Describes a value for an error message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return value.constructor === Object ? 'an object' : `a ${value.constructor?.name ?? 'object'}`;
  return String(value);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);

/**
 * @internal Parses a policy decorator's argument (a name, an options object with an optional
 * `name`, or nothing) into a {@link PolicySpec}.
 *
 * @throws TypeError naming the decorator when the argument or its `name` is malformed
 */
export function policySpec(decorator: string, nameOrOptions: unknown): PolicySpec {
  if (nameOrOptions === undefined) return { decorator, name: undefined, options: undefined };
  if (typeof nameOrOptions === 'string') {
    if (nameOrOptions.length === 0) throw new TypeError(`${decorator}: the policy name must be a non-empty string, got ""`);
    return { decorator, name: nameOrOptions, options: undefined };
  }
  if (!isPlainObject(nameOrOptions)) {
    throw new TypeError(`${decorator}: the argument must be a policy name or an options object, got ${show(nameOrOptions)}`);
  }
  const { name, ...options } = nameOrOptions;
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
    throw new TypeError(`${decorator}: options.name must be a non-empty string, got ${show(name)}`);
  }
  return { decorator, name, options: Object.keys(options).length === 0 ? undefined : Object.freeze(options) };
}

/** @internal The decorator that stores a {@link PolicySpec} under the kind's metadata key. */
export function policyDecorator(kind: Exclude<DecoratorKind, 'fallback'>, decorator: string, nameOrOptions: unknown): ClassDecorator & MethodDecorator {
  return SetMetadata(POLICY_METADATA[kind], policySpec(decorator, nameOrOptions));
}
