import { show } from '../../policies/validate.js';

/** A client session's id: the log index of the entry that registered it (thesis §6.3), unique in the log. */
export type SessionId = number;

/** What a session-tagged command carries besides its operation. */
export interface SessionRequest {
  /** The session, as {@link SessionTable.register} made it. */
  readonly session: SessionId;
  /** The request's number in its session, from 1; a retry keeps the number. */
  readonly seq: number;
  /**
   * The highest number up to which the client has every answer it will ever need (it got them or
   * gave up): their cached responses may go. 0 at first; it never decreases.
   */
  readonly ack: number;
}

/**
 * What {@link SessionTable.apply} did with a request:
 * - `applied`: first time seen: the command ran now, and `response` is cached for retries;
 * - `duplicate`: a retry of a command that ran: it did not run again; `response` is the first one;
 * - `stale`: `seq ≤` an `ack` the client sent already; the command did not run, its response is gone
 *   (a network duplicate of an old request: nobody waits for the answer);
 * - `expired`: the session is unknown (expired, evicted or never registered). The command did not
 *   run now, but an earlier copy may have: the client cannot tell, and must treat the outcome as
 *   unknown and register anew (thesis §6.3).
 */
export type SessionOutcome<R> =
  | { readonly status: 'applied'; readonly response: R }
  | { readonly status: 'duplicate'; readonly response: R }
  | { readonly status: 'stale' }
  | { readonly status: 'expired' };

/** Options of a {@link SessionTable}. */
export interface SessionTableOptions {
  /**
   * A session with no request for this long expires, in the time of the log (the timestamps the
   * leader put on the commands, see {@link SessionTable.apply}). Required: pick it well above the
   * longest time a client may retry one request, since a retry after expiry has an unknown outcome.
   */
  readonly expireAfterMs: number;
  /** Most sessions held; registering one more evicts the least recently used. Default `Infinity`. */
  readonly maxSessions?: number;
}

/** A {@link SessionTable}'s contents, for a state-machine snapshot (plain data, JSON-friendly when `R` is). */
export interface SessionTableSnapshot<R> {
  readonly nowMs: number;
  /** Least recently used first. */
  readonly sessions: readonly {
    readonly id: SessionId;
    readonly lastActiveMs: number;
    readonly ack: number;
    readonly responses: readonly (readonly [number, R])[];
  }[];
}

interface Session<R> {
  lastActiveMs: number;
  ack: number;
  /** Responses of the requests run and not yet acknowledged, by `seq`. */
  readonly responses: Map<number, R>;
}

const WHERE = 'SessionTable';

/**
 * Exactly-once commands for a replicated state machine (Raft thesis §6.3): clients register a
 * session through the log, number their requests, and retry a request with its number until
 * they get an answer; the table runs each request once and answers retries from a cache.
 *
 * Every replica holds one table inside its state machine and feeds it the same committed
 * entries, so all replicas decide alike: nothing here reads a clock. Time comes from the log (the
 * leader stamps each command with its clock when proposing; the table takes the largest stamp
 * seen, so its time never goes back even when leaders' clocks disagree), and sessions expire
 * in that time. A client whose session expired gets `expired` and cannot know whether its last
 * request ran: it must report an unknown outcome and register again. Expiring by the log's time
 * means a session can expire while its client is partitioned away; choose `expireAfterMs` well
 * above the client's retry horizon. Responses are kept per request until the client's `ack`
 * covers them, so a client may pipeline requests and they may commit in any order.
 *
 * @example
 * const sessions = new SessionTable<string>({ expireAfterMs: 60_000 });
 * // applying the committed entry at index 7, `register`:
 * sessions.register(7, entry.timeMs); // the client's session id is 7
 * // applying a command { session: 7, seq: 1, ack: 0, op }:
 * const outcome = sessions.apply(command, entry.timeMs, () => store.run(command.op));
 * // a retry of the same command answers the cached response: { status: 'duplicate', response }
 *
 * @throws {TypeError | RangeError} from the constructor, for bad options (the message names them)
 */
export class SessionTable<R> {
  private readonly expireAfterMs: number;
  private readonly maxSessions: number;
  /** Least recently used first (re-inserted on use), so expiry looks only at the front. */
  private readonly sessions = new Map<SessionId, Session<R>>();
  private nowMs = -Infinity;

  constructor(options: SessionTableOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError(`${WHERE}: options must be an object, got ${show(options)}`);
    const { expireAfterMs, maxSessions = Infinity } = options;
    if (typeof expireAfterMs !== 'number') throw new TypeError(`${WHERE}: options.expireAfterMs must be a number of ms, got ${show(expireAfterMs)}`);
    if (!(expireAfterMs > 0)) throw new RangeError(`${WHERE}: options.expireAfterMs must be positive, got ${show(expireAfterMs)}`);
    if (typeof maxSessions !== 'number') throw new TypeError(`${WHERE}: options.maxSessions must be a number, got ${show(maxSessions)}`);
    if (!(maxSessions >= 1) || (maxSessions !== Infinity && !Number.isInteger(maxSessions))) {
      throw new RangeError(`${WHERE}: options.maxSessions must be a positive integer or Infinity, got ${show(maxSessions)}`);
    }
    this.expireAfterMs = expireAfterMs;
    this.maxSessions = maxSessions;
  }

