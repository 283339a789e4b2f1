import { LauncherError } from './launcher-error.js';

/** What `npm start` / `npm run cluster -- …` asked for. */
export interface LauncherArgs {
  /** `--nodes`, 1–9; default 3. */
  readonly nodes: number;
  /** `--base-port`; default 7001. Member i listens on `basePort + i - 1`. */
  readonly basePort: number;
  /** `--host`; default `127.0.0.1`. */
  readonly host: string;
  /** `--data-dir`; default `.data` (relative to the working directory, the repository root under npm). */
  readonly dataDir: string;
}

/** The CLI's help text. */
export const launcherUsage = `Usage: npm start [-- options]    (or: npm run cluster -- options)
Runs apps/cluster as a cluster of local member processes, one per member, until Ctrl-C.

Options:
  --nodes N        how many members, 1 to 9 (default 3)
  --base-port P    the first member's port; the others follow (default 7001)
  --host H         the address every member listens on (default 127.0.0.1)
  --data-dir D     each member keeps its data in D/<id> (default .data)
  -h, --help       print this help`;

const FLAGS = ['--nodes', '--base-port', '--host', '--data-dir'] as const;
type Flag = (typeof FLAGS)[number];

function bad(message: string): LauncherError {
  return new LauncherError('invalidOptions', `${message} (see --help)`);
}

function integer(flag: Flag, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw bad(`${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/**
 * Parses the launcher CLI's arguments: `--flag value` or `--flag=value` (Nx passes the latter).
 *
 * @returns the arguments with defaults filled in, or `'help'` for `-h` / `--help`
 * @throws {LauncherError} `'invalidOptions'` naming the flag: unknown, given twice, missing its
 *   value, or out of range (`--nodes` 1–9; `--base-port` so that every member's port is ≤ 65535)
 */
export function parseLauncherArgs(argv: readonly string[]): LauncherArgs | 'help' {
  const given = new Map<Flag, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h' || arg === '--help') return 'help';
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const flag = FLAGS.find((f) => f === name);
    if (flag === undefined) throw bad(`unknown argument ${JSON.stringify(arg)}`);
    if (given.has(flag)) throw bad(`${flag} given twice`);
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !(argv[i + 1] as string).startsWith('--')) value = argv[++i];
    if (value === undefined || value === '') throw bad(`${flag} needs a value`);
    given.set(flag, value);
  }
  const nodes = integer('--nodes', given.get('--nodes') ?? '3', 1, 9);
  const basePort = integer('--base-port', given.get('--base-port') ?? '7001', 1, 65_536 - nodes);
  return { nodes, basePort, host: given.get('--host') ?? '127.0.0.1', dataDir: given.get('--data-dir') ?? '.data' };
}
