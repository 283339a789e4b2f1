import { ManualClock } from '../testing/manual-clock.js';
import { CircuitBreaker } from './circuit-breaker/circuit-breaker.js';
import type { ExecuteContext, ExecuteOptions, Policy } from './policy.js';
import { wrap } from './wrap.js';

/** A policy that records when it runs and what context it passes down. */
class Tracer implements Policy {
  constructor(
    readonly name: string,
    readonly log: string[],
    private readonly attempt?: number,
  ) {}
  async execute<T>(fn: (context: ExecuteContext) => PromiseLike<T> | T, options?: ExecuteOptions): Promise<T> {
    this.log.push(`enter ${this.name} attempt=${options?.attempt ?? 1}`);
    const signal = options?.signal ?? new AbortController().signal;
    try {
      return await fn({ signal, attempt: this.attempt ?? options?.attempt ?? 1 });
    } finally {
      this.log.push(`leave ${this.name}`);
    }
  }
  describe(): string {
    return `tracer(${this.name})`;
  }
}

describe('wrap', () => {
  it('runs the first policy outermost and fn innermost', async () => {
    const log: string[] = [];
    const policy = wrap(new Tracer('a', log), new Tracer('b', log), new Tracer('c', log));
    await expect(policy.execute(() => (log.push('fn'), 42))).resolves.toBe(42);
    expect(log).toEqual(['enter a attempt=1', 'enter b attempt=1', 'enter c attempt=1', 'fn', 'leave c', 'leave b', 'leave a']);
  });

  it('passes the signal and attempt down to fn', async () => {
    const log: string[] = [];
    const controller = new AbortController();
    let seen: ExecuteContext | undefined;
    // The outer tracer sets attempt 2 (as a retry would); the inner ones pass it on.
    await wrap(new Tracer('retry-like', log, 2), new Tracer('inner', log)).execute((context) => (seen = context), { signal: controller.signal });
    expect(seen?.attempt).toBe(2);
    expect(seen?.signal).toBe(controller.signal);
    expect(log).toContain('enter inner attempt=2');
  });

  it('describes the composed order and nests', () => {
    const log: string[] = [];
    const inner = wrap(new Tracer('b', log), new Tracer('c', log));
    const outer = wrap(new Tracer('a', log), inner);
    expect(outer.describe()).toBe('tracer(a) → tracer(b) → tracer(c)');
    expect(outer.policies[1]).toBe(inner);
  });

  it('composes with a circuit breaker, which counts what reaches it', async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker(async () => undefined, { clock, name: 'db', timeout: false });
    const log: string[] = [];
    const policy = wrap(new Tracer('outer', log), breaker);
    await expect(policy.execute(() => 'ok')).resolves.toBe('ok');
    await expect(policy.execute(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(breaker.stats).toMatchObject({ fires: 2, successes: 1, failures: 1 });
    expect(policy.describe()).toBe('tracer(outer) → circuitBreaker(db, closed, timeout=none, resetTimeout=30000ms)');
  });

  it('rejects missing or malformed policies', () => {
    expect(() => (wrap as (...p: unknown[]) => unknown)()).toThrow(new TypeError('wrap: pass at least one policy'));
    expect(() => wrap({ execute: () => Promise.resolve() } as never)).toThrow('wrap: argument 1 is not a policy (an object with execute() and describe())');
    expect(() => wrap(new Tracer('a', []), null as never)).toThrow(/argument 2/);
  });
});
