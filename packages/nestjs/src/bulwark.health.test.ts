import { ManualClock, deferred } from '@bulwark/core/testing';
import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { PLATFORMS, closeAll, serve } from '../test/serve.js';
import type { Platform } from '../test/serve.js';
import { BulwarkModule } from './bulwark.module.js';
import { BulwarkHealthIndicator } from './terminus.js';
import { PolicyRegistry } from '@bulwark/core';

@Controller('health')
class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(BulwarkHealthIndicator) private readonly bulwark: BulwarkHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.bulwark.isHealthy()]);
  }

  @Get('critical')
  @HealthCheck()
  critical() {
    return this.health.check([() => this.bulwark.isHealthy('policies', { names: ['payments'] })]);
  }
}

async function boot(platform: Platform) {
  const clock = new ManualClock(0);
  const served = await serve(
    {
      imports: [
        BulwarkModule.forRoot({
          clock,
          metrics: false,
          policies: { payments: { breaker: { resetTimeout: 1000 } }, search: { breaker: {} }, uploads: { bulkhead: { maxConcurrent: 1, maxQueued: 1 } } },
        }),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [HealthController],
      providers: [BulwarkHealthIndicator],
    },
    platform,
  );
  return { clock, registry: served.moduleRef.get(PolicyRegistry), ...served };
}

afterEach(closeAll);

describe.each(PLATFORMS)('BulwarkHealthIndicator on %s', (platform) => {
  it('is up while no breaker is open and no bulkhead is full', async () => {
    const { request } = await boot(platform);
    const reply = await request('/health');
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ status: 'ok', info: { bulwark: { status: 'up', openBreakers: [], fullBulkheads: [] } } });
  });

  it('is down, with terminus’s 503, while a breaker is open or isolated, and up again once it half-opens', async () => {
    const { clock, registry, request } = await boot(platform);
    registry.breaker('payments').open();
    const isolation = registry.breaker('search').isolate();
    const down = await request('/health');
    expect(down.status).toBe(503);
    expect(down.json()).toMatchObject({ status: 'error', error: { bulwark: { status: 'down', openBreakers: ['payments', 'search'], fullBulkheads: [] } } });
    isolation.dispose();
    clock.advance(1000); // payments half-opens: trial calls go through
    expect((await request('/health')).status).toBe(200);
  });

  it('is down while a bulkhead has every slot busy and its queue full, not merely busy', async () => {
    const { registry, request } = await boot(platform);
    const uploads = registry.bulkhead('uploads');
    const release = deferred<void>();
    const running = uploads.execute(() => release.promise);
    expect((await request('/health')).status).toBe(200); // the slot is busy, the queue still has room
    const waiting = uploads.execute(() => undefined);
    const down = await request('/health');
    expect(down.status).toBe(503);
    expect(down.json()).toMatchObject({ error: { bulwark: { fullBulkheads: ['uploads'] } } });
    release.resolve();
    await Promise.all([running, waiting]);
    expect((await request('/health')).status).toBe(200);
  });

  it('counts only the names given, under the key given', async () => {
    const { registry, request } = await boot(platform);
    registry.breaker('search').open();
    const reply = await request('/health/critical');
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ info: { policies: { status: 'up', openBreakers: [] } } });
    registry.breaker('payments').open();
    expect((await request('/health/critical')).json()).toMatchObject({ error: { policies: { status: 'down', openBreakers: ['payments'] } } });
  });
});
