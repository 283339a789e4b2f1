import { show } from '../../policies/validate.js';
import type { CustomFault, MsRange, NemesisOptions } from './nemesis.js';
import type { SimRaftConfig, SimulationBug } from './sim-raft-node.js';
import type { LinkOptions } from './sim-network.js';

/** Options of {@link runRaftSimulation}. Every duration is in virtual ms. */
export interface RaftSimulationOptions {
  /** Seeds every choice of the run; the same seed (and options) replays it exactly. Required. */
  readonly seed: number;
  /** Servers in the cluster, 1 to 9. Default 3. */
  readonly nodes?: number;
  /**
   * Servers besides `nodes` that start outside the cluster, for membership changes to add
   * (as learners, then voters, or in a joint replacement). Ids are never reused: a removed
   * server is shut down. Default 2.
   */
  readonly spares?: number;
  /** Client processes. Default 3. */
  readonly clients?: number;
  /** Operations the clients run in all (some kept for after the faults heal). Default 40. */
  readonly ops?: number;
  /** Keys the operations pick from. Default 3. */
  readonly keys?: number;
  /** How long faults are injected, from `faultStartMs`; 0 runs without faults. Default 1500. */
  readonly faultMs?: number;
  /** When the faults start (give the first election a chance). Default 100. */
  readonly faultStartMs?: number;
  /** Virtual ms per Raft tick (each node drifts within 10 % of it). Default 10. */
  readonly tickMs?: number;
  /** Raft options of every node. Defaults: `electionTick` 10, `heartbeatTick` 1, the rest Raft's. */
  readonly raft?: SimRaftConfig;
  /**
   * Every link while faults run. Default: 1–10 ms, 2 % dropped, 2 % duplicated, 5 % reordered.
   * Once they heal, links deliver in 1–5 ms with no message faults.
   */
  readonly link?: Partial<LinkOptions>;
  /** The fault schedule (see `scheduleNemesis`); its window is set from `faultStartMs` and `faultMs`. */
  readonly nemesis?: Pick<NemesisOptions, 'intervalMs' | 'durationMs' | 'weights' | 'maxDown' | 'flakyLink'>;
  /**
   * Each node snapshots its state machine and compacts its log once it applied this many entries
   * since its last snapshot; lagging followers then catch up by InstallSnapshot. 0 never
   * compacts. Default 25.
   */
  readonly snapshotEvery?: number;
  /**
   * The share of `get`s served by ReadIndex (thesis §6.4, at any node: a follower asks its
   * leader) rather than through the log, in `[0, 1]`. Default 0.5.
   */
  readonly readIndexShare?: number;
  /** Leadership transfers drawn by the fault schedule, relative to each built-in fault's weight 1. Default 1. */
  readonly transferWeight?: number;
  /**
   * Membership changes drawn by the fault schedule (add a learner, promote it, remove a voter or
   * learner, replace a voter through a joint configuration, leave an explicit one), relative to
   * each built-in fault's weight 1. Default 1.
   */
  readonly membershipWeight?: number;
  /** How long an fsync takes (a crash meanwhile loses some of its writes). Default `{ min: 1, max: 8 }`. */
  readonly fsyncMs?: MsRange;
  /** Client sessions expire after this long idle (log time). Default 60 000. */
  readonly sessionExpireAfterMs?: number;
  /** A client retries elsewhere after this long without an answer. Default 100. */
  readonly attemptTimeoutMs?: number;
  /** While faults run, a client gives an operation up (unknown outcome) after this long. Default 1000. */
  readonly giveUpAfterMs?: number;
  /** After the faults heal, a leader all nodes follow must appear within this many ticks. Default 300. */
  readonly leaderWithinTicks?: number;
  /** After the faults heal, every request must be answered within this long of it (or of its call). Default 3000. */
  readonly answerWithinMs?: number;
  /** Check the client history for linearizability at the end. Default `true`. */
  readonly checkLinearizability?: boolean;
  /** Test-only: plant a bug that breaks a safety rule (see `SimulationBug`). Default none. */
  readonly bug?: SimulationBug;
  /** Extra faults for the nemesis to draw (not replayable from the command line). */
  readonly customFaults?: readonly CustomFault[];
}

/** {@link RaftSimulationOptions} with the defaults filled in. */
export type ResolvedSimulationOptions = Required<Omit<RaftSimulationOptions, 'bug' | 'nemesis' | 'customFaults'>> &
  Pick<RaftSimulationOptions, 'bug' | 'nemesis' | 'customFaults'>;

const WHERE = 'runRaftSimulation';
const BUGS: readonly SimulationBug[] = ['forget-vote', 'lying-fsync', 'ack-before-fsync', 'no-dedup', 'commit-previous-term'];

const DEFAULTS = {
  nodes: 3,
  spares: 2,
  clients: 3,
  ops: 40,
  keys: 3,
  faultMs: 1500,
  faultStartMs: 100,
  tickMs: 10,
  snapshotEvery: 25,
  sessionExpireAfterMs: 60_000,
  attemptTimeoutMs: 100,
  giveUpAfterMs: 1000,
  leaderWithinTicks: 300,
  answerWithinMs: 3000,
} as const;

