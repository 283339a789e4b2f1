import { SetMetadata } from '@nestjs/common';
import { POLICY_METADATA } from './bulwark.constants.js';
import { show } from './policy-decorator.js';

/**
 * A fallback given as a function. It is called with `this` the instance, and:
 * - on a provider method, the method's arguments followed by the error: `(...args, error)`;
 * - on a controller handler, the `ExecutionContext` followed by the error: `(context, error)`
 *   (the interceptor that applies handler policies never sees the handler's own arguments).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the arguments are the decorated method's
export type FallbackFunction = (this: any, ...argsThenError: any[]) => unknown;

/** Options of {@link Fallback}. */
export interface FallbackDecoratorOptions {
  /** Which errors the fallback answers (default: every error); the others are rethrown as they are. */
  readonly shouldHandle?: (error: unknown) => boolean;
}

/** @internal What `@Fallback` stores. */
export interface FallbackSpec {
  readonly decorator: '@Fallback';
  /** A method name of the same class, or a function. */
  readonly target: string | FallbackFunction;
  readonly shouldHandle: ((error: unknown) => boolean) | undefined;
}

/**
 * Answers with a fallback instead of the error when the method (after every other policy on it)
 * fails: `@Fallback('cachedPrice')` calls the class's `cachedPrice` method, `@Fallback(fn)` calls
 * `fn`, with the arguments described at {@link FallbackFunction}; what it returns (or resolves
 * to) is the call's result, what it throws is the call's error. It runs outermost, so it also
 * answers for an open breaker, a full bulkhead or a timeout. A method name is checked at
 * start-up. The fallback is the method's own, not a registry instance.
 *
 * @param methodNameOrFn a method of the same class, or a function
 * @param options `shouldHandle` (default: every error)
 * @throws TypeError when `methodNameOrFn` is neither a non-empty string nor a function, or
 *   `shouldHandle` is not a function
 * @example
 * @Fallback('cachedPrice')
 * @CircuitBreaker('prices')
 * async price(sku: string): Promise<number> { return this.api.price(sku); }
 * cachedPrice(sku: string, error: unknown): number | undefined { return this.cache.get(sku); }
 */
export function Fallback(methodNameOrFn: string | FallbackFunction, options: FallbackDecoratorOptions = {}): ClassDecorator & MethodDecorator {
  const valid = (typeof methodNameOrFn === 'string' && methodNameOrFn.length > 0) || typeof methodNameOrFn === 'function';
  if (!valid) throw new TypeError(`@Fallback: the argument must be a method name or a function, got ${show(methodNameOrFn)}`);
  if (typeof options !== 'object' || options === null) throw new TypeError(`@Fallback: options must be an object, got ${show(options)}`);
  if (options.shouldHandle !== undefined && typeof options.shouldHandle !== 'function') {
    throw new TypeError(`@Fallback: options.shouldHandle must be a function, got ${show(options.shouldHandle)}`);
  }
  const spec: FallbackSpec = { decorator: '@Fallback', target: methodNameOrFn, shouldHandle: options.shouldHandle };
  return SetMetadata(POLICY_METADATA.fallback, spec);
}
