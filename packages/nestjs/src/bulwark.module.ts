import { PolicyRegistry } from '@bulwark/core';
import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { BULWARK_REGISTRY } from './bulwark.constants.js';
import { BulwarkExplorer } from './bulwark.explorer.js';
import { BulwarkInterceptor } from './bulwark.interceptor.js';
import { ConfigurableBulwarkModule } from './bulwark.module-definition.js';
import { registryProviders } from './bulwark-registry.providers.js';

/**
 * Bulwark for NestJS: a registry of named policies, the decorators that apply them, error
 * responses for their rejections, and a `/metrics` route. Import it once, in the root module:
 *
 * - `BulwarkModule.forRoot(options)`: `options` are core's `createRegistry` options
 *   (`defaults`, `policies`, `budgets`, `clock`, `random`) or an existing `registry`, plus
 *   `gateway`, and the extras `isGlobal` (default false) and `metrics` (default `{}`:
 *   `/metrics` on prom-client's global register; `false`: none);
 * - `BulwarkModule.forRootAsync({ imports, inject, useFactory })` (or `useClass`/`useExisting`
 *   with `createBulwarkOptions()`): the same options from a factory; `isGlobal` and `metrics`
 *   go beside `useFactory`, not in what it returns.
 *
 * It provides and exports the `PolicyRegistry` (under `BULWARK_REGISTRY` and the
 * `PolicyRegistry` class) and `BulwarkExplorer`, and registers a global interceptor. A bad
 * configuration fails when the application starts, naming the policy and field.
 *
 * @throws TypeError from `forRoot`/`forRootAsync` when `isGlobal` or `metrics` is malformed
 * @example
 * @Module({
 *   imports: [BulwarkModule.forRoot({ policies: { payments: { retry: {}, breaker: { resetTimeout: 10_000 } } } })],
 *   controllers: [PaymentsController],
 * })
 * export class AppModule {}
 */
@Module({
  imports: [DiscoveryModule],
  providers: [...registryProviders, BulwarkExplorer, { provide: APP_INTERCEPTOR, useClass: BulwarkInterceptor }],
  exports: [BULWARK_REGISTRY, PolicyRegistry, BulwarkExplorer],
})
export class BulwarkModule extends ConfigurableBulwarkModule {}
