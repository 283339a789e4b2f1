// examples/health.module.ts
import { Controller, Get, Module } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { BulwarkModule } from '@bulwark/nestjs';
import { BulwarkHealthIndicator } from '@bulwark/nestjs/terminus';

@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthCheckService, private readonly bulwark: BulwarkHealthIndicator) {}

  @Get()
  @HealthCheck() // 503 while a breaker is open or a bulkhead is full
  check() {
    return this.health.check([() => this.bulwark.isHealthy('bulwark')]);
  }
}

@Module({
  imports: [BulwarkModule.forRoot({ policies: { payments: { breaker: {} } } }), TerminusModule],
  controllers: [HealthController],
  providers: [BulwarkHealthIndicator],
})
export class HealthModule {}
