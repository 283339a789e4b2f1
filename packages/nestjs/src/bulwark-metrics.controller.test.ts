import { PolicyRegistry, createRegistry } from '@bulwark/core';
import { Registry, register as globalRegister } from 'prom-client';
import type { OpenMetricsContentType } from 'prom-client';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { PLATFORMS, closeAll, serve } from '../test/serve.js';
import { BulwarkModule } from './bulwark.module.js';
import type { BulwarkModuleExtras } from './bulwark-module-options.interface.js';

afterEach(closeAll);

const policies = { payments: { breaker: {}, bulkhead: { maxConcurrent: 5 } } };

describe.each(PLATFORMS)('the metrics controller on %s', (platform) => {
  const boot = (extras: BulwarkModuleExtras) => serve({ imports: [BulwarkModule.forRoot({ policies, ...extras })] }, platform);

  it('serves prom-client’s global register at /metrics by default, with the module registry’s series', async () => {
    const { request } = await boot({});
    const reply = await request('/metrics');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe(globalRegister.contentType);
    expect(reply.text).toContain('# TYPE bulwark_circuit_breaker_state gauge');
    expect(reply.text).toContain('bulwark_bulkhead_max_concurrent_calls{name="payments"} 5');
  });

  it('removes its series from the register when the application closes', async () => {
    const { close } = await boot({});
    expect(globalRegister.getSingleMetric('bulwark_circuit_breaker_state')).toBeDefined();
    await close();
    expect(globalRegister.getSingleMetric('bulwark_circuit_breaker_state')).toBeUndefined();
  });

  it('registers its series once when init hooks run twice (a testing module initialised, then an app over it)', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [BulwarkModule.forRoot({ policies })] }).compile();
    await moduleRef.init();
    const app = moduleRef.createNestApplication(platform === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(), { logger: false });
    try {
      await app.init();
      expect(globalRegister.getSingleMetric('bulwark_circuit_breaker_state')).toBeDefined();
    } finally {
      await app.close();
      await moduleRef.close();
    }
    expect(globalRegister.getSingleMetric('bulwark_circuit_breaker_state')).toBeUndefined();
  });

  it('takes a path, a prom-client registry and a prefix', async () => {
    const register = new Registry();
    const { request } = await boot({ metrics: { path: '/internal/metrics', register, prefix: 'svc_' } });
    const reply = await request('/internal/metrics');
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('svc_bulkhead_max_concurrent_calls{name="payments"} 5');
    expect(reply.text).not.toContain('bulwark_');
    expect((await request('/metrics')).status).toBe(404);
    expect(globalRegister.getSingleMetric('bulwark_circuit_breaker_state')).toBeUndefined();
  });

  it('passes durationBuckets on to the breaker call-duration histogram', async () => {
    const register = new Registry();
    const { moduleRef, request } = await boot({ metrics: { register, durationBuckets: [0.25, 4] } });
    await moduleRef.get(PolicyRegistry).breaker('payments').execute(() => 'ok');
    const text = (await request('/metrics')).text;
    expect(text).toMatch(/bulwark_circuit_breaker_call_duration_seconds_bucket\{le="0\.25",.*\} 1/);
    expect(text).toMatch(/bulwark_circuit_breaker_call_duration_seconds_bucket\{le="4",/);
    expect(text).not.toContain('le="0.005"');
  });

  it('answers with the register’s own content type (OpenMetrics)', async () => {
    const register = new Registry<OpenMetricsContentType>();
    register.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const { request } = await boot({ metrics: { register } });
    const reply = await request('/metrics');
    expect(reply.headers.get('content-type')).toBe(Registry.OPENMETRICS_CONTENT_TYPE);
    expect(reply.text).toContain('# EOF');
  });

  it('with metrics: false, adds neither the route nor the series', async () => {
    const { request } = await boot({ metrics: false });
    expect((await request('/metrics')).status).toBe(404);
    expect(globalRegister.getSingleMetric('bulwark_circuit_breaker_state')).toBeUndefined();
  });

  it('serves a registry it was given, created elsewhere', async () => {
    const registry = createRegistry({ policies: { search: { rateLimiter: { mode: 'token-bucket', limit: 5, intervalMs: 1000 } } } });
    const served = await serve({ imports: [BulwarkModule.forRoot({ registry })] }, platform);
    expect((await served.request('/metrics')).text).toContain('name="search"');
    await served.close();
    registry.dispose();
  });
});
