import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { BULWARK_REGISTRY } from '@bulwark/nestjs';
import { BulwarkHealthIndicator } from '@bulwark/nestjs/terminus';
import { CLUSTER_RUNTIME, SAGAS_SERVICE, TRANSACTIONS_SERVICE } from './cluster/cluster.constants.js';
import type { ClusterRuntime } from './cluster/cluster-runtime.js';
import { ClusterController } from './http/cluster.controller.js';
import { HealthController } from './http/health.controller.js';
import { JsonExceptionFilter } from './http/json-exception.filter.js';
import { KvController } from './http/kv.controller.js';
import { MetricsController } from './http/metrics.controller.js';
import { StatusPageController } from './http/status-page.controller.js';
import { SagasController } from './sagas/sagas.controller.js';
import { SagasLifecycle } from './sagas/sagas-lifecycle.js';
import type { SagasService } from './sagas/sagas-service.js';
import { TransactionsController } from './transactions/transactions.controller.js';
import { TransactionsLifecycle } from './transactions/transactions-lifecycle.js';
import type { TransactionsService } from './transactions/transactions-service.js';

/**
 * The cluster member's Nest module, over a {@link ClusterRuntime} built beforehand: the KV and
 * cluster controllers, `/health` (terminus, with `@bulwark/nestjs`'s indicator over the
 * member's registry), `/metrics` (the runtime's prom-client registry: the policy metrics and the
 * Raft collector of `@bulwark/prometheus`), the status page, and `/transactions` (two-phase
 * commit over the member's {@link TransactionsService}, started and stopped with the app), and
 * `/sagas` (the orders saga demo over the member's {@link SagasService}, resumed and closed with it).
 */
@Module({})
export class AppModule {
  static forRuntime(runtime: ClusterRuntime, transactions: TransactionsService, sagas: SagasService): DynamicModule {
    return {
      module: AppModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [KvController, ClusterController, HealthController, MetricsController, StatusPageController, TransactionsController, SagasController],
      providers: [
        { provide: CLUSTER_RUNTIME, useValue: runtime },
        { provide: TRANSACTIONS_SERVICE, useValue: transactions },
        TransactionsLifecycle,
        { provide: SAGAS_SERVICE, useValue: sagas },
        SagasLifecycle,
        // The terminus indicator of @bulwark/nestjs reads the member's registry under this token.
        // BulwarkModule itself is not imported: its global interceptor would wrap every request in
        // observables for decorators this app does not use (~6% of a put's CPU in a profile).
        { provide: BULWARK_REGISTRY, useValue: runtime.registry },
        BulwarkHealthIndicator,
        { provide: APP_FILTER, useClass: JsonExceptionFilter },
      ],
    };
  }
}
