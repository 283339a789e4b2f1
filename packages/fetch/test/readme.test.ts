import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRegistry } from '@bulwark/core';
import { ManualClock, seededRandom } from '@bulwark/core/testing';
import { catalogClient } from '../examples/catalog-client.js';
import { until } from './support/drive.js';
import { reply, startServer } from './support/test-server.js';
import type { TestServer } from './support/test-server.js';

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

describe('examples/catalog-client.ts', () => {
  let server: TestServer;
  afterEach(() => server.close());

  it('retries a 503 after its Retry-After, then reads the product', async () => {
    const clock = new ManualClock(Date.parse('2030-01-01T00:00:00Z'));
    const registry = createRegistry({ clock });
    server = await startServer([reply(503, { 'retry-after': '1' })], (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sku: req.url?.split('/').pop(), price: 12.5 }));
    });
    const product = catalogClient(server.url, { clock, registry, random: seededRandom(7) });
    const pending = product('sku 1');
    await until(() => clock.nextDueAt() === clock.now() + 1000); // the retry waits Retry-After, 1 s
    clock.advance(1000);
    await expect(pending).resolves.toEqual({ sku: 'sku%201', price: 12.5 });
    expect(server.requests).toHaveLength(2);
    expect(registry.all().map((e) => `${e.kind}:${e.name}`)).toEqual([`breaker:fetch:${server.url}`, `bulkhead:fetch:${server.url}`]);
    registry.dispose();
  });

  it('throws after the retries when the catalog keeps failing, and rejects with the caller’s reason', async () => {
    const clock = new ManualClock(0);
    const registry = createRegistry({ clock });
    server = await startServer([], reply(404));
    const product = catalogClient(server.url, { clock, registry });
    await expect(product('gone')).rejects.toThrow('catalog answered 404 for gone');
    const reason = new Error('user navigated away');
    await expect(product('x', AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(server.requests).toHaveLength(1);
    registry.dispose();
  });
});
