import { show } from '../policies/validate.js';
import type { Random } from '../time/random.js';
import type { NodeId } from './entry.js';
import type { Storage } from './storage.js';

/**
 * Options of a {@link Raft} node. Time is counted in ticks: the caller calls `tick()` on its own
 * timer (say every 100 ms), and every duration here is a number of those.
 */
export interface RaftConfig {
  /** This node's id; required, non-empty. It takes part in elections only if it is a voter. */
  readonly id: NodeId;
  /** The durable state to start from and to read entries back; required. */
  readonly storage: Storage;
  /**
   * The random source for election timeouts, `[0, 1)` like `Math.random`; required, so that a
   * node is deterministic under a seeded source (`seededRandom(seed)` from `@bulwark/core/testing`).
   */
  readonly random: Random;
  /**
   * Ticks without hearing from a leader before a follower campaigns; the actual timeout is drawn
   * anew in `[electionTick, 2 × electionTick)` each time (Raft §5.2). Default 10; must exceed
   * `heartbeatTick`.
   */
  readonly electionTick?: number;
  /** Ticks between a leader's heartbeats. Default 1. */
  readonly heartbeatTick?: number;
  /**
   * Run a pre-vote round before campaigning, so a node that cannot win does not bump terms and
   * depose a working leader (Raft thesis §9.6). Default `true`.
   */
  readonly preVote?: boolean;
  /**
   * A leader steps down when it has not heard from a quorum within an election timeout, and a
   * node ignores vote requests while it heard from a leader within one (thesis §6.2, §4.2.3).
   * Default `true`.
   */
  readonly checkQuorum?: boolean;
  /** Most entries in one append message. Default 64. */
  readonly maxEntriesPerMessage?: number;
  /**
   * Most command bytes in one append message (one entry always goes; etcd's `MaxSizePerMsg`).
   * Default 1 MiB; `Infinity` allowed.
   */
  readonly maxBytesPerMessage?: number;
  /**
   * Flow control: most appends in flight to one follower while the leader streams to it
   * (`replicate` state, pipelining); once that many are unacknowledged the leader waits (etcd's
   * `MaxInflightMsgs`). Default 256.
   */
  readonly maxInflightMessages?: number;
  /**
   * Flow control: most command bytes in flight to one follower (etcd's `MaxInflightBytes`); one
   * append always goes. Default `Infinity`.
   */
  readonly maxInflightBytes?: number;
  /**
   * Most command bytes the leader holds uncommitted; a proposal past it is dropped with
   * `ProposalDroppedError` (`reason` `'uncommitted-limit'`) until commits catch up — an entry
   * always goes when nothing is uncommitted (etcd's `MaxUncommittedEntriesSize`). Default
   * `Infinity`.
   */
  readonly maxUncommittedBytes?: number;
  /** Most command bytes of committed entries in one `Ready`. Default `Infinity`. */
  readonly maxCommittedBytesPerReady?: number;
  /**
   * The last index the caller's state machine already applied, when restarting. Default 0.
   * At most the stored commit index.
   */
  readonly applied?: number;
  /**
   * How `readIndex()` confirms leadership before answering (thesis §6.4):
   * - `'safe'` (default): the leader sends a heartbeat round and answers once a quorum
   *   acknowledged it. Linearizable whatever the clocks do.
   * - `'leaseBased'`: the leader answers at once while it holds a lease — a quorum acknowledged
   *   a heartbeat it sent less than `floor((electionTick − 1) × (1 − maxClockDrift)) − 1` ticks
   *   ago — and falls back to a heartbeat round otherwise (thesis §6.4.1). Requires
   *   `checkQuorum`. **Clock assumption**: the nodes' tick rates differ by at most
   *   `maxClockDrift`, and the runtime ticks for every tick period that passed, catching up
   *   after a pause (a GC pause or SIGSTOP that freezes the leader's ticks would stretch its
   *   lease while the others elect a new leader). In this mode a node also refuses votes for an
   *   election timeout after it starts, as it may have acknowledged a leader just before a crash.
   */
  readonly readOnly?: ReadOnlyOption;
  /**
   * The largest relative difference between two nodes' tick rates that lease reads tolerate, in
   * `[0, 0.5)`; only used with `readOnly: 'leaseBased'`. Default 0.1.
   */
  readonly maxClockDrift?: number;
}

/** How read-only requests confirm leadership; see {@link RaftConfig.readOnly}. */
export type ReadOnlyOption = 'safe' | 'leaseBased';

