/**
 * A server process of the http suite, started with `fork(server.js, [caseId])`: builds that
 * case's app, listens on an ephemeral port of 127.0.0.1, reports `{ type: 'ready', port }`
 * over IPC, answers `{ type: 'stats' }` with its registry's policies, and exits when the
 * suite disconnects or kills it.
 */
import { createRegistry } from '@bulwark/core';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createExpressApp } from './express-apps.js';
import { httpCase } from './http-cases.js';
import type { HttpCaseId } from './http-cases.js';
import { createNestApp } from './nest-apps.js';
import { snapshotPolicies } from './policy-snapshot.js';
import type { ServerMessage } from './server-protocol.js';
import { isStatsRequest } from './server-protocol.js';

const HOST = '127.0.0.1';

function send(message: ServerMessage): void {
  process.send?.(message);
}

async function listen(id: HttpCaseId, registry: ReturnType<typeof createRegistry> | undefined): Promise<Server> {
  if (id === 'express' || id === 'express-bulwark') {
    const app = createExpressApp(registry);
    return new Promise<Server>((resolve, reject) => {
      const server = app.listen(0, HOST, (error?: Error) => (error ? reject(error) : resolve(server)));
    });
  }
  const app = await createNestApp(registry);
  await app.listen(0, HOST);
  return app.getHttpServer() as Server;
}

async function main(): Promise<void> {
  if (process.send === undefined) throw new Error('server.js runs as a child of the http suite (fork with IPC)');
  const spec = httpCase(process.argv[2] ?? '');
  const registry = spec.policies.length > 0 ? createRegistry() : undefined;
  process.on('message', (message) => {
    if (isStatsRequest(message)) send({ type: 'stats', policies: registry === undefined ? [] : snapshotPolicies(registry) });
  });
  // The suite going away (or failing) must not leave a server behind.
  process.on('disconnect', () => process.exit(0));
  const server = await listen(spec.id, registry);
  send({ type: 'ready', port: (server.address() as AddressInfo).port });
}

main().catch((error: unknown) => {
  send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  process.disconnect?.();
});
