import { isLauncherError } from './launcher-error.js';
import { type LauncherArgs, launcherUsage, parseLauncherArgs } from './launcher-args.js';
import { type ClusterHandle, type StartClusterOptions, startCluster } from './start-cluster.js';

/** The signals the CLI stops on. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** Where the CLI hears SIGINT and SIGTERM: `process`, or an `EventEmitter` in tests. */
export interface SignalSource {
  on(event: StopSignal, listener: () => void): unknown;
  off(event: StopSignal, listener: () => void): unknown;
}

/** Options of {@link runLauncherCli}. */
export interface LauncherCliOptions {
  /** The arguments after the script (`process.argv.slice(2)`). */
  readonly argv: readonly string[];
  /** Standard output: the banner and the members' prefixed output. */
  readonly out: (line: string) => void;
  /** Standard error: usage errors and failures. */
  readonly err: (line: string) => void;
  /** SIGINT or SIGTERM from here stops the members. */
  readonly signals: SignalSource;
  /** Passed to {@link startCluster} (tests: `entry`, `readyTimeoutMs`, …). */
  readonly cluster?: Partial<Omit<StartClusterOptions, 'nodes' | 'basePort' | 'host' | 'dataDir' | 'log'>>;
  /** How long to wait for a leader after start; default 30000. */
  readonly leaderTimeoutMs?: number;
}

/**
 * The `npm start` / `npm run cluster -- --nodes 5` command: starts the members, waits for a
 * leader, prints the member URLs, the status page and sample `curl` commands, then runs until
 * SIGINT (Ctrl-C) or SIGTERM, when it stops every member.
 *
 * @returns the exit code: 0 after a stop on a signal (or `--help`), 2 for bad arguments, 1 when
 *   the cluster did not start or elected no leader (its members are stopped then too)
 */
export async function runLauncherCli(options: LauncherCliOptions): Promise<number> {
  const { out, err, signals } = options;
  let args: LauncherArgs | 'help';
  try {
    args = parseLauncherArgs(options.argv);
  } catch (error) {
    err(`error: ${(error as Error).message}`);
    return 2;
  }
  if (args === 'help') {
    out(launcherUsage);
    return 0;
  }

  let onSignal: ((signal: StopSignal) => void) | undefined;
  let signalled = undefined as StopSignal | undefined;
  const stopRequested = new Promise<StopSignal>((resolve) => {
    onSignal = (signal) => {
      if (signalled !== undefined) {
        out(`${signal} again: already stopping`);
        return;
      }
      signalled = signal;
      resolve(signal);
    };
  });
  const onSigint = (): void => onSignal?.('SIGINT');
  const onSigterm = (): void => onSignal?.('SIGTERM');
  signals.on('SIGINT', onSigint);
  signals.on('SIGTERM', onSigterm);

  let cluster: ClusterHandle | undefined;
  try {
    out(`starting ${args.nodes} member${args.nodes === 1 ? '' : 's'} on ${args.host}:${args.basePort}-${args.basePort + args.nodes - 1}, data under ${args.dataDir}/`);
    cluster = await startCluster({ ...options.cluster, nodes: args.nodes, basePort: args.basePort, host: args.host, dataDir: args.dataDir, log: out });
    const abort = new AbortController();
    void stopRequested.then(() => abort.abort());
    let leader: { id: string } | undefined;
    try {
      leader = await cluster.waitForLeader(options.leaderTimeoutMs ?? 30_000, { signal: abort.signal });
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
    if (leader !== undefined) {
      out('');
      for (const line of banner(cluster, leader.id)) out(line);
      out('');
      await stopRequested;
    }
    out(`${signalled ?? 'stop'}: stopping ${args.nodes} member${args.nodes === 1 ? '' : 's'}`);
    await cluster.stop();
    out('stopped');
    return 0;
  } catch (error) {
    if (cluster !== undefined) await cluster.stop();
    // Ctrl-C reaches the members too (one process group): a start cut short by it is no failure.
    if (signalled !== undefined) {
      out(`${signalled}: stopped`);
      return 0;
    }
    err(`error: ${isLauncherError(error) ? error.message : String(error)}`);
    return 1;
  } finally {
    signals.off('SIGINT', onSigint);
    signals.off('SIGTERM', onSigterm);
  }
}

/** What the CLI prints once a leader is elected. */
export function banner(cluster: Pick<ClusterHandle, 'members' | 'dataDir'>, leaderId: string): string[] {
  const members = cluster.members;
  const leader = members.find((m) => m.id === leaderId) ?? members[0];
  const follower = members.find((m) => m.id !== leaderId) ?? leader;
  const first = members[0];
  if (leader === undefined || follower === undefined || first === undefined) return [];
  return [
    `Bulwark cluster: ${members.length} member${members.length === 1 ? '' : 's'}, leader ${leaderId}`,
    ...members.map((m) => `  ${m.id}  ${m.url}  pid ${String(m.pid)}${m.id === leaderId ? '  (leader)' : ''}`),
    `status page: ${first.url}/   (JSON: ${first.url}/cluster/status)`,
    `data: ${cluster.dataDir}/<id>`,
    'try:',
    `  curl -X PUT ${leader.url}/kv/greeting -H 'content-type: application/json' -d '{"value":"hello"}'`,
    `  curl ${follower.url}/kv/greeting`,
    'Ctrl-C stops every member.',
  ];
}
