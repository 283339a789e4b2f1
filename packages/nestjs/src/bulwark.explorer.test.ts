import { jest } from '@jest/globals';
import { createRegistry } from '@bulwark/core';
import type { RegistryOptions } from '@bulwark/core';
import { ManualClock } from '@bulwark/core/testing';
import { Controller, Get, Injectable, Logger, Module, Scope, SetMetadata } from '@nestjs/common';
import type { ModuleMetadata, OnModuleInit } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { TestingModule } from '@nestjs/testing';
import { BulwarkExplorer } from './bulwark.explorer.js';
import { BulwarkModule } from './bulwark.module.js';
import { Bulkhead } from './bulkhead.decorator.js';
import { CircuitBreaker } from './circuit-breaker.decorator.js';
import { currentExecuteContext } from './execute-context.js';
import { Fallback } from './fallback.decorator.js';
import { RateLimit } from './rate-limit.decorator.js';
import { Retry } from './retry.decorator.js';
import { Timeout } from './timeout.decorator.js';
import { drive } from '../test/serve.js';

const EXPECTED_ORDER =
  'fallback(recover) → bulkhead(2, queue 0) → timeout(5000ms, cooperative) → retry(maxAttempts=3, constant 0ms) → ' +
  'circuitBreaker(Scrambled.{method}, closed, timeout=none, resetTimeout=30000ms) → rateLimiter(token-bucket, 10/1000ms, burst=10, maxWaitMs=0)';

@Injectable()
class Scrambled {
  calls = 0;
  attempts: Array<number | undefined> = [];

  // Written inner to outer...
  @RateLimit({ mode: 'token-bucket', limit: 10, intervalMs: 1000 })
  @CircuitBreaker({ timeout: false, slidingWindow: { kind: 'consecutive', failures: 5 } })
  @Retry({ maxAttempts: 3, backoff: { kind: 'constant', delayMs: 0 } })
  @Timeout({ timeoutMs: 5000 })
  @Bulkhead({ maxConcurrent: 2 })
  @Fallback('recover')
  async forwards(fail: number): Promise<string> {
    return this.work(fail);
  }

  // ...and in no order at all: the order they run in is the same.
  @Retry({ maxAttempts: 3, backoff: { kind: 'constant', delayMs: 0 } })
  @Fallback('recover')
  @RateLimit({ mode: 'token-bucket', limit: 10, intervalMs: 1000 })
  @Bulkhead({ maxConcurrent: 2 })
  @CircuitBreaker({ timeout: false, slidingWindow: { kind: 'consecutive', failures: 5 } })
  @Timeout({ timeoutMs: 5000 })
  async shuffled(fail: number): Promise<string> {
    return this.work(fail);
  }

  recover(fail: number, error: unknown): string {
    return `recovered ${fail} from ${(error as Error).message} (this ok: ${this instanceof Scrambled})`;
  }

  private work(fail: number): string {
    this.calls++;
    this.attempts.push(currentExecuteContext()?.attempt);
    if (this.calls <= fail) throw new Error(`attempt ${this.calls} failed`);
    return `done after ${this.calls}`;
  }
}

@Injectable()
@Retry({ maxAttempts: 2, backoff: { kind: 'constant', delayMs: 0 } })
@Fallback((...args: unknown[]) => `fn fallback for ${String(args[0])}: ${(args.at(-1) as Error).message}`)
class ClassLevel implements OnModuleInit {
  calls: string[] = [];
  inits = 0;

  onModuleInit(): void {
    this.inits++;
  }

  async first(id: string): Promise<string> {
    this.calls.push(`first ${id}`);
    throw new Error('first down');
  }

  @Retry('shared')
  @Fallback('spare')
  async second(): Promise<string> {
    this.calls.push('second');
    throw new Error('second down');
  }

  spare(error: unknown): string {
    this.calls.push('spare');
    return `spare: ${(error as Error).message}`;
  }

  @SetMetadata('other:library', 'kept')
  @CircuitBreaker()
  async tagged(): Promise<string> {
    return 'tagged';
  }
}

async function compile(metadata: ModuleMetadata): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  moduleRef.useLogger(false);
  return moduleRef.init();
}

let open: TestingModule[] = [];
afterEach(async () => {
  await Promise.all(open.map((m) => m.close()));
  open = [];
});

async function boot(providers: ModuleMetadata['providers'], policies?: RegistryOptions['policies']) {
  const clock = new ManualClock(0);
  const registry = createRegistry({ clock, policies });
  const moduleRef = await compile({ imports: [BulwarkModule.forRoot({ registry, metrics: false })], providers });
  open.push(moduleRef);
  return { moduleRef, registry, clock, explorer: moduleRef.get(BulwarkExplorer) };
}

