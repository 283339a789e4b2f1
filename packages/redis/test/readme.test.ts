import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { redisCache } from '../examples/redis-cache.js';
import { startRedisServer } from './support/redis-server.js';
import type { RedisServer } from './support/redis-server.js';

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

describe('examples/redis-cache.ts', () => {
  const servers: RedisServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  });

  it('caches over two servers, each key on one of them, with the default TTL', async () => {
    servers.push(await startRedisServer(), await startRedisServer());
    const { cache, close } = await redisCache<number>({ east: servers[0].url, west: servers[1].url });
    let loads = 0;
    for (let i = 0; i < 20; i++) await cache.getOrLoad(`n:${i}`, async () => (loads++, i * i));
    for (let i = 0; i < 20; i++) await expect(cache.getOrLoad(`n:${i}`, async () => -1)).resolves.toBe(i * i);
    expect(loads).toBe(20);
    expect(cache.metrics()).toMatchObject({ hits: 20, misses: 20 });
    expect(new Set(Array.from({ length: 20 }, (_, i) => cache.nodeFor(`n:${i}`)))).toEqual(new Set(['east', 'west']));
    await close();
    const inspector = createClient({ url: cache.nodeFor('n:3') === 'east' ? servers[0].url : servers[1].url });
    await inspector.connect();
    await expect(inspector.get('cache:n:3')).resolves.toBe('9');
    const ttl = await inspector.pTTL('cache:n:3');
    expect(ttl).toBeGreaterThan(290_000);
    expect(ttl).toBeLessThanOrEqual(300_000);
    inspector.destroy();
  });
});
