import { PolicyRegistry, createRegistry } from '@bulwark/core';
import { ManualClock } from '@bulwark/core/testing';
import { Inject, Injectable, Module } from '@nestjs/common';
import type { ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { TestingModule } from '@nestjs/testing';
import { BULWARK_REGISTRY } from './bulwark.constants.js';
import { BulwarkModule } from './bulwark.module.js';
import { BULWARK_MODULE_OPTIONS } from './bulwark.module-definition.js';
import type { BulwarkModuleOptions, BulwarkOptionsFactory } from './bulwark-module-options.interface.js';

const CONFIG = Symbol('CONFIG');

/** Stands in for a configuration module (the README shows @nestjs/config's ConfigService). */
@Module({ providers: [{ provide: CONFIG, useValue: { paymentsAttempts: 4 } }], exports: [CONFIG] })
class FakeConfigModule {}

@Injectable()
class OptionsFromClass implements BulwarkOptionsFactory {
  createBulwarkOptions(): BulwarkModuleOptions {
    return { policies: { fromClass: { bulkhead: { maxConcurrent: 3 } } } };
  }
}

/** Needs the registry, without importing BulwarkModule. */
@Injectable()
class Consumer {
  constructor(@Inject(BULWARK_REGISTRY) readonly registry: PolicyRegistry) {}
}

@Module({ providers: [Consumer], exports: [Consumer] })
class FeatureModule {}

const open: TestingModule[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
});

async function compile(metadata: ModuleMetadata): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  moduleRef.useLogger(false);
  open.push(moduleRef);
  return moduleRef.init();
}

