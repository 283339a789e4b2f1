import type { PolicyRegistry } from '@bulwark/core';
import { registerMetrics } from '@bulwark/prometheus';
import type { MetricsHandle } from '@bulwark/prometheus';
import { Inject, Injectable } from '@nestjs/common';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Registry, RegistryContentType } from 'prom-client';
import { BULWARK_METRICS_OPTIONS, BULWARK_PROM_REGISTER, BULWARK_REGISTRY } from './bulwark.constants.js';
import type { BulwarkMetricsOptions } from './bulwark-module-options.interface.js';

/**
 * @internal Applies `registerMetrics` of `@bulwark/prometheus` to the module's registry at
 * module init, and removes those metrics again when the module is destroyed, so an application
 * can be created and closed many times in one process (tests) on prom-client's global register.
 */
@Injectable()
export class BulwarkMetricsExporter implements OnModuleInit, OnModuleDestroy {
  private handle: MetricsHandle | undefined;

  constructor(
    @Inject(BULWARK_REGISTRY) private readonly registry: PolicyRegistry,
    @Inject(BULWARK_PROM_REGISTER) private readonly register: Registry<RegistryContentType>,
    @Inject(BULWARK_METRICS_OPTIONS) private readonly options: BulwarkMetricsOptions,
  ) {}

  onModuleInit(): void {
    if (this.handle !== undefined) return; // init hooks run again when a second context (app over a testing module) initialises
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the route is the controller's
    const { path, ...options } = this.options;
    this.handle = registerMetrics(this.registry, { ...options, register: this.register });
  }

  onModuleDestroy(): void {
    this.handle?.unregister();
    this.handle = undefined;
  }
}
