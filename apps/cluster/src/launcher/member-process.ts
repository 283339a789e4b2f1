import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { LauncherError } from './launcher-error.js';

/** How a member's process ended: its exit code, or the signal that ended it. */
export interface MemberExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Everything needed to (re)start one member's process. */
export interface MemberSpec {
  readonly id: string;
  readonly url: string;
  /** The executable (the launcher uses `process.execPath`) and its arguments (the entry script). */
  readonly command: string;
  readonly args: readonly string[];
  /** The child's whole environment. */
  readonly env: NodeJS.ProcessEnv;
  /** Receives every line the child prints, prefixed with `[id] `, and the launcher's notes about it. */
  readonly log: (line: string) => void;
  /** How long the child may take to print `ready <id> <url>`. */
  readonly readyTimeoutMs: number;
}

/** How many of the child's last output lines an error quotes. */
const TAIL_LINES = 12;

/** Children still alive, killed if the launching process exits without stopping them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // 'exit' handlers must be synchronous: kill() is. SIGKILL also ends a stopped (SIGSTOP) process.
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  live.add(child);
}

/**
 * One member's process: spawned from a {@link MemberSpec}, started once its `ready` line
 * appears, its output forwarded line by line with the member's id in front, and signalled,
 * paused, resumed and killed on request. A member can be started again after it exited
 * (same id, port, environment and data directory).
 */
export class MemberProcess {
  readonly spec: MemberSpec;
  #child: ChildProcess | undefined;
  #exited: Promise<MemberExit> | undefined;
  #paused = false;
  #tail: string[] = [];

  /** @param spec what to run; nothing is spawned until {@link MemberProcess.start} */
  constructor(spec: MemberSpec) {
    this.spec = spec;
  }

  /** The running process's id, `undefined` while none runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** True from spawn until the process has exited. */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /** True while the process is stopped by SIGSTOP ({@link MemberProcess.pause}). */
  get paused(): boolean {
    return this.#paused;
  }

  /**
   * Spawns the process and resolves once it printed `ready <id> <url>`.
   *
   * @throws {LauncherError} `'alreadyRunning'`; `'memberExited'` when it exits first (the message
   *   quotes its last lines of output); `'readyTimeout'` after `readyTimeoutMs` (it is killed)
   */
  start(): Promise<void> {
    const { id } = this.spec;
    if (this.#child !== undefined) return Promise.reject(new LauncherError('alreadyRunning', `member ${id} is already running (pid ${String(this.pid)})`, id));
    this.#tail = [];
    this.#paused = false;
    const child = spawn(this.spec.command, [...this.spec.args], { env: this.spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    track(child);

    let onReady: (() => void) | undefined;
    const ready = new Promise<void>((resolve) => {
      onReady = resolve;
    });
    const forward = (stream: NodeJS.ReadableStream | null, isStdout: boolean): void => {
      if (stream === null) return;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        this.#remember(line);
        this.spec.log(`[${id}] ${line}`);
        if (isStdout && onReady !== undefined && isReadyLine(line, id)) {
          onReady();
          onReady = undefined;
        }
      });
    };
    forward(child.stdout, true);
    forward(child.stderr, false);

    this.#exited = new Promise<MemberExit>((resolve) => {
      let spawnError: Error | undefined;
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (this.#child !== child) return;
        this.#child = undefined;
        this.#paused = false;
        live.delete(child);
        if (spawnError !== undefined) this.#remember(`could not start: ${spawnError.message}`);
        this.spec.log(`[${id}] exited (${signal === null ? `code ${String(code)}` : signal})`);
        resolve({ code, signal });
      };
      child.once('error', (error) => {
        spawnError = error;
        // A process that never started may emit no 'close': settle here too.
        if (child.pid === undefined) finish(null, null);
      });
      child.once('close', finish);
    });
    const exited = this.#exited;

    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new LauncherError('readyTimeout', `member ${id} printed no "ready ${id} <url>" line within ${this.spec.readyTimeoutMs} ms${this.#tailText()}`, id));
        child.kill('SIGKILL');
      }, this.spec.readyTimeoutMs);
      void ready.then(() => {
        clearTimeout(timer);
        resolve();
      });
      void exited.then((exit) => {
        clearTimeout(timer);
        reject(new LauncherError('memberExited', `member ${id} exited (${describeExit(exit)}) before it was ready${this.#tailText()}`, id));
      });
    });
  }

  /**
   * Sends `signal` and resolves when the process has exited. A paused process is continued
   * first, so it can act on the signal. Any signal but SIGKILL is followed by SIGKILL when the
   * process is still alive after `graceMs`. Resolves at once when nothing runs.
   */
  async kill(signal: NodeJS.Signals, graceMs: number): Promise<MemberExit | undefined> {
    const child = this.#child;
    const exited = this.#exited;
    if (child === undefined || exited === undefined) return undefined;
    child.kill(signal);
    if (this.#paused && signal !== 'SIGKILL') child.kill('SIGCONT');
    if (signal === 'SIGKILL') return exited;
    const timer = setTimeout(() => {
      if (this.#child !== child) return;
      this.spec.log(`[${this.spec.id}] still running ${graceMs} ms after ${signal}: sending SIGKILL`);
      child.kill('SIGKILL');
    }, graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGSTOP: the process stops answering (its sockets stay open), as a stalled machine would. */
  pause(): void {
    this.#requireRunning().kill('SIGSTOP');
    this.#paused = true;
  }

  /** SIGCONT after {@link MemberProcess.pause}. */
  resume(): void {
    this.#requireRunning().kill('SIGCONT');
    this.#paused = false;
  }

  #requireRunning(): ChildProcess {
    const child = this.#child;
    if (child === undefined) throw new LauncherError('notRunning', `member ${this.spec.id} is not running`, this.spec.id);
    return child;
  }

  #remember(line: string): void {
    this.#tail.push(line);
    if (this.#tail.length > TAIL_LINES) this.#tail.shift();
  }

  #tailText(): string {
    return this.#tail.length === 0 ? '; it printed nothing' : `; its last output:\n  ${this.#tail.join('\n  ')}`;
  }
}

/** True for the app's `ready <id> <url>` line. */
export function isReadyLine(line: string, id: string): boolean {
  const parts = line.trim().split(/\s+/);
  return parts.length === 3 && parts[0] === 'ready' && parts[1] === id;
}

function describeExit(exit: MemberExit): string {
  return exit.signal === null ? `code ${String(exit.code)}` : `signal ${exit.signal}`;
}