describe('BulwarkModule.forRoot', () => {
  it('creates a registry from the options, provided under BULWARK_REGISTRY and the PolicyRegistry class', async () => {
    const moduleRef = await compile({ imports: [BulwarkModule.forRoot({ metrics: false, policies: { payments: { retry: {}, breaker: {} } } })] });
    const registry = moduleRef.get<PolicyRegistry>(BULWARK_REGISTRY);
    expect(registry).toBeInstanceOf(PolicyRegistry);
    expect(moduleRef.get(PolicyRegistry)).toBe(registry);
    expect(registry.all().map((e) => `${e.kind}:${e.name}`)).toEqual(['retry:payments', 'breaker:payments']);
    expect(moduleRef.get(BULWARK_MODULE_OPTIONS)).toEqual({ policies: { payments: { retry: {}, breaker: {} } } }); // without the extras
  });

  it('hands budgets, clock and random to the registry it creates', async () => {
    const clock = new ManualClock(0);
    const moduleRef = await compile({
      imports: [
        BulwarkModule.forRoot({
          metrics: false,
          clock,
          random: () => 0.5,
          budgets: { outbound: { ratio: 0.5 } },
          policies: { quotes: { retry: { maxAttempts: 2, budget: 'outbound', backoff: { kind: 'exponential', initialDelayMs: 100, jitter: 'full' } } } },
        }),
      ],
    });
    const registry = moduleRef.get(PolicyRegistry);
    expect(registry.budget('outbound')).toBeDefined();
    const delays: number[] = [];
    registry.retry('quotes').onRetry((event) => delays.push(event.delayMs));
    let calls = 0;
    const pending = registry.retry('quotes').execute(() => (++calls === 1 ? Promise.reject(new Error('once')) : 'ok'));
    await clock.advanceAsync(49);
    expect(calls).toBe(1); // full jitter with random 0.5: half of 100 ms
    await clock.advanceAsync(1);
    await expect(pending).resolves.toBe('ok');
    expect(delays).toEqual([50]);
  });

  it('disposes of the registry it created when the application closes', async () => {
    const moduleRef = await compile({ imports: [BulwarkModule.forRoot({ metrics: false, policies: { payments: { breaker: {} } } })] });
    const registry = moduleRef.get(PolicyRegistry);
    const breaker = registry.breaker('payments');
    await moduleRef.close();
    expect(breaker.isShutdown).toBe(true);
    expect(() => registry.breaker('other')).toThrow('registry: it has been disposed');
  });

  it('uses a registry it is given as it is, and leaves it open on close', async () => {
    const registry = createRegistry({ policies: { payments: { breaker: {} } } });
    const moduleRef = await compile({ imports: [BulwarkModule.forRoot({ registry, metrics: false })] });
    expect(moduleRef.get(BULWARK_REGISTRY)).toBe(registry);
    await moduleRef.close();
    expect(registry.breaker('payments').isShutdown).toBe(false);
    registry.dispose();
  });

  it('with isGlobal, makes the registry injectable in modules that do not import it', async () => {
    const moduleRef = await compile({ imports: [BulwarkModule.forRoot({ isGlobal: true, metrics: false }), FeatureModule] });
    expect(moduleRef.get(Consumer).registry).toBe(moduleRef.get(BULWARK_REGISTRY));
  });

  it('without isGlobal, keeps the registry to the modules that import it', async () => {
    await expect(compile({ imports: [BulwarkModule.forRoot({ metrics: false }), FeatureModule] })).rejects.toThrow(/can't resolve dependencies of the Consumer/);
  });

  it('fails at start-up on a bad policy field, naming the policy and the field', async () => {
    await expect(compile({ imports: [BulwarkModule.forRoot({ metrics: false, policies: { payments: { retry: { maxAttempts: -1 } } } })] })).rejects.toThrow(
      'policies.payments.retry.maxAttempts must be a positive integer, got -1',
    );
  });

  it('refuses malformed options with a TypeError naming the option', async () => {
    const registry = createRegistry();
    const bad: Array<[unknown, string]> = [
      [{ registry, policies: {} }, 'BulwarkModule: options.registry cannot be combined with options.policies; configure the registry you pass instead'],
      [{ registry: {} }, 'BulwarkModule: options.registry must be a PolicyRegistry (from createRegistry()), got an object'],
      [{ gateway: 'yes' }, 'BulwarkModule: options.gateway must be a boolean, got "yes"'],
      [{ polices: {} }, 'BulwarkModule: options.polices is not an option (expected one of defaults, policies, budgets, clock, random, registry, gateway, isGlobal, metrics)'],
    ];
    for (const [options, message] of bad) {
      await expect(compile({ imports: [BulwarkModule.forRoot({ metrics: false, ...(options as BulwarkModuleOptions) })] })).rejects.toThrow(message);
    }
  });

  it('checks isGlobal and metrics when the module is defined', () => {
    expect(() => BulwarkModule.forRoot({ isGlobal: 'yes' as unknown as boolean })).toThrow('BulwarkModule: options.isGlobal must be a boolean, got "yes"');
    expect(() => BulwarkModule.forRoot({ metrics: true as unknown as false })).toThrow('BulwarkModule: options.metrics must be an object or false, got true');
    expect(() => BulwarkModule.forRoot({ metrics: { path: '' } })).toThrow('BulwarkModule: options.metrics.path must be a non-empty string, got ""');
    expect(BulwarkModule.forRoot({ isGlobal: undefined, metrics: undefined })).toMatchObject({ global: false, controllers: [expect.any(Function)] });
  });
});

describe('BulwarkModule.forRootAsync', () => {
  it('takes the options from a factory, with inject and imports', async () => {
    const moduleRef = await compile({
      imports: [
        BulwarkModule.forRootAsync({
          imports: [FakeConfigModule],
          inject: [CONFIG],
          useFactory: (config: { paymentsAttempts: number }) => ({ policies: { payments: { retry: { maxAttempts: config.paymentsAttempts } } } }),
          metrics: false,
        }),
      ],
    });
    expect(moduleRef.get(PolicyRegistry).retry('payments').maxAttempts).toBe(4);
  });

  it('takes the options from a class with createBulwarkOptions()', async () => {
    const moduleRef = await compile({ imports: [BulwarkModule.forRootAsync({ useClass: OptionsFromClass, metrics: false })] });
    expect(moduleRef.get(PolicyRegistry).get('bulkhead', 'fromClass')?.maxConcurrent).toBe(3);
  });

  it('takes isGlobal beside the factory', async () => {
    const moduleRef = await compile({ imports: [BulwarkModule.forRootAsync({ useFactory: () => ({}), isGlobal: true, metrics: false }), FeatureModule] });
    expect(moduleRef.get(Consumer).registry).toBe(moduleRef.get(BULWARK_REGISTRY));
  });

  it('fails at start-up on a bad policy field from the factory', async () => {
    const imports = [BulwarkModule.forRootAsync({ useFactory: async () => ({ defaults: { bulkhead: { maxConcurrent: 0 } } }), metrics: false })];
    await expect(compile({ imports })).rejects.toThrow(/^defaults\.bulkhead\.maxConcurrent must be/);
  });

  it('refuses metrics or isGlobal returned by the factory, and a factory that returns no object', async () => {
    const returnsMetrics = [BulwarkModule.forRootAsync({ useFactory: () => ({ metrics: false }) as BulwarkModuleOptions, metrics: false })];
    await expect(compile({ imports: returnsMetrics })).rejects.toThrow('BulwarkModule: options.metrics must be given to forRootAsync itself, not returned by useFactory');
    const returnsGlobal = [BulwarkModule.forRootAsync({ useFactory: () => ({ isGlobal: true }) as BulwarkModuleOptions, metrics: false })];
    await expect(compile({ imports: returnsGlobal })).rejects.toThrow('BulwarkModule: options.isGlobal must be given to forRootAsync itself');
    const returnsNull = [BulwarkModule.forRootAsync({ useFactory: () => null as unknown as BulwarkModuleOptions, metrics: false })];
    await expect(compile({ imports: returnsNull })).rejects.toThrow('BulwarkModule: the options must be an object, got null');
  });
});