/**
 * Checks simulation options and fills in the defaults.
 *
 * @throws {TypeError | RangeError} naming the bad option
 */
export function resolveSimulationOptions(options: RaftSimulationOptions): ResolvedSimulationOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${WHERE}: options must be an object, got ${show(options)}`);
  if (!Number.isSafeInteger(options.seed)) throw new TypeError(`${WHERE}: options.seed must be an integer, got ${show(options.seed)}`);
  const int = (name: keyof typeof DEFAULTS, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const value: unknown = options[name] ?? DEFAULTS[name];
    if (typeof value !== 'number') throw new TypeError(`${WHERE}: options.${name} must be an integer, got ${show(value)}`);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`${WHERE}: options.${name} must be an integer from ${min} to ${max}, got ${show(value)}`);
    }
    return value;
  };
  if (options.bug !== undefined && !BUGS.includes(options.bug)) {
    throw new RangeError(`${WHERE}: options.bug must be one of ${BUGS.join(', ')}, got ${show(options.bug)}`);
  }
  const share = (name: 'readIndexShare' | 'transferWeight' | 'membershipWeight', fallback: number, max: number): number => {
    const value: unknown = options[name] ?? fallback;
    if (typeof value !== 'number') throw new TypeError(`${WHERE}: options.${name} must be a number, got ${show(value)}`);
    if (!(value >= 0 && value <= max)) throw new RangeError(`${WHERE}: options.${name} must be a number from 0 to ${max}, got ${show(value)}`);
    return value;
  };
  const fsyncMs = options.fsyncMs ?? { min: 1, max: 8 };
  if (typeof fsyncMs !== 'object' || !(fsyncMs.min >= 0) || !(fsyncMs.max >= fsyncMs.min) || !Number.isFinite(fsyncMs.max)) {
    throw new RangeError(`${WHERE}: options.fsyncMs must be { min, max } with 0 ≤ min ≤ max, got ${show(fsyncMs)}`);
  }
  return {
    seed: options.seed,
    nodes: int('nodes', 1, 9),
    spares: int('spares', 0, 9),
    clients: int('clients', 1, 100),
    ops: int('ops', 0),
    keys: int('keys', 1, 1000),
    faultMs: int('faultMs', 0),
    faultStartMs: int('faultStartMs', 0),
    tickMs: int('tickMs', 1),
    snapshotEvery: int('snapshotEvery', 0),
    raft: { electionTick: 10, heartbeatTick: 1, ...options.raft },
    link: { minDelayMs: 1, maxDelayMs: 10, dropRate: 0.02, duplicateRate: 0.02, reorderRate: 0.05, ...options.link },
    nemesis: options.nemesis,
    fsyncMs,
    readIndexShare: share('readIndexShare', 0.5, 1),
    transferWeight: share('transferWeight', 1, 1000),
    membershipWeight: share('membershipWeight', 1, 1000),
    sessionExpireAfterMs: int('sessionExpireAfterMs', 1),
    attemptTimeoutMs: int('attemptTimeoutMs', 1),
    giveUpAfterMs: int('giveUpAfterMs', 1),
    leaderWithinTicks: int('leaderWithinTicks', 1),
    answerWithinMs: int('answerWithinMs', 1),
    checkLinearizability: options.checkLinearizability ?? true,
    bug: options.bug,
    customFaults: options.customFaults,
  };
}

/** Flags of `npm run sim` for the options it takes one by one. */
const FLAGS: ReadonlyArray<readonly [keyof typeof DEFAULTS, string]> = [
  ['nodes', '--nodes'],
  ['spares', '--spares'],
  ['clients', '--clients'],
  ['ops', '--ops'],
  ['keys', '--keys'],
  ['faultMs', '--fault-ms'],
  ['snapshotEvery', '--snapshot-every'],
];

/**
 * The one-line command that replays a run: `npm run sim -- --seed 42 --ops 40 …`, with every
 * option that differs from the defaults (those without a flag as `--options '<json>'`).
 * `customFaults` cannot be written down: the command then says so.
 *
 * @example
 * replayCommand({ seed: 42, nodes: 5, bug: 'forget-vote' });
 * // "npm run sim -- --seed 42 --nodes 5 --bug forget-vote"
 */
export function replayCommand(options: RaftSimulationOptions): string {
  const parts = ['npm run sim --', '--seed', String(options.seed)];
  for (const [name, flag] of FLAGS) {
    const value = options[name];
    if (value !== undefined && value !== DEFAULTS[name]) parts.push(flag, String(value));
  }
  if (options.bug !== undefined) parts.push('--bug', options.bug);
  const rest: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || ['seed', 'bug', 'customFaults'].includes(name) || FLAGS.some(([flag]) => flag === name)) continue;
    if (name in DEFAULTS && DEFAULTS[name as keyof typeof DEFAULTS] === value) continue;
    rest[name] = value;
  }
  if (Object.keys(rest).length > 0) parts.push('--options', `'${JSON.stringify(rest)}'`);
  const command = parts.join(' ');
  return options.customFaults !== undefined && options.customFaults.length > 0 ? `${command} (plus the custom faults of the test)` : command;
}
