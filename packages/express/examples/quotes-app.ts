// examples/quotes-app.ts
import express from 'express';
import type { Clock } from '@bulwark/core';
import { bulkhead, circuitBreaker, errorHandler, metricsHandler, rateLimit } from '@bulwark/express';

/** A quotes API that limits each client, sheds load, fails fast while its feed is down, and serves /metrics. */
export function quotesApp(quote: (symbol: string) => Promise<number>, clock?: Clock) {
  const app = express();
  app.get('/metrics', metricsHandler()); // prom-client's global register, with every Bulwark policy on it
  app.use('/api', rateLimit({ mode: 'token-bucket', limit: 20, intervalMs: 1_000, clock })); // per client IP, then 429
  app.use('/api', bulkhead({ maxConcurrent: 50, maxQueued: 100, queueTimeoutMs: 2_000 })); // beyond that, 503
  const feed = circuitBreaker({ name: 'feed', slidingWindow: { kind: 'count', size: 20 }, volumeThreshold: 5, resetTimeout: 10_000 });
  app.get('/api/quotes/:symbol', feed, async (req, res) => {
    const symbol = String(req.params.symbol);
    res.json({ symbol, price: await quote(symbol) });
  });
  app.use(errorHandler()); // Bulwark errors thrown by handlers become 503/429 too; the app's own go on
  return app;
}
