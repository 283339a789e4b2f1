import 'reflect-metadata';
import type { PolicyChain } from './policy-chain.js';

const WRAPPED = Symbol('@bulwark/nestjs.wrapped');

type AnyFunction = (...args: unknown[]) => unknown;

/** @internal Whether `fn` is a method this package wrapped already. */
export function isWrapped(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as { [WRAPPED]?: true })[WRAPPED] === true;
}

/**
 * @internal A replacement for a provider's method that runs each call through `chain`: the
 * original runs with the caller's `this` and arguments, once per attempt; the fallback gets
 * `(this, arguments, error)`. The replacement keeps the method's name and length and carries
 * a copy of its metadata, so other decorators' readers still find theirs. It always returns a
 * promise.
 */
export function wrapMethod(original: AnyFunction, chain: PolicyChain, answer: (self: unknown, args: unknown[], error: unknown) => unknown): AnyFunction {
  const wrapped = function (this: unknown, ...args: unknown[]): Promise<unknown> {
    return chain.run(
      () => original.apply(this, args),
      (error) => answer(this, args, error),
    );
  };
  for (const key of Reflect.getOwnMetadataKeys(original)) {
    Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, original), wrapped);
  }
  Object.defineProperty(wrapped, 'name', { value: original.name });
  Object.defineProperty(wrapped, 'length', { value: original.length });
  Object.defineProperty(wrapped, WRAPPED, { value: true });
  return wrapped;
}
