import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { BulwarkModule } from '@bulwark/nestjs';
import { BulwarkHealthIndicator } from '@bulwark/nestjs/terminus';
import { CLUSTER_RUNTIME } from './cluster/cluster.constants.js';
import type { ClusterRuntime } from './cluster/cluster-runtime.js';
import { ClusterController } from './http/cluster.controller.js';
import { HealthController } from './http/health.controller.js';
import { JsonExceptionFilter } from './http/json-exception.filter.js';
import { KvController } from './http/kv.controller.js';
import { StatusPageController } from './http/status-page.controller.js';

/**
 * The cluster member's Nest module, over a {@link ClusterRuntime} built beforehand: the KV and
 * cluster controllers, `/health` (terminus), `/metrics` (the runtime's prom-client registry,
 * with the policy metrics of `@bulwark/prometheus` added by `BulwarkModule` and the Raft
 * collector added by the runtime) and the status page.
 */
@Module({})
export class AppModule {
  static forRuntime(runtime: ClusterRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        BulwarkModule.forRoot({ registry: runtime.registry, isGlobal: true, metrics: { register: runtime.register, path: '/metrics' } }),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [KvController, ClusterController, HealthController, StatusPageController],
      providers: [
        { provide: CLUSTER_RUNTIME, useValue: runtime },
        BulwarkHealthIndicator,
        { provide: APP_FILTER, useClass: JsonExceptionFilter },
      ],
    };
  }
}
