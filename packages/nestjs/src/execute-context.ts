import { AsyncLocalStorage } from 'node:async_hooks';
import type { ExecuteContext } from '@bulwark/core';

const storage = new AsyncLocalStorage<ExecuteContext>();

/**
 * The signal and attempt number of the policy call that is running the current code: inside a
 * method or handler the module runs through policies, `signal` aborts when a `@Timeout` fires
 * (pass it to `fetch` and friends so abandoned work stops, and so a cooperative timeout can
 * answer), and `attempt` counts `@Retry`'s attempts from 1. `undefined` outside such a call,
 * and in a method with only `@Fallback`.
 *
 * @example
 * @Timeout({ timeoutMs: 1000 })
 * async rates(): Promise<Rates> {
 *   return (await fetch(RATES_URL, { signal: currentExecuteContext()?.signal })).json();
 * }
 */
export function currentExecuteContext(): ExecuteContext | undefined {
  return storage.getStore();
}

/** @internal Runs `fn` with `context` as the current execute context. */
export function runInExecuteContext<T>(context: ExecuteContext, fn: () => T): T {
  return storage.run(context, fn);
}
