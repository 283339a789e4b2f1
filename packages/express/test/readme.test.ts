import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRegistry, defaultRegistry, resetDefaultRegistry } from '@bulwark/core';
import type { PolicyRegistry } from '@bulwark/core';
import { ManualClock } from '@bulwark/core/testing';
import { register } from 'prom-client';
import { quotesApp } from '../examples/quotes-app.js';
import { closeServers, listen } from './http.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('README.md', () => {
  it('shows examples/quotes-app.ts byte for byte', () => {
    const readme = readFileSync(`${packageDir}README.md`, 'utf8');
    const block = /^```ts\n(\/\/ examples\/quotes-app\.ts\n[\s\S]*?)^```$/m.exec(readme)?.[1];
    expect(block).toBe(readFileSync(`${packageDir}examples/quotes-app.ts`, 'utf8'));
  });
});

describe('examples/quotes-app.ts', () => {
  let previous: PolicyRegistry | undefined;
  let clock: ManualClock;
  beforeEach(() => {
    clock = new ManualClock();
    previous = resetDefaultRegistry(createRegistry({ clock })); // the breaker's reset timer runs on it
  });
  afterEach(async () => {
    await closeServers();
    register.clear();
    defaultRegistry().dispose();
    resetDefaultRegistry(previous);
  });

  it('serves quotes, opens the feed breaker after failures, limits each client, and shows it all on /metrics', async () => {
    let up = true;
    const url = await listen(quotesApp(async (symbol) => (up ? symbol.length : Promise.reject(new Error('feed down'))), clock));
    const get = (path: string) => fetch(`${url}${path}`);

    expect(await (await get('/api/quotes/ACME')).json()).toEqual({ symbol: 'ACME', price: 4 });
    up = false;
    for (let i = 0; i < 4; i++) expect((await get('/api/quotes/ACME')).status).toBe(500); // the app's own error
    const open = await get('/api/quotes/ACME'); // 4 of 5 failed: open, and the feed is not called
    expect([open.status, open.headers.get('retry-after')]).toEqual([503, '10']);
    expect(await open.json()).toMatchObject({ error: { code: 'EOPENBREAKER' } });

    for (let sent = 6; sent < 20; sent++) expect((await get('/api/quotes/ACME')).status).toBe(503);
    const limited = await get('/api/quotes/ACME'); // the 21st request within the second
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '1']);

    up = true;
    clock.advance(10_000); // the breaker lets a trial through, and the bucket has refilled
    expect((await get('/api/quotes/ACME')).status).toBe(200);

    const metrics = await (await get('/metrics')).text();
    expect(metrics).toContain('bulwark_circuit_breaker_state{name="feed",state="closed"} 1');
    expect(metrics).toContain('bulwark_bulkhead_max_concurrent_calls{name="express:/api/*"} 50');
    expect(metrics).toContain('bulwark_rate_limiter_rejected_calls_total{name="express:/api/*"} 1');
  });
});