describe('provider methods', () => {
  it('run in the one fixed order, whatever order the decorators are written in', async () => {
    const { explorer } = await boot([Scrambled]);
    expect(explorer.describe(Scrambled, 'forwards')).toBe(EXPECTED_ORDER.replace('{method}', 'forwards'));
    expect(explorer.describe(Scrambled, 'shuffled')).toBe(EXPECTED_ORDER.replace('{method}', 'shuffled'));
    expect(explorer.describe(Scrambled, 'recover')).toBeUndefined();
  });

  it('nest as described: the bulkhead and timeout see one call, the breaker and limiter every attempt', async () => {
    const { moduleRef, registry, clock } = await boot([Scrambled]);
    const service = moduleRef.get(Scrambled);
    // The retries wait 0 ms on the registry's ManualClock: drive fires those timers as they are armed.
    const result = await drive(clock, service.shuffled(2));
    expect(result).toBe('done after 3');
    expect(service.attempts).toEqual([1, 2, 3]);
    const name = 'Scrambled.shuffled';
    expect(registry.get('bulkhead', name)?.metrics()).toMatchObject({ accepted: 1, completed: 1 });
    expect(registry.get('timeout', name)?.metrics()).toMatchObject({ calls: 1, timedOut: 0 });
    expect(registry.get('retry', name)?.metrics()).toMatchObject({ successfulWithRetry: 1 });
    expect(registry.get('breaker', name)?.metrics()).toMatchObject({ fires: 3, failures: 2, successes: 1 });
    expect(registry.get('rateLimiter', name)?.metrics()).toMatchObject({ permitted: 3 });
  });

  it('answer with the fallback method, called with the arguments and the error, once retries are spent', async () => {
    const { moduleRef, clock } = await boot([Scrambled]);
    const service = moduleRef.get(Scrambled);
    expect(await drive(clock, service.forwards(5))).toBe('recovered 5 from Gave up after 3 attempts (maxAttempts reached); last error: Error: attempt 3 failed (this ok: true)');
    expect(service.calls).toBe(3);
  });

  it('answer with the fallback only for the errors shouldHandle accepts', async () => {
    @Injectable()
    class Picky {
      @Fallback(() => 'substitute', { shouldHandle: (error) => error instanceof TypeError })
      async run(error: Error): Promise<string> {
        throw error;
      }
    }
    const { moduleRef } = await boot([Picky]);
    const picky = moduleRef.get(Picky);
    await expect(picky.run(new TypeError('handled'))).resolves.toBe('substitute');
    await expect(picky.run(new RangeError('not handled'))).rejects.toThrow(new RangeError('not handled'));
  });

  it('are wrapped once, even when the instance is reached under two tokens', async () => {
    const { moduleRef, registry, clock } = await boot([Scrambled, { provide: 'ALIAS', useExisting: Scrambled }]);
    const service = moduleRef.get(Scrambled);
    expect(moduleRef.get<Scrambled>('ALIAS')).toBe(service);
    await expect(drive(clock, service.forwards(0))).resolves.toBe('done after 1');
    expect(service.calls).toBe(1);
    expect(registry.get('bulkhead', 'Scrambled.forwards')?.metrics().accepted).toBe(1);
    expect(registry.get('breaker', 'Scrambled.forwards')?.metrics().fires).toBe(1);
  });

  it('a class-level decorator covers every method but lifecycle hooks and fallbacks; a method’s own overrides it', async () => {
    const { moduleRef, registry, clock, explorer } = await boot([ClassLevel], { shared: { retry: { maxAttempts: 3, backoff: { kind: 'constant', delayMs: 0 } } } });
    const service = moduleRef.get(ClassLevel);
    expect(service.inits).toBe(1);
    await expect(drive(clock, service.first('x'))).resolves.toBe('fn fallback for x: Gave up after 2 attempts (maxAttempts reached); last error: Error: first down');
    await expect(drive(clock, service.second())).resolves.toMatch(/^spare: Gave up after 3 attempts/);
    expect(service.calls).toEqual(['first x', 'first x', 'second', 'second', 'second', 'spare']);
    expect(explorer.describe(ClassLevel, 'onModuleInit')).toBeUndefined();
    expect(explorer.describe(ClassLevel, 'spare')).toBeUndefined();
    expect(explorer.describe(ClassLevel, 'first')).toBe('fallback(function) → retry(maxAttempts=2, constant 0ms)');
    expect(explorer.describe(ClassLevel, 'tagged')).toMatch(/^fallback\(function\) → retry\(maxAttempts=2, constant 0ms\) → circuitBreaker\(ClassLevel\.tagged, /);
    expect(registry.get('retry', 'shared')).toBeDefined();
    expect(registry.get('retry', 'ClassLevel.second')).toBeUndefined();
  });

  it('keep their name, length and other libraries’ metadata', async () => {
    const { moduleRef } = await boot([ClassLevel]);
    const service = moduleRef.get(ClassLevel);
    expect(Object.prototype.hasOwnProperty.call(service, 'tagged')).toBe(true); // wrapped on the instance
    expect(service.tagged.name).toBe('tagged');
    expect(Reflect.getMetadata('other:library', service.tagged)).toBe('kept');
    expect(ClassLevel.prototype.tagged).not.toBe(service.tagged); // the class itself is untouched
  });

  it('are left alone, with a warning, on a provider that is not a singleton', async () => {
    @Injectable({ scope: Scope.TRANSIENT })
    class Transient {
      @Retry()
      async call(): Promise<string> {
        return 'plain';
      }
    }
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const { moduleRef, explorer } = await boot([Transient]);
      const instance = await moduleRef.resolve(Transient);
      expect(Object.prototype.hasOwnProperty.call(instance, 'call')).toBe(false);
      expect(explorer.describe(Transient, 'call')).toBeUndefined();
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('Transient.call has Bulwark decorators but Transient is not a singleton provider'));
    } finally {
      warn.mockRestore();
    }
  });
});

