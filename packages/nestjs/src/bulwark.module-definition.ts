import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { DynamicModule, Provider, Type } from '@nestjs/common';
import { register as globalRegister } from 'prom-client';
import { BULWARK_METRICS_OPTIONS, BULWARK_PROM_REGISTER } from './bulwark.constants.js';
import { createMetricsController } from './bulwark-metrics.controller.js';
import { BulwarkMetricsExporter } from './bulwark-metrics.exporter.js';
import type { BulwarkModuleExtras, BulwarkModuleOptions } from './bulwark-module-options.interface.js';
import { show } from './policy-decorator.js';

const EXTRAS: Required<BulwarkModuleExtras> = { isGlobal: false, metrics: {} };

/** Checks the extras when `forRoot`/`forRootAsync` is called, that is when the importing module is defined. */
function checkExtras(extras: BulwarkModuleExtras): void {
  if (typeof extras.isGlobal !== 'boolean') throw new TypeError(`BulwarkModule: options.isGlobal must be a boolean, got ${show(extras.isGlobal)}`);
  const metrics = extras.metrics;
  if (metrics === false) return;
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) {
    throw new TypeError(`BulwarkModule: options.metrics must be an object or false, got ${show(metrics)}`);
  }
  if (metrics.path !== undefined && (typeof metrics.path !== 'string' || metrics.path.length === 0)) {
    throw new TypeError(`BulwarkModule: options.metrics.path must be a non-empty string, got ${show(metrics.path)}`);
  }
}

/** Adds what the extras ask for: globality, and the metrics controller with its exporter. */
function withExtras(definition: DynamicModule, given: BulwarkModuleExtras): DynamicModule {
  // An extra passed as `undefined` takes its default, as a missing one does.
  const extras = { isGlobal: given.isGlobal ?? EXTRAS.isGlobal, metrics: given.metrics ?? EXTRAS.metrics };
  checkExtras(extras);
  const metrics = extras.metrics;
  const providers: Provider[] = [...(definition.providers ?? []), { provide: BULWARK_METRICS_OPTIONS, useValue: metrics }];
  const controllers: Type[] = [];
  if (metrics !== false) {
    const { path = '/metrics', ...exporterOptions } = metrics;
    providers.push({ provide: BULWARK_PROM_REGISTER, useValue: exporterOptions.register ?? globalRegister }, BulwarkMetricsExporter);
    controllers.push(createMetricsController(path));
  }
  return { ...definition, global: extras.isGlobal, providers, controllers };
}

const definition = new ConfigurableModuleBuilder<BulwarkModuleOptions>({ moduleName: 'Bulwark' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createBulwarkOptions')
  .setExtras<BulwarkModuleExtras>(EXTRAS, withExtras)
  .build();

/**
 * @internal The `forRoot`/`forRootAsync` pair, built the Nest way (`ConfigurableModuleBuilder`),
 * with `isGlobal` and `metrics` as extras and `createBulwarkOptions` as the options factory method.
 */
export const ConfigurableBulwarkModule = definition.ConfigurableModuleClass;

/**
 * The injection token of the options `forRoot` was given or `forRootAsync`'s factory returned,
 * as they were (without `isGlobal` and `metrics`), for code that needs to read them.
 *
 * @example
 * constructor(@Inject(BULWARK_MODULE_OPTIONS) options: BulwarkModuleOptions) {}
 */
export const BULWARK_MODULE_OPTIONS: string | symbol = definition.MODULE_OPTIONS_TOKEN;

/**
 * What `BulwarkModule.forRootAsync` takes: `imports`, `inject` and `useFactory` (or `useClass` /
 * `useExisting`, whose `createBulwarkOptions()` gives the options), plus the extras `isGlobal`
 * and `metrics`.
 */
export type BulwarkModuleAsyncOptions = typeof definition.ASYNC_OPTIONS_TYPE;
