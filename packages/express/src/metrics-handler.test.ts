import { createRegistry, defaultRegistry, resetDefaultRegistry } from '@bulwark/core';
import type { PolicyRegistry } from '@bulwark/core';
import { ManualClock } from '@bulwark/core/testing';
import { registerMetrics } from '@bulwark/prometheus';
import express from 'express';
import { Registry, register as globalRegister } from 'prom-client';
import type { RegistryContentType } from 'prom-client';
import { appErrorHandler, closeServers, listen } from '../test/http.js';
import { bulkhead } from './bulkhead.js';
import { circuitBreaker } from './circuit-breaker.js';
import { metricsHandler } from './metrics-handler.js';
import { rateLimit } from './rate-limit.js';

afterEach(closeServers);

describe('metricsHandler()', () => {
  let previous: PolicyRegistry | undefined;
  let clock: ManualClock;
  beforeEach(() => {
    clock = new ManualClock();
    previous = resetDefaultRegistry(createRegistry({ clock }));
  });
  afterEach(() => {
    globalRegister.clear();
    defaultRegistry().dispose();
    resetDefaultRegistry(previous);
  });

  it('with no options, serves prom-client’s global register with every policy of the default registry on it', async () => {
    const app = express();
    app.get('/work', circuitBreaker(), bulkhead({ maxConcurrent: 4 }), rateLimit({ mode: 'token-bucket', limit: 10, intervalMs: 1_000, clock }), (_req, res) => {
      res.send('done');
    });
    app.get('/metrics', metricsHandler());
    const url = await listen(app);
    expect(await (await fetch(`${url}/work`)).text()).toBe('done');

    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toContain('bulwark_circuit_breaker_state{name="express:GET /work",state="closed"} 1');
    expect(text).toContain('bulwark_bulkhead_max_concurrent_calls{name="express:GET /work"} 4');
    expect(text).toContain('bulwark_rate_limiter_permitted_calls_total{name="express:GET /work"} 1');
  });

  it('registers the metrics once, however many handlers are created', async () => {
    const app = express();
    app.get('/a', metricsHandler());
    app.get('/b', metricsHandler());
    const url = await listen(app);
    defaultRegistry().bulkhead('pool', { maxConcurrent: 2 });
    for (const path of ['/a', '/b']) {
      const text = await (await fetch(`${url}${path}`)).text();
      expect(text.match(/^# TYPE bulwark_bulkhead_active_calls gauge$/gm)).toHaveLength(1);
      expect(text).toContain('bulwark_bulkhead_active_calls{name="pool"} 0');
    }
  });

  it('serves a given register and registry, in OpenMetrics when asked', async () => {
    const register = new Registry();
    const registry = createRegistry({ clock, policies: { pool: { bulkhead: { maxConcurrent: 3 } } } });
    const app = express();
    app.get('/metrics', metricsHandler({ register, registry, contentType: 'openmetrics' }));
    const url = await listen(app);
    const response = await fetch(`${url}/metrics`);
    expect(response.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const text = await response.text();
    expect(text).toContain('bulwark_bulkhead_max_concurrent_calls{name="pool"} 3');
    expect(text).toContain('bulwark_bulkhead_accepted_calls_total{name="pool"} 0');
    expect(text.endsWith('# EOF\n')).toBe(true);
    expect(globalRegister.getSingleMetric('bulwark_bulkhead_active_calls')).toBeUndefined();
    registry.dispose();
  });

  it('serves Prometheus text from an OpenMetrics register when asked', async () => {
    const register = new Registry<RegistryContentType>();
    register.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const app = express();
    app.get('/metrics', metricsHandler({ register, contentType: 'prometheus' }));
    const url = await listen(app);
    const response = await fetch(`${url}/metrics`);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await response.text()).not.toContain('# EOF');
  });

  it('serves the metrics as they are when the app registered them on the register itself', async () => {
    const register = new Registry();
    const registry = createRegistry({ clock, policies: { pool: { bulkhead: { maxConcurrent: 1 } } } });
    const handle = registerMetrics(registry, { register });
    const app = express();
    app.get('/metrics', metricsHandler({ register, registry }));
    const url = await listen(app);
    expect(await (await fetch(`${url}/metrics`)).text()).toContain('bulwark_bulkhead_max_concurrent_calls{name="pool"} 1');
    handle.unregister();
    registry.dispose();
  });

  it('passes a failed collection to the app’s error handler', async () => {
    const register = new Registry();
    register.metrics = () => Promise.reject(new Error('collect failed'));
    const app = express();
    app.get('/metrics', metricsHandler({ register }));
    const seen: unknown[] = [];
    app.use(appErrorHandler(seen));
    const url = await listen(app);
    expect(await (await fetch(`${url}/metrics`)).text()).toBe('app: collect failed');
  });

  it('refuses bad options at creation', () => {
    expect(() => metricsHandler({ register: {} as never })).toThrow(new TypeError('metricsHandler: options.register must be a prom-client Registry, got an object'));
    expect(() => metricsHandler({ registry: 5 as never })).toThrow(/^metricsHandler: options\.registry must be a PolicyRegistry/);
    expect(() => metricsHandler({ contentType: 'json' as never })).toThrow(new TypeError(`metricsHandler: options.contentType must be 'prometheus' or 'openmetrics', got "json"`));
    expect(() => metricsHandler({ path: '/metrics' } as never)).toThrow(/^metricsHandler: options\.path is not an option/);
  });
});
