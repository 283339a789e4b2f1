import { wrap } from '@bulwark/core';
import type { Policy } from '@bulwark/core';
import { runInExecuteContext } from './execute-context.js';

/** @internal The fallback step of a chain: how it is described, and which errors it answers. */
export interface FallbackStep {
  /** For `describe()`: `fallback(cachedPrice)`. */
  readonly label: string;
  readonly shouldHandle: ((error: unknown) => boolean) | undefined;
}

/**
 * @internal The policies applied to one method, in the fixed order: the fallback outermost,
 * then the registry instances composed by core's `wrap` (bulkhead → timeout → retry → breaker
 * → rate limiter), then the method. The fallback is the method's own (it needs the call's
 * arguments, which a shared registry fallback never sees), so it runs here around the wrap.
 */
export class PolicyChain {
  private readonly policy: Policy | undefined;

  constructor(
    /** `Class.method`, for messages. */
    readonly where: string,
    policies: readonly Policy[],
    private readonly fallback: FallbackStep | undefined,
  ) {
    this.policy = policies.length === 0 ? undefined : wrap(...(policies as [Policy, ...Policy[]]));
  }

  /** The order the call goes through, outermost first: `fallback(x) → bulkhead(…) → retry(…)`. */
  describe(): string {
    const parts: string[] = [];
    if (this.fallback !== undefined) parts.push(this.fallback.label);
    if (this.policy !== undefined) parts.push(this.policy.describe());
    return parts.join(' → ');
  }

  /**
   * Runs `attempt` through the chain; `attempt` runs once per retry attempt, inside the
   * execute context of that attempt (`currentExecuteContext()`). `answer` computes the
   * fallback's result from the error the rest of the chain ended with.
   */
  run<T>(attempt: () => T | PromiseLike<T>, answer: (error: unknown) => unknown): Promise<T> {
    const result =
      this.policy === undefined
        ? new Promise<T>((resolve) => resolve(attempt()))
        : this.policy.execute((context) => runInExecuteContext(context, attempt));
    const fallback = this.fallback;
    if (fallback === undefined) return result;
    return result.catch((error: unknown) => {
      if (fallback.shouldHandle !== undefined && !fallback.shouldHandle(error)) throw error;
      return answer(error) as T;
    });
  }
}