/** A {@link RaftConfig} with every default filled in. */
export type ResolvedRaftConfig = Required<RaftConfig>;

const WHERE = 'Raft';

function typeError(name: string, expected: string, value: unknown): never {
  throw new TypeError(`${WHERE}: config.${name} must be ${expected}, got ${show(value)}`);
}

function integer(name: string, value: unknown, fallback: number, min: number, allowInfinity = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') return typeError(name, `an integer ≥ ${min}`, value);
  if (allowInfinity && value === Infinity) return value;
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${WHERE}: config.${name} must be an integer ≥ ${min}, got ${show(value)}`);
  }
  return value;
}

function flag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') return typeError(name, 'a boolean', value);
  return value;
}

/**
 * Checks a {@link RaftConfig} and fills in the defaults.
 *
 * @throws {TypeError} when an option has the wrong type (the message names it)
 * @throws {RangeError} when a number is out of range, `electionTick ≤ heartbeatTick`, or lease
 *   reads are asked for without `checkQuorum`
 */
export function resolveRaftConfig(config: RaftConfig): ResolvedRaftConfig {
  if (typeof config !== 'object' || config === null) typeError('', 'an object', config);
  if (typeof config.id !== 'string' || config.id === '') typeError('id', 'a non-empty string', config.id);
  const storage: unknown = config.storage;
  if (
    typeof storage !== 'object' ||
    storage === null ||
    !['initialState', 'entries', 'term', 'firstIndex', 'lastIndex'].every(
      (method) => typeof (storage as Record<string, unknown>)[method] === 'function',
    )
  ) {
    typeError('storage', 'a Storage (initialState, entries, term, firstIndex, lastIndex)', storage);
  }
  if (typeof config.random !== 'function') typeError('random', 'a function returning [0, 1)', config.random);
  const heartbeatTick = integer('heartbeatTick', config.heartbeatTick, 1, 1);
  const electionTick = integer('electionTick', config.electionTick, 10, 1);
  if (electionTick <= heartbeatTick) {
    throw new RangeError(
      `${WHERE}: config.electionTick must be greater than heartbeatTick (${heartbeatTick}), got ${electionTick}`,
    );
  }
  const applied = integer('applied', config.applied, 0, 0);
  const commit = config.storage.initialState().hardState.commit;
  if (applied > commit) {
    throw new RangeError(`${WHERE}: config.applied must be at most the stored commit index (${commit}), got ${applied}`);
  }
  const checkQuorum = flag('checkQuorum', config.checkQuorum, true);
  const readOnly = config.readOnly ?? 'safe';
  if (readOnly !== 'safe' && readOnly !== 'leaseBased') {
    if (typeof readOnly !== 'string') typeError('readOnly', "'safe' or 'leaseBased'", readOnly);
    throw new RangeError(`${WHERE}: config.readOnly must be 'safe' or 'leaseBased', got ${show(readOnly)}`);
  }
  if (readOnly === 'leaseBased' && !checkQuorum) {
    throw new RangeError(`${WHERE}: config.readOnly 'leaseBased' needs checkQuorum (a leader must step down when it loses its quorum)`);
  }
  const maxClockDrift = config.maxClockDrift ?? 0.1;
  if (typeof maxClockDrift !== 'number') typeError('maxClockDrift', 'a number in [0, 0.5)', maxClockDrift);
  if (!(maxClockDrift >= 0 && maxClockDrift < 0.5)) {
    throw new RangeError(`${WHERE}: config.maxClockDrift must be a number in [0, 0.5), got ${show(maxClockDrift)}`);
  }
  return {
    id: config.id,
    storage: config.storage,
    random: config.random,
    electionTick,
    heartbeatTick,
    preVote: flag('preVote', config.preVote, true),
    checkQuorum,
    maxEntriesPerMessage: integer('maxEntriesPerMessage', config.maxEntriesPerMessage, 64, 1, true),
    maxBytesPerMessage: integer('maxBytesPerMessage', config.maxBytesPerMessage, 1024 * 1024, 1, true),
    maxInflightMessages: integer('maxInflightMessages', config.maxInflightMessages, 256, 1),
    maxInflightBytes: integer('maxInflightBytes', config.maxInflightBytes, Infinity, 1, true),
    maxUncommittedBytes: integer('maxUncommittedBytes', config.maxUncommittedBytes, Infinity, 1, true),
    maxCommittedBytesPerReady: integer('maxCommittedBytesPerReady', config.maxCommittedBytesPerReady, Infinity, 1, true),
    applied,
    readOnly,
    maxClockDrift,
  };
}
