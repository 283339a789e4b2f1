// examples/metrics-server.ts
import { createServer } from 'node:http';
import { createRegistry } from '@bulwark/core';
import type { Clock } from '@bulwark/core';
import { registerMetrics } from '@bulwark/prometheus';
import { register } from 'prom-client';

/** A payments pipeline whose policies are served at /metrics, on prom-client's global register. */
export function paymentsWithMetrics(clock?: Clock) {
  const registry = createRegistry({
    clock, // tests pass a ManualClock
    policies: { payments: { bulkhead: { maxConcurrent: 10 }, retry: { maxAttempts: 3 }, breaker: { resetTimeout: 10_000 } } },
  });
  const metrics = registerMetrics(registry); // or registerMetrics(registry, { register, prefix })
  const server = createServer(async (request, response) => {
    if (request.url !== '/metrics') return response.writeHead(404).end();
    response.setHeader('Content-Type', register.contentType);
    response.end(await register.metrics());
  });
  server.on('close', () => metrics.unregister());
  return { payments: registry.pipeline('payments'), server };
}
