import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { deferred } from '@bulwark/core/testing';
import { sheddingServer } from '../examples/handler.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('README.md', () => {
  it('shows examples/handler.ts byte for byte', () => {
    const readme = readFileSync(`${packageDir}README.md`, 'utf8');
    const block = /^```ts\n(\/\/ examples\/handler\.ts\n[\s\S]*?)^```$/m.exec(readme)?.[1];
    expect(block).toBe(readFileSync(`${packageDir}examples/handler.ts`, 'utf8'));
  });
});

describe('examples/handler.ts', () => {
  it('answers the 11th concurrent request with 503 and a JSON body, and the app’s own errors with 500', async () => {
    const gate = deferred<string>();
    let fail = false;
    let started = 0;
    const server = sheddingServer(() => {
      started++;
      return fail ? Promise.reject(new Error('bug')) : gate.promise;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const held = Array.from({ length: 10 }, () => fetch(url));
      // Yield to the event loop (no timer) until all ten hold a slot: the eleventh is then shed.
      while (started < 10) await new Promise((resolve) => setImmediate(resolve));
      const shed = await fetch(url);
      expect(shed.status).toBe(503);
      expect(shed.headers.get('content-type')).toBe('application/json');
      expect(await shed.json()).toMatchObject({ error: { code: 'EBULKHEADREJECTED' } });
      gate.resolve('ok');
      const bodies = await Promise.all(held.map(async (p) => (await p).text()));
      expect(bodies).toEqual(Array(10).fill('ok'));
      fail = true;
      expect((await fetch(url)).status).toBe(500);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
