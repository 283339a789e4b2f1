import { createRegistry } from '@bulwark/core';
import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNestApp } from './nest-apps.js';
import { snapshotPolicies } from './policy-snapshot.js';
import { getOnce } from './server-process.js';

async function serve(app: INestApplication): Promise<number> {
  await app.listen(0, '127.0.0.1');
  return ((app.getHttpServer() as Server).address() as AddressInfo).port;
}

describe('createNestApp', () => {
  it('answers GET / with 200 hello, with no policy', async () => {
    const app = await createNestApp();
    try {
      expect(await getOnce(await serve(app))).toEqual({ status: 200, body: 'hello' });
    } finally {
      await app.close();
    }
  });

  it('with a registry, runs the handler through its @Bulkhead and @CircuitBreaker, in that registry', async () => {
    const registry = createRegistry();
    const app = await createNestApp(registry);
    try {
      const port = await serve(app);
      expect(await getOnce(port)).toEqual({ status: 200, body: 'hello' });
      expect(await getOnce(port)).toEqual({ status: 200, body: 'hello' });
      const policies = snapshotPolicies(registry);
      expect(policies.map((p) => `${p.kind} ${p.name}`).sort()).toEqual(['breaker HelloController.hello', 'bulkhead HelloController.hello']);
      expect(policies.find((p) => p.kind === 'bulkhead')).toMatchObject({ accepted: 2, rejected: 0 });
      expect(policies.find((p) => p.kind === 'breaker')).toMatchObject({ closed: true });
    } finally {
      await app.close();
      registry.dispose();
    }
  });
});
