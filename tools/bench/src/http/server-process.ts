/**
 * The suite's side of a server process: forks `server.js` for one case, waits until it
 * listens, checks that it answers `GET /` with 200 `hello`, asks it for its policies, and
 * stops it (SIGTERM, then waits for the exit).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { HttpCase } from './http-cases.js';
import { HELLO } from './http-cases.js';
import type { PolicySnapshot } from './policy-snapshot.js';
import type { ServerMessage } from './server-protocol.js';
import { isServerMessage } from './server-protocol.js';

const SERVER_SCRIPT = fileURLToPath(new URL('./server.js', import.meta.url));
/** How long a server may take to start or to answer over IPC, in ms (Nest starts in well under 1 s). */
const IPC_TIMEOUT_MS = 30_000;

/** How {@link startServer} launches the server. */
export interface StartOptions {
  /**
   * Runs the server under another program: `command ...args node ...nodeArgs server.js <case>`
   * (for example valgrind), which must run node in its own process so that the pid and the
   * IPC channel are node's.
   */
  readonly wrapper?: { readonly command: string; readonly args: readonly string[]; readonly nodeArgs?: readonly string[] };
  /** Drops the server's stdout and stderr (valgrind's banner) instead of passing them through. */
  readonly quiet?: boolean;
  /** How long the server may take to start, in ms; default 30 s (valgrind needs minutes). */
  readonly startTimeoutMs?: number;
}

/** A running server process. */
export interface ServerProcess {
  readonly pid: number;
  readonly port: number;
  /** The policies in the server's registry now. */
  policies(): Promise<readonly PolicySnapshot[]>;
  /** Throws if the process has exited (it should run until {@link stop}). */
  assertAlive(): void;
  /** Sends SIGTERM and resolves once the process has exited. */
  stop(): Promise<void>;
}

function nextMessage<T extends ServerMessage['type']>(child: ChildProcess, type: T, what: string, timeoutMs = IPC_TIMEOUT_MS): Promise<Extract<ServerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => settle(new Error(`${what}: no '${type}' message within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: unknown): void => {
      if (!isServerMessage(message)) settle(new Error(`${what}: unexpected IPC message ${JSON.stringify(message)}`));
      else if (message.type === 'failed') settle(new Error(`${what}: the server failed: ${message.message}`));
      else if (message.type === type) settle(undefined, message as Extract<ServerMessage, { type: T }>);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      settle(new Error(`${what}: the server exited (code ${String(code)}, signal ${String(signal)}) before sending '${type}'`));
    function settle(error: Error | undefined, message?: Extract<ServerMessage, { type: T }>): void {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(message as Extract<ServerMessage, { type: T }>);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** `GET http://127.0.0.1:<port>/` on a fresh connection: status and body. */
export function getOnce(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Forks the server of `spec`, waits for it to listen and checks that `GET /` answers 200
 * `hello`.
 *
 * @throws Error (rejection) when the server fails to start, exits, or answers anything else;
 *   the process is stopped first
 */
export async function startServer(spec: HttpCase, options: StartOptions = {}): Promise<ServerProcess> {
  const what = `${spec.label} server`;
  // Under valgrind, valgrind runs node in its own process (same pid), which inherits the IPC channel.
  const launch = options.wrapper === undefined ? {} : { execPath: options.wrapper.command, execArgv: [...options.wrapper.args, process.execPath, ...(options.wrapper.nodeArgs ?? [])] };
  const child = fork(SERVER_SCRIPT, [spec.id], {
    execArgv: [],
    ...launch,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', options.quiet === true ? 'ignore' : 'inherit', options.quiet === true ? 'ignore' : 'inherit', 'ipc'],
  });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const stop = async (): Promise<void> => {
    if (!exited) child.kill('SIGTERM');
    await exit;
  };
  try {
    const { port } = await nextMessage(child, 'ready', what, options.startTimeoutMs);
    const answer = await getOnce(port);
    if (answer.status !== 200 || answer.body !== HELLO) {
      throw new Error(`${what}: GET / answered ${answer.status} ${JSON.stringify(answer.body.slice(0, 200))}, expected 200 ${JSON.stringify(HELLO)}`);
    }
    const pid = child.pid;
    if (pid === undefined) throw new Error(`${what}: the process has no pid`);
    return {
      pid,
      port,
      policies: async () => {
        const reply = nextMessage(child, 'stats', what, options.startTimeoutMs);
        child.send({ type: 'stats' });
        return (await reply).policies;
      },
      assertAlive: () => {
        if (exited) throw new Error(`${what}: the process exited during the run`);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
