import { createRegistry } from '@bulwark/core';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createExpressApp } from './express-apps.js';
import { snapshotPolicies } from './policy-snapshot.js';
import { getOnce } from './server-process.js';

async function serve(app: ReturnType<typeof createExpressApp>): Promise<{ server: Server; port: number }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { server, port: (server.address() as AddressInfo).port };
}

const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

describe('createExpressApp', () => {
  it('answers GET / with 200 hello, with no policy', async () => {
    const { server, port } = await serve(createExpressApp());
    try {
      expect(await getOnce(port)).toEqual({ status: 200, body: 'hello' });
    } finally {
      await close(server);
    }
  });

  it('with a registry, runs GET / through a bulkhead and a breaker of that registry', async () => {
    const registry = createRegistry();
    const { server, port } = await serve(createExpressApp(registry));
    try {
      expect(await getOnce(port)).toEqual({ status: 200, body: 'hello' });
      expect(await getOnce(port)).toEqual({ status: 200, body: 'hello' });
      const policies = snapshotPolicies(registry);
      expect(policies.map((p) => p.kind)).toEqual(['bulkhead', 'breaker']);
      expect(policies[0]).toMatchObject({ accepted: 2, rejected: 0, description: expect.stringContaining('1000') });
      expect(policies[1]).toMatchObject({ closed: true, description: expect.stringContaining('timeout=none') });
    } finally {
      await close(server);
      registry.dispose();
    }
  });
});
