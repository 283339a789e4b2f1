import type { PolicyRegistry } from '@bulwark/core';
import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { BULWARK_REGISTRY } from './bulwark.constants.js';

/** Options of {@link BulwarkHealthIndicator.isHealthy}. */
export interface BulwarkHealthOptions {
  /**
   * Only these registry names decide the status (default: every breaker and bulkhead of the
   * registry). Use it to leave out dependencies the service can live without.
   */
  readonly names?: readonly string[];
}

/** The data of the indicator's result, beside `status`. */
export interface BulwarkHealthData {
  /** Names of breakers that refuse calls: state `'open'` or `'isolated'`. */
  readonly openBreakers: string[];
  /** Names of bulkheads that refuse the next call: every slot busy and the queue full. */
  readonly fullBulkheads: string[];
  /** Index signature, as terminus's result data requires. */
  readonly [key: string]: unknown;
}

/**
 * A `@nestjs/terminus` health indicator over the module's registry, imported from
 * `@bulwark/nestjs/terminus` so that the main entry point never loads terminus.
 *
 * `isHealthy(key)` is **down** when any breaker of the registry is open (state `'open'` or
 * `'isolated'`: calls are refused; half-open counts as up, since it lets trial calls through)
 * or any bulkhead is full (`activeCount >= maxConcurrent` and `queuedCount >= maxQueued`: the
 * next call is rejected), and **up** otherwise. Both lists are in the result either way:
 * `{ [key]: { status, openBreakers, fullBulkheads } }`. Terminus's `HealthCheckService.check()`
 * answers 503 when an indicator is down. Provide it in a module that imports `TerminusModule`
 * and sees the registry (make `BulwarkModule` global, or provide it beside `forRoot`).
 *
 * @example
 * @Controller('health')
 * class HealthController {
 *   constructor(private readonly health: HealthCheckService, private readonly bulwark: BulwarkHealthIndicator) {}
 *   @Get() @HealthCheck()
 *   check() { return this.health.check([() => this.bulwark.isHealthy('bulwark')]); }
 * }
 */
@Injectable()
export class BulwarkHealthIndicator {
  constructor(
    @Inject(HealthIndicatorService) private readonly health: HealthIndicatorService,
    @Inject(BULWARK_REGISTRY) private readonly registry: PolicyRegistry,
  ) {}

  /**
   * The status of the registry's breakers and bulkheads, under `key`.
   *
   * @param key the result's key (default `'bulwark'`)
   * @param options `names`: only these instances decide (default: all)
   */
  isHealthy<const Key extends string = 'bulwark'>(key: Key = 'bulwark' as Key, options: BulwarkHealthOptions = {}): HealthIndicatorResult<Key> {
    const names = options.names === undefined ? undefined : new Set(options.names);
    const data: BulwarkHealthData = { openBreakers: [], fullBulkheads: [] };
    for (const entry of this.registry.all()) {
      if (names !== undefined && !names.has(entry.name)) continue;
      if (entry.kind === 'breaker') {
        const state = entry.policy.state;
        if (state === 'open' || state === 'isolated') data.openBreakers.push(entry.name);
      } else if (entry.kind === 'bulkhead') {
        const m = entry.policy.metrics();
        if (m.activeCount >= m.maxConcurrent && m.queuedCount >= m.maxQueued) data.fullBulkheads.push(entry.name);
      }
    }
    const session = this.health.check(key);
    return data.openBreakers.length > 0 || data.fullBulkheads.length > 0 ? session.down(data) : session.up(data);
  }
}