  /** Sessions held now. */
  get size(): number {
    return this.sessions.size;
  }

  /** The table's time: the largest timestamp it was given (`-Infinity` before any). */
  get timeMs(): number {
    return this.nowMs;
  }

  /** Whether `session` is held (not expired or evicted, as of the last call). */
  has(session: SessionId): boolean {
    return this.sessions.has(session);
  }

  /**
   * Opens session `id` (the index of the registering entry) at log time `nowMs`, first expiring
   * idle sessions and, when full, evicting the least recently used one.
   *
   * @throws {RangeError} when `id` is not a positive integer or is held already
   */
  register(id: SessionId, nowMs: number): void {
    if (!Number.isSafeInteger(id) || id < 1) throw new RangeError(`${WHERE}: register() needs a positive integer id, got ${show(id)}`);
    this.advance(nowMs);
    if (this.sessions.has(id)) throw new RangeError(`${WHERE}: session ${id} exists already`);
    while (this.sessions.size >= this.maxSessions) this.sessions.delete(this.sessions.keys().next().value as SessionId);
    this.sessions.set(id, { lastActiveMs: this.nowMs, ack: 0, responses: new Map() });
  }

  /**
   * Runs `execute` for `request` unless it ran already (see {@link SessionOutcome}), at log time
   * `nowMs` (the command's timestamp); expires idle sessions first.
   *
   * @throws {TypeError} when `request` is malformed (the message names the field)
   */
  apply(request: SessionRequest, nowMs: number, execute: () => R): SessionOutcome<R> {
    checkRequest(request);
    this.advance(nowMs);
    const session = this.sessions.get(request.session);
    if (session === undefined) return { status: 'expired' };
    this.sessions.delete(request.session);
    this.sessions.set(request.session, session);
    session.lastActiveMs = this.nowMs;
    if (request.ack > session.ack) {
      session.ack = request.ack;
      for (const seq of session.responses.keys()) if (seq <= request.ack) session.responses.delete(seq);
    }
    if (request.seq <= session.ack) return { status: 'stale' };
    const cached = session.responses.get(request.seq);
    if (cached !== undefined || session.responses.has(request.seq)) return { status: 'duplicate', response: cached as R };
    const response = execute();
    session.responses.set(request.seq, response);
    return { status: 'applied', response };
  }

  /** Moves the table's time to `nowMs` (if later) and drops the sessions idle since `expireAfterMs`; returns them. */
  expire(nowMs: number): SessionId[] {
    return this.advance(nowMs);
  }

  /** The table's contents, to store in a state-machine snapshot. */
  snapshot(): SessionTableSnapshot<R> {
    return {
      nowMs: this.nowMs,
      sessions: [...this.sessions].map(([id, s]) => ({ id, lastActiveMs: s.lastActiveMs, ack: s.ack, responses: [...s.responses] })),
    };
  }

  /**
   * A table holding what `snapshot` held, with `options` (use the same ones on every replica).
   *
   * @throws {TypeError | RangeError} for bad options or a malformed snapshot
   */
  static restore<R>(snapshot: SessionTableSnapshot<R>, options: SessionTableOptions): SessionTable<R> {
    const table = new SessionTable<R>(options);
    if (typeof snapshot !== 'object' || snapshot === null || !Array.isArray(snapshot.sessions)) {
      throw new TypeError(`${WHERE}: restore() needs a snapshot from snapshot(), got ${show(snapshot)}`);
    }
    table.nowMs = snapshot.nowMs ?? -Infinity;
    for (const s of snapshot.sessions) {
      table.sessions.set(s.id, { lastActiveMs: s.lastActiveMs, ack: s.ack, responses: new Map(s.responses) });
    }
    return table;
  }

  private advance(nowMs: number): SessionId[] {
    if (typeof nowMs !== 'number' || Number.isNaN(nowMs)) throw new TypeError(`${WHERE}: the log time must be a number of ms, got ${show(nowMs)}`);
    if (nowMs > this.nowMs) this.nowMs = nowMs;
    const expired: SessionId[] = [];
    for (const [id, session] of this.sessions) {
      if (this.nowMs - session.lastActiveMs <= this.expireAfterMs) break;
      this.sessions.delete(id);
      expired.push(id);
    }
    return expired;
  }
}

function checkRequest(request: SessionRequest): void {
  if (typeof request !== 'object' || request === null) throw new TypeError(`${WHERE}: apply() needs a request { session, seq, ack }, got ${show(request)}`);
  for (const field of ['session', 'seq', 'ack'] as const) {
    const value: unknown = request[field];
    const min = field === 'ack' ? 0 : 1;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      throw new TypeError(`${WHERE}: request.${field} must be an integer ≥ ${min}, got ${show(value)}`);
    }
  }
}
