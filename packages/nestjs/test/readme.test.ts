/* eslint-disable @nx/enforce-module-boundaries -- the examples import the package by its public name, as users do */
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PolicyRegistry } from '@bulwark/core';
import { BulwarkExplorer } from '@bulwark/nestjs';
import { AppModule, PricesController } from '../examples/app.module.js';
import { HealthModule } from '../examples/health.module.js';
import { PLATFORMS, closeAll, serve } from './serve.js';

// README.md's code blocks that start with `// examples/<name>.ts` must be those files, byte for
// byte: the files are compiled by the typecheck target and run below, so the README cannot drift.
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(`${packageDir}README.md`, 'utf8');
const exampleFiles = readdirSync(`${packageDir}examples`).filter((name) => name.endsWith('.ts'));

/** Every ```ts block of the README whose first line names an example file: [path, content]. */
function exampleBlocks(markdown: string): Array<[string, string]> {
  const blocks: Array<[string, string]> = [];
  for (const match of markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
    const body = match[1];
    const path = /^\/\/ (examples\/[\w.-]+\.ts)\n/.exec(body)?.[1];
    if (path !== undefined) blocks.push([path, body]);
  }
  return blocks;
}

describe('README.md', () => {
  const blocks = exampleBlocks(readme);

  it('shows every example file', () => {
    expect(blocks.map(([path]) => path).sort()).toEqual(exampleFiles.map((name) => `examples/${name}`).sort());
  });

  it.each(blocks)('%s is byte-identical to the file', (path, body) => {
    expect(body).toBe(readFileSync(`${packageDir}${path}`, 'utf8'));
  });
});

afterEach(closeAll);

describe.each(PLATFORMS)('examples/app.module.ts on %s', (platform) => {
  let priceUp = true;
  let served = 0;
  const prices = createServer((req, res) => {
    served++;
    if (!priceUp) return void res.writeHead(500).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(String(req.url?.length));
  });
  const env = { ...process.env };

  beforeAll(async () => {
    await new Promise<void>((resolve) => prices.listen(0, '127.0.0.1', resolve));
    process.env.PRICES_URL = `http://127.0.0.1:${(prices.address() as AddressInfo).port}`;
    process.env.PRICES_ATTEMPTS = '1'; // through ConfigService: no retry waits on the real clock
  });
  afterAll(async () => {
    process.env = env;
    await new Promise((resolve) => prices.close(resolve));
  });

  it('reads the retry from ConfigService, answers prices, falls back while the service fails, and serves /metrics', async () => {
    priceUp = true;
    const { moduleRef, request } = await serve({ imports: [AppModule] }, platform);
    expect(moduleRef.get(PolicyRegistry).retry('prices').maxAttempts).toBe(1);
    expect(moduleRef.get(BulwarkExplorer).describe(PricesController, 'price')).toMatch(/^fallback\(unknown\) → retry\(maxAttempts=1, exponential full jitter\) → circuitBreaker\(prices, /);
    expect((await request('/prices/abc')).json()).toEqual({ price: 4 }); // the service's answer: the length of '/abc'
    priceUp = false;
    for (let i = 0; i < 2; i++) {
      const fallback = await request('/prices/abc');
      expect([fallback.status, fallback.json()]).toEqual([200, { price: null }]);
    }
    // 2 of 3 calls failed, above the default 50%: the breaker is open, the service is left alone.
    expect(moduleRef.get(PolicyRegistry).breaker('prices').opened).toBe(true);
    const before = served;
    expect((await request('/prices/abc')).json()).toEqual({ price: null });
    expect(served).toBe(before);
    const metrics = await request('/metrics');
    expect(metrics.text).toContain('bulwark_circuit_breaker_state{name="prices",state="open"} 1');
  });
});

describe.each(PLATFORMS)('examples/health.module.ts on %s', (platform) => {
  it('is healthy until the payments breaker opens', async () => {
    const { moduleRef, request } = await serve({ imports: [HealthModule] }, platform);
    expect((await request('/health')).json()).toEqual({
      status: 'ok',
      info: { bulwark: { status: 'up', openBreakers: [], fullBulkheads: [] } },
      error: {},
      details: { bulwark: { status: 'up', openBreakers: [], fullBulkheads: [] } },
    });
    moduleRef.get(PolicyRegistry).breaker('payments').open();
    const down = await request('/health');
    expect(down.status).toBe(503);
    expect(down.json()).toMatchObject({ status: 'error', error: { bulwark: { status: 'down', openBreakers: ['payments'] } } });
  });
});
