// The cluster member: `node apps/cluster/dist/main.js` with NODE_ID, PORT, PEERS, DATA_DIR and
// CLUSTER_TOKEN in the environment (see README.md). Prints `ready <id> <url>` once listening;
// stops gracefully on SIGTERM or SIGINT (exit 0); exits 1 when its Raft node stops on a failure.
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { LoggerService } from '@nestjs/common';
import { isConfigError } from './config/config-error.js';
import { loadConfig } from './config/cluster-config.js';
import type { ClusterConfig } from './config/cluster-config.js';
import { ClusterRuntime } from './cluster/cluster-runtime.js';
import { exitOnNodeFailure } from './cluster/exit-on-failure.js';
import { createClusterApp } from './create-app.js';

/** Nest's warnings and errors, on stderr: stdout carries only the `ready` line. */
const stderrLogger: LoggerService = {
  log: () => undefined,
  warn: (message: unknown) => process.stderr.write(`warn: ${String(message)}\n`),
  error: (message: unknown, ...rest: unknown[]) => {
    const more = rest.filter((part) => part !== undefined).map(String);
    process.stderr.write(`error: ${message instanceof Error ? message.message : String(message)}${more.length > 0 ? ` (${more.join(', ')})` : ''}\n`);
  },
};

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

let config: ClusterConfig;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (isConfigError(error)) fail(`bulwark cluster: ${error.message}`, 2);
  throw error;
}

let runtime: ClusterRuntime;
try {
  runtime = ClusterRuntime.open(config);
} catch (error) {
  fail(`bulwark cluster: cannot open the data of ${config.nodeId}: ${error instanceof Error ? error.message : String(error)}`, 1);
}

// A node stopped by a failure (a failed fsync, say) would answer 503 for good: exit instead, so
// that a supervisor restarts the member and it replays its log.
exitOnNodeFailure(runtime.node, { log: (line) => process.stderr.write(`${line}\n`), exit: (code) => process.exit(code) });

const app = await createClusterApp(runtime, { logger: stderrLogger });
try {
  await app.listen(config.port, config.host);
} catch (error) {
  await runtime.stop();
  fail(`bulwark cluster: cannot listen on ${config.host}:${config.port}: ${error instanceof Error ? error.message : String(error)}`, 1);
}
const { port } = app.getHttpServer().address() as AddressInfo;
const host = config.host.includes(':') ? `[${config.host}]` : config.host;
const url = `http://${host}:${port}`;
// Peers listen on their configured URLs; this member's own entry is only for the others.
process.stdout.write(`ready ${config.nodeId} ${url}\n`);

let stopping = false;
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`${config.nodeId}: ${signal}, stopping\n`);
  const force = setTimeout(() => fail(`${config.nodeId}: did not stop within 10 s`, 1), 10_000);
  force.unref();
  try {
    await runtime.stop(); // pending requests answer 503; the log is closed
    await app.close();
    process.exit(0);
  } catch (error) {
    fail(`${config.nodeId}: error while stopping: ${error instanceof Error ? error.message : String(error)}`, 1);
  }
}
process.once('SIGTERM', (signal) => void stop(signal));
process.once('SIGINT', (signal) => void stop(signal));
