/**
 * The Express servers of the http suite: hello world, plain or behind @bulwark/express's
 * bulkhead and circuit breaker.
 */
import type { PolicyRegistry } from '@bulwark/core';
import { bulkhead, circuitBreaker } from '@bulwark/express';
import express from 'express';
import type { Express, Request, Response } from 'express';
import { BULKHEAD_OPTIONS, HELLO } from './http-cases.js';

function hello(_req: Request, res: Response): void {
  res.send(HELLO);
}

/**
 * An Express 5 app answering `GET /` with `hello`; with `registry`, the route runs through
 * `bulkhead(BULKHEAD_OPTIONS)` then `circuitBreaker()` first, both joining that registry.
 */
export function createExpressApp(registry?: PolicyRegistry): Express {
  const app = express();
  if (registry === undefined) app.get('/', hello);
  else app.get('/', bulkhead({ ...BULKHEAD_OPTIONS, registry }), circuitBreaker({ registry }), hello);
  return app;
}
