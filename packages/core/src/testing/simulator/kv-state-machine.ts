import { SessionTable, type SessionTableOptions, type SessionTableSnapshot } from '../../raft/sessions/session-table.js';
import type { KvInput, KvOutput } from '../linearizability/kv-model.js';
import type { KvCommand, KvResult } from './kv-command.js';

/** Options of a {@link KvStateMachine}. */
export interface KvStateMachineOptions {
  /** The session table's options (`expireAfterMs` required). */
  readonly sessions: SessionTableOptions;
  /**
   * Test-only: `false` runs every copy of a command, as a state machine without sessions would
   * (a planted bug: a retried append lands twice). Default `true`.
   */
  readonly dedup?: boolean;
}

interface KvSnapshot {
  readonly data: readonly (readonly [string, string])[];
  readonly sessions: SessionTableSnapshot<KvOutput>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The simulator's replicated state machine: a map of strings with `get`, `put`, `append`, `cas`
 * and `delete` (the {@link kvModel} the linearizability checker knows: a missing key reads as
 * `''`), behind a {@link SessionTable} so each client request runs once however often it is
 * retried. Deterministic: the same commands give the same state and results on every replica.
 *
 * @example
 * const kv = new KvStateMachine({ sessions: { expireAfterMs: 60_000 } });
 * kv.apply(1, { type: 'register', nonce: 'c0#1', timeMs: 0 }); // { status: 'registered', session: 1 }
 * const put = { type: 'op', session: 1, seq: 1, ack: 0, op: { op: 'append', key: 'x', value: 'a' }, timeMs: 5 } as const;
 * kv.apply(2, put);
 * kv.apply(3, put); // a retry: { status: 'ok', output: undefined }, and x is still 'a'
 */
export class KvStateMachine {
  private readonly data = new Map<string, string>();
  private sessions: SessionTable<KvOutput>;
  private readonly dedup: boolean;

  constructor(private readonly options: KvStateMachineOptions) {
    this.sessions = new SessionTable<KvOutput>(options.sessions);
    this.dedup = options.dedup ?? true;
  }

  /** Applies the command of the committed entry at `index`. */
  apply(index: number, command: KvCommand): KvResult {
    if (command.type === 'register') {
      this.sessions.register(index, command.timeMs);
      return { status: 'registered', session: index };
    }
    if (!this.dedup) {
      this.sessions.expire(command.timeMs);
      if (!this.sessions.has(command.session)) return { status: 'expired' };
      return { status: 'ok', output: this.run(command.op) };
    }
    const outcome = this.sessions.apply(command, command.timeMs, () => this.run(command.op));
    if (outcome.status === 'applied' || outcome.status === 'duplicate') return { status: 'ok', output: outcome.response };
    return outcome;
  }

  /** The value of `key` (`''` when missing). */
  get(key: string): string {
    return this.data.get(key) ?? '';
  }

  /** A string equal on two replicas exactly when their data and sessions are equal. */
  fingerprint(): string {
    return decoder.decode(this.snapshot());
  }

  /** The state, for a Raft snapshot. */
  snapshot(): Uint8Array {
    const snapshot: KvSnapshot = { data: [...this.data].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), sessions: this.sessions.snapshot() };
    return encoder.encode(JSON.stringify(snapshot));
  }

  /** Replaces the state with a {@link KvStateMachine.snapshot}'s. */
  restore(bytes: Uint8Array): void {
    this.data.clear();
    if (bytes.byteLength === 0) {
      this.sessions = new SessionTable<KvOutput>(this.options.sessions);
      return;
    }
    const snapshot = JSON.parse(decoder.decode(bytes)) as KvSnapshot;
    for (const [key, value] of snapshot.data) this.data.set(key, value);
    // JSON wrote the outputs of put, append and delete (undefined) as null.
    const sessions = snapshot.sessions.sessions.map((session) => ({
      ...session,
      responses: session.responses.map(([seq, output]): [number, KvOutput] => [seq, output ?? undefined]),
    }));
    this.sessions = SessionTable.restore({ ...snapshot.sessions, sessions }, this.options.sessions);
  }

  private run(input: KvInput): KvOutput {
    switch (input.op) {
      case 'get':
        return this.get(input.key);
      case 'put':
        this.data.set(input.key, input.value);
        return undefined;
      case 'append':
        this.data.set(input.key, this.get(input.key) + input.value);
        return undefined;
      case 'cas': {
        if (this.get(input.key) !== input.expected) return false;
        this.data.set(input.key, input.value);
        return true;
      }
      case 'delete':
        this.data.delete(input.key);
        return undefined;
    }
  }
}
