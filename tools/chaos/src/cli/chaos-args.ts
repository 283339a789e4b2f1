/**
 * `npm run chaos -- [--seed N] [--duration S] [--clients N] [--nodes N] [--faults LIST] [--history FILE]`:
 * parsing is pure, so every flag and every refusal is tested without a cluster.
 */
import type { ChaosFaultKind } from '../nemesis/nemesis-plan.js';
import { CHAOS_FAULT_KINDS } from '../nemesis/nemesis-plan.js';

/** A parsed command line's run settings. */
export interface ChaosArgs {
  /** `undefined`: draw one (and print it). */
  readonly seed: number | undefined;
  readonly durationS: number;
  readonly clients: number;
  readonly nodes: number;
  /** The fault kinds the nemesis may use. */
  readonly faults: readonly ChaosFaultKind[];
  /** Where to write the history; `undefined`: a file in the temp directory named after the seed. */
  readonly historyPath: string | undefined;
}

/** What the command line asks for. */
export type ChaosRequest = { readonly kind: 'run'; readonly args: ChaosArgs } | { readonly kind: 'help' } | { readonly kind: 'error'; readonly message: string };

/** The defaults of the flags. */
export const CHAOS_DEFAULTS = Object.freeze({ durationS: 60, clients: 5, nodes: 3 });

/** Upper bounds, so a typo does not start 5 000 clients. */
const LIMITS = { durationS: 24 * 3600, clients: 200, nodes: 9 } as const;

/** The help text. */
export const CHAOS_USAGE = `usage: npm run chaos -- [--seed N] [--duration S] [--clients N] [--nodes N] [--faults LIST] [--history FILE]

Starts a cluster of apps/cluster members (each its own process, data in a temporary
directory), runs clients doing get/put/cas/delete against it while a seeded nemesis kills
(SIGKILL) and restarts members, pauses them (SIGSTOP/SIGCONT) and cuts or degrades peer
links through the fault hook, heals everything, reads every key back and checks the history
for linearizability. Exit 0: linearizable; 1: an anomaly; 2: the check gave up; 64: usage;
70: the run itself failed.

  --seed N        the nemesis's and the clients' seed (default: drawn and printed)
  --duration S    seconds of client load (default ${CHAOS_DEFAULTS.durationS})
  --clients N     concurrent clients (default ${CHAOS_DEFAULTS.clients})
  --nodes N       cluster members (default ${CHAOS_DEFAULTS.nodes})
  --faults LIST   comma-separated fault kinds (default all: ${CHAOS_FAULT_KINDS.join(',')})
  --history FILE  where to write the history, JSON lines (default: in the temp directory)
  -h, --help      print this help`;

function integer(flag: string, text: string | undefined, min: number, max: number): number | string {
  if (text === undefined) return `${flag} needs a value`;
  if (!/^-?\d+$/.test(text)) return `${flag} must be an integer, got ${JSON.stringify(text)}`;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max) return `${flag} must be between ${min} and ${max}, got ${text}`;
  return n;
}

/**
 * Parses the arguments after the script name (a lone `--` left by npm is ignored). Flags take
 * their value as the next argument or after `=` (`--seed=7`).
 */
export function parseChaosArgs(argv: readonly string[]): ChaosRequest {
  let seed: number | undefined;
  let durationS: number = CHAOS_DEFAULTS.durationS;
  let clients: number = CHAOS_DEFAULTS.clients;
  let nodes: number = CHAOS_DEFAULTS.nodes;
  let faults: readonly ChaosFaultKind[] = CHAOS_FAULT_KINDS;
  let historyPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') continue;
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string | undefined => (flag !== arg ? arg.slice(eq + 1) : argv[++i]);
    let parsed: number | string;
    switch (flag) {
      case '--seed':
        parsed = integer(flag, value(), -(2 ** 31), 2 ** 32 - 1);
        if (typeof parsed === 'string') return { kind: 'error', message: parsed };
        seed = parsed;
        break;
      case '--duration':
        parsed = integer(flag, value(), 1, LIMITS.durationS);
        if (typeof parsed === 'string') return { kind: 'error', message: parsed };
        durationS = parsed;
        break;
      case '--clients':
        parsed = integer(flag, value(), 1, LIMITS.clients);
        if (typeof parsed === 'string') return { kind: 'error', message: parsed };
        clients = parsed;
        break;
      case '--nodes':
        parsed = integer(flag, value(), 1, LIMITS.nodes);
        if (typeof parsed === 'string') return { kind: 'error', message: parsed };
        nodes = parsed;
        break;
      case '--faults': {
        const text = value();
        if (text === undefined || text.trim() === '') return { kind: 'error', message: '--faults needs a comma-separated list of fault kinds' };
        const kinds = text.split(',').map((s) => s.trim());
        const unknown = kinds.find((k) => !CHAOS_FAULT_KINDS.includes(k as ChaosFaultKind));
        if (unknown !== undefined) return { kind: 'error', message: `--faults: unknown fault ${JSON.stringify(unknown)} (known: ${CHAOS_FAULT_KINDS.join(', ')})` };
        faults = [...new Set(kinds as ChaosFaultKind[])];
        break;
      }
      case '--history': {
        const text = value();
        if (text === undefined || text === '') return { kind: 'error', message: '--history needs a file name' };
        historyPath = text;
        break;
      }
      default:
        return { kind: 'error', message: `unknown argument ${JSON.stringify(arg)}` };
    }
  }
  return { kind: 'run', args: { seed, durationS, clients, nodes, faults, historyPath } };
}
