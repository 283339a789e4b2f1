/**
 * Starts and stops real `redis-server` processes on 127.0.0.1 for the tests. The server binary
 * is `$REDIS_SERVER` or `redis-server` on the PATH (`.ci/run` installs Debian's); each server
 * gets a free port, no persistence, and is killed when the test is done with it.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

/** A running server. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** SIGKILL: the server dies at once, as in a crash. Resolves once the process has exited. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after 2 s. Resolves once the process has exited. */
  stop(): Promise<void>;
}

const binary = process.env.REDIS_SERVER ?? 'redis-server';

/** A port that was free a moment ago: bind port 0, read the port, close. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** One PING over a raw socket; resolves true on +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function startOnce(port: number): Promise<RedisServer | undefined> {
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await Promise.race([spawnError, ping(port)]);
    // Not `instanceof Error`: the spawn error comes from Node's realm, not the test's (Jest runs
    // tests in a vm context), so it would be truthy below and pass for a PONG.
    if (typeof answer !== 'boolean') {
      throw new Error(`cannot start ${binary} (${answer.message}): install Debian's redis-server (apt-get install redis-server) or set REDIS_SERVER`, { cause: answer });
    }
    if (answer) break;
    if (child.exitCode !== null) return undefined; // lost the port to someone else: try again
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${binary} on port ${port} did not answer PING within 10 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited(child);
      clearTimeout(timer);
    },
  };
}

/**
 * Starts a server and waits until it answers PING: on `port` (to bring a killed server back
 * where its clients expect it), or on a free port.
 */
export async function startRedisServer(port?: number): Promise<RedisServer> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const server = await startOnce(port ?? (await freePort()));
    if (server !== undefined) return server;
  }
  throw new Error(`${binary} exited before answering PING three times (port${port === undefined ? 's' : ` ${port}`} taken?)`);
}
