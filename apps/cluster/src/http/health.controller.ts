import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { HealthCheckResult, HealthIndicatorResult } from '@nestjs/terminus';
import { BulwarkHealthIndicator } from '@bulwark/nestjs/terminus';
import { CLUSTER_RUNTIME } from '../cluster/cluster.constants.js';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';

/**
 * `GET /health` through terminus: **down** (503) when the Raft node has stopped (its storage
 * failed, or the member is shutting down) or the `kv` bulkhead is full; **up** otherwise, with
 * the role, term and leader in the details (a member with no leader is up: it is healthy and
 * waiting for an election).
 */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(BulwarkHealthIndicator) private readonly bulwark: BulwarkHealthIndicator,
    @Inject(CLUSTER_RUNTIME) private readonly runtime: ClusterRuntime,
  ) {}

  /** Terminus's check of both indicators. */
  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.raft(), () => this.bulwark.isHealthy('bulwark', { names: ['kv'] })]);
  }

  /** The Raft node's indicator: down once the node stopped. */
  raft(): HealthIndicatorResult<'raft'> {
    const s = this.runtime.node.status();
    const session = this.indicators.check('raft');
    const data = { id: s.id, role: s.role, term: s.term, leader: s.leaderId ?? null, appliedIndex: s.appliedIndex };
    return s.stopped ? session.down({ ...data, stopped: true }) : session.up(data);
  }
}