describe('start-up errors', () => {
  it('name the decorator, the method and the field of a policy the registry cannot build', async () => {
    @Injectable()
    class NoLimit {
      @Bulkhead()
      async run(): Promise<string> {
        return 'ran';
      }
    }
    await expect(boot([NoLimit])).rejects.toThrow(/^@Bulkhead on NoLimit\.run: .*maxConcurrent/);
  });

  it('refuse one name asked for with two different option sets', async () => {
    @Injectable()
    class Conflict {
      @CircuitBreaker({ name: 'db', resetTimeout: 1000 })
      async a(): Promise<string> {
        return 'a';
      }
      @CircuitBreaker({ name: 'db', resetTimeout: 2000 })
      async b(): Promise<string> {
        return 'b';
      }
    }
    await expect(boot([Conflict])).rejects.toThrow(/^@CircuitBreaker on Conflict\.b: registry: a breaker named "db" exists already with other options/);
  });

  it('refuse a fallback method that does not exist', async () => {
    @Injectable()
    class Missing {
      @Fallback('nope')
      async run(): Promise<string> {
        return 'ran';
      }
    }
    await expect(boot([Missing])).rejects.toThrow('@Fallback on Missing.run: Missing has no method "nope"');
  });

  it('refuse a fallback by method name on a controller that is not a singleton', async () => {
    @Controller({ path: 'r', scope: Scope.REQUEST })
    class PerRequest {
      @Get()
      @Fallback('spare')
      run(): string {
        return 'x';
      }
      spare(): string {
        return 'y';
      }
    }
    const registry = createRegistry();
    await expect(compile({ imports: [BulwarkModule.forRoot({ registry, metrics: false })], controllers: [PerRequest] })).rejects.toThrow(
      '@Fallback("spare") on PerRequest.run: PerRequest is not a singleton, so there is no instance to call the method on; pass a function instead',
    );
  });

  it('refuse two BulwarkModules in one application', async () => {
    @Module({ imports: [BulwarkModule.forRoot({ metrics: false, policies: { a: { retry: {} } } })] })
    class FeatureA {}
    @Module({ imports: [BulwarkModule.forRoot({ metrics: false, policies: { b: { retry: {} } } })] })
    class FeatureB {}
    await expect(compile({ imports: [FeatureA, FeatureB] })).rejects.toThrow(/BulwarkModule: imported more than once with different options/);
  });
});

describe('currentExecuteContext', () => {
  it('is undefined outside a policy call', () => {
    expect(currentExecuteContext()).toBeUndefined();
  });

  it('gives a provider method its signal, aborted by a cooperative @Timeout', async () => {
    @Injectable()
    class Slow {
      @Timeout({ timeoutMs: 100 })
      async run(): Promise<string> {
        const signal = currentExecuteContext()?.signal;
        return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error(`aborted: ${String(signal.reason)}`))));
      }
    }
    const { moduleRef, clock } = await boot([Slow]);
    const pending = moduleRef.get(Slow).run();
    clock.advance(100);
    await expect(pending).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });
});

