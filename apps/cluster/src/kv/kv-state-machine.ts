import type { StateMachine } from '@bulwark/core';
import { decodeCommand } from './kv-command.js';
import { SAGA_TOMBSTONE_PREFIX, sagaValueOwner } from './kv-command.js';
import type { KvCommand, KvResult, TxnDecision } from './kv-command.js';
import { RequestTable } from './request-table.js';
import type { RequestRecord } from './request-table.js';

/** A key's value and its revision: the Raft index of the entry that last wrote it. */
export interface KvEntry {
  readonly value: string;
  readonly revision: number;
}

/** Options of a {@link KvStateMachine}. */
export interface KvStateMachineOptions {
  /** How many client request ids to remember for dedupe (default 100 000). */
  readonly maxRequestIds?: number;
  /** Called after a `member-url` command or a restore changed the member URLs. */
  readonly onMemberUrls?: (urls: ReadonlyMap<string, string>) => void;
}

/** A two-phase commit decision as the replicated state holds it, until the transaction ends. */
export interface TxnDecisionRecord {
  readonly decision: TxnDecision;
  readonly participants: readonly string[];
  /** The member whose coordinator recorded it. */
  readonly coordinator: string;
  /** The Raft index of the entry that recorded it. */
  readonly index: number;
  /** Every participant acknowledged it (`txn-end`): kept for `GET /transactions/:id`, in a bounded history. */
  readonly ended?: true;
}

interface SnapshotData {
  readonly v: 1 | 2;
  readonly kv: ReadonlyArray<readonly [string, string, number]>;
  readonly requests: ReadonlyArray<readonly [string, string, KvResult]>;
  readonly members: ReadonlyArray<readonly [string, string]>;
  /** Version 2: the transactions' applied writes (for dedupe) and the decisions not ended yet. */
  readonly txns?: ReadonlyArray<readonly [string, string, KvResult]>;
  readonly decisions?: ReadonlyArray<readonly [string, TxnDecision, readonly string[], string, number]>;
  readonly epochs?: ReadonlyArray<readonly [string, number]>;
  readonly ended?: ReadonlyArray<readonly [string, TxnDecision, readonly string[], string, number]>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The replicated key-value store: `put`, `delete` and compare-and-set over string keys and
 * values, each change stamped with its Raft index as the key's revision. Keys live in a `Map`,
 * so `__proto__`, `constructor` and friends are ordinary keys. A command with a request id runs
 * once: a retry gets the first answer from the {@link RequestTable}. Deterministic (no clock, no
 * randomness, insertion-ordered maps), as a Raft state machine must be.
 *
 * @example
 * const kv = new KvStateMachine();
 * kv.apply(encodeCommand({ op: 'put', key: 'a', value: '1' }), 5); // { type: 'ok', key: 'a', revision: 5 }
 * kv.get('a'); // { value: '1', revision: 5 }
 */
export class KvStateMachine implements StateMachine<KvResult> {
  readonly #data = new Map<string, KvEntry>();
  readonly #requests: RequestTable;
  readonly #memberUrls = new Map<string, string>();
  /** `(txId, participant)` pairs whose writes were applied, bounded as the request table. */
  readonly #appliedTxns: RequestTable;
  readonly #decisions = new Map<string, TxnDecisionRecord>();
  readonly #epochs = new Map<string, number>();
  /** Ended decisions, oldest first, at most `maxRequestIds`. */
  readonly #ended = new Map<string, TxnDecisionRecord>();
  readonly #maxEnded: number;
  readonly #endListeners = new Set<(txId: string) => void>();
  readonly #onMemberUrls: ((urls: ReadonlyMap<string, string>) => void) | undefined;
  #lastIndex = 0;

  constructor(options: KvStateMachineOptions = {}) {
    this.#requests = new RequestTable(options.maxRequestIds ?? 100_000);
    this.#appliedTxns = new RequestTable(options.maxRequestIds ?? 100_000);
    this.#maxEnded = options.maxRequestIds ?? 100_000;
    this.#onMemberUrls = options.onMemberUrls;
  }

  /** The entry of `key` as of the last applied command, or undefined. */
  get(key: string): KvEntry | undefined {
    return this.#data.get(key);
  }

  /** How many keys the store holds. */
  get size(): number {
    return this.#data.size;
  }

  /** How many request ids the dedupe table remembers. */
  get requestIds(): number {
    return this.#requests.size;
  }

  /** The index of the last command applied (0 before any; unchanged by restore, whose index the snapshot's metadata holds). */
  get lastIndex(): number {
    return this.#lastIndex;
  }

  /** Member URLs recorded through the log (members added at run time). */
  memberUrls(): ReadonlyMap<string, string> {
    return this.#memberUrls;
  }

  /**
   * The recorded decision of a transaction: open, or ended (`ended: true`, while the bounded
   * history of ended ones holds it), or undefined (none recorded: presumed abort).
   */
  decision(txId: string): TxnDecisionRecord | undefined {
    return this.#decisions.get(txId) ?? this.#ended.get(txId);
  }

  /** The decisions recorded by `coordinator`'s member and not ended, oldest first. */
  decisionsOf(coordinator: string): Array<{ readonly txId: string } & TxnDecisionRecord> {
    const out: Array<{ readonly txId: string } & TxnDecisionRecord> = [];
    for (const [txId, d] of this.#decisions) if (d.coordinator === coordinator) out.push({ txId, ...d });
    return out;
  }

  /**
   * Calls `listener` with the transaction id each time a `txn-end` is applied here: every
   * participant's writes were applied before it (they precede it in the log). Returns the
   * function that removes the listener.
   */
  onTransactionEnded(listener: (txId: string) => void): () => void {
    this.#endListeners.add(listener);
    return () => this.#endListeners.delete(listener);
  }

  /** How many decisions are recorded and not ended. */
  get decisions(): number {
    return this.#decisions.size;
  }

  /** Applies one committed command at log `index`; never throws (an undecodable entry answers `invalid`). */
  apply(command: Uint8Array, index: number): KvResult {
    this.#lastIndex = index;
    const decoded = decodeCommand(command);
    if (decoded === undefined) return { type: 'invalid' };
    if (decoded.op === 'member-url') {
      if (decoded.url === null) this.#memberUrls.delete(decoded.id);
      else this.#memberUrls.set(decoded.id, decoded.url);
      this.#onMemberUrls?.(this.#memberUrls);
      return { type: 'member-url', id: decoded.id };
    }
    if (decoded.op === 'txn-apply' || decoded.op === 'txn-decision' || decoded.op === 'txn-end' || decoded.op === 'txn-epoch') {
      return this.#transaction(decoded, index);
    }
    if (decoded.op === 'saga-step') return this.#sagaStep(decoded, index);
    const requestId = decoded.requestId;
    if (requestId === undefined) return this.#run(decoded, index);
    const fingerprint = `${decoded.op}\u0000${decoded.key}`;
    const seen = this.#requests.get(requestId);
    if (seen !== undefined) return seen.fingerprint === fingerprint ? seen.result : { type: 'request-id-reused', requestId };
    const result = this.#run(decoded, index);
    this.#requests.remember(requestId, { fingerprint, result });
    return result;
  }

  #transaction(command: Extract<KvCommand, { op: 'txn-apply' | 'txn-decision' | 'txn-end' | 'txn-epoch' }>, index: number): KvResult {
    if (command.op === 'txn-epoch') {
      const epoch = (this.#epochs.get(command.coordinator) ?? 0) + 1;
      this.#epochs.set(command.coordinator, epoch);
      return { type: 'txn-epoch', coordinator: command.coordinator, epoch };
    }
    const { txId } = command;
    switch (command.op) {
      case 'txn-apply': {
        const id = `${txId}\u0000${command.participant}`;
        const seen = this.#appliedTxns.get(id);
        if (seen !== undefined) return seen.result.type === 'txn-applied' ? { ...seen.result, duplicate: true } : seen.result;
        for (const write of command.writes) {
          if (write.value === null) this.#data.delete(write.key);
          else this.#data.set(write.key, { value: write.value, revision: index });
        }
        const result: KvResult = { type: 'txn-applied', txId, revision: index, duplicate: false };
        this.#appliedTxns.remember(id, { fingerprint: 'txn-apply', result });
        return result;
      }
      case 'txn-decision': {
        const first = this.decision(txId);
        if (first !== undefined) return { type: 'txn-decision', txId, decision: first.decision, first: false };
        const record = { decision: command.decision, participants: [...command.participants], coordinator: command.coordinator, index };
        // An abort has no phase two to finish (presumed abort): it goes straight to the bounded
        // history, where first-wins still holds, so aborts recorded to answer in-doubt
        // participants do not pile up among the open decisions.
        if (command.decision === 'abort') this.#remember(txId, { ...record, ended: true });
        else this.#decisions.set(txId, record);
        return { type: 'txn-decision', txId, decision: command.decision, first: true };
      }
      case 'txn-end': {
        const open = this.#decisions.get(txId);
        if (open !== undefined) {
          this.#decisions.delete(txId);
          this.#remember(txId, { ...open, ended: true });
        }
        for (const listener of this.#endListeners) listener(txId);
        return { type: 'txn-ended', txId };
      }
    }
  }

  #sagaStep(command: Extract<KvCommand, { op: 'saga-step' }>, index: number): KvResult {
    const { key } = command;
    const current = this.#data.get(key);
    const answer = (outcome: Extract<KvResult, { type: 'saga-step' }>['outcome']): KvResult => {
      const now = this.#data.get(key);
      return { type: 'saga-step', key, outcome, value: now?.value ?? null, revision: now?.revision ?? index };
    };
    if (current !== undefined && sagaValueOwner(current.value) !== command.idempotencyKey) return answer('conflict');
    const tombstoned = current?.value.startsWith(SAGA_TOMBSTONE_PREFIX) === true;
    if (command.phase === 'action') {
      if (tombstoned) return answer('refused');
      if (current !== undefined) return answer('duplicate');
    } else {
      if (tombstoned) return answer('duplicate');
      if (current === undefined) {
        this.#data.set(key, { value: command.value, revision: index });
        return answer('tombstoned');
      }
    }
    // The action's first application, or the compensation undoing it: the counter moves with it.
    const counter = command.counter;
    if (counter !== undefined) {
      const raw = this.#data.get(counter.key)?.value ?? '0';
      const count = /^-?\d{1,16}$/.test(raw) ? Number(raw) : undefined;
      if (count === undefined || !Number.isSafeInteger(count)) return answer('bad-counter');
      // A result past ±(2^53 − 1) would be stored rounded and never read back as an integer: refuse it, so a counter stays usable.
      const next = count + (command.phase === 'action' ? counter.delta : -counter.delta);
      if (!Number.isSafeInteger(next)) return answer('bad-counter');
      this.#data.set(counter.key, { value: String(next), revision: index });
    }
    this.#data.set(key, { value: command.value, revision: index });
    return answer(command.phase === 'action' ? 'applied' : 'undone');
  }

  #remember(txId: string, record: TxnDecisionRecord): void {
    this.#ended.set(txId, record);
    while (this.#ended.size > this.#maxEnded) this.#ended.delete(this.#ended.keys().next().value as string);
  }

  #run(command: Exclude<KvCommand, { op: 'member-url' | 'txn-apply' | 'txn-decision' | 'txn-end' | 'txn-epoch' | 'saga-step' }>, index: number): KvResult {
    const { key } = command;
    switch (command.op) {
      case 'put':
        this.#data.set(key, { value: command.value, revision: index });
        return { type: 'ok', key, revision: index };
      case 'delete':
        if (!this.#data.delete(key)) return { type: 'not-found', key };
        return { type: 'ok', key, revision: index };
      case 'cas': {
        const current = this.#data.get(key);
        const matches = command.expected === null ? current === undefined : current?.value === command.expected;
        if (!matches) return { type: 'mismatch', key, current: current === undefined ? null : { value: current.value, revision: current.revision } };
        this.#data.set(key, { value: command.value, revision: index });
        return { type: 'ok', key, revision: index };
      }
    }
  }

  /** The whole state (keys, request table, member URLs, transactions' dedupe table and open decisions) as JSON bytes. */
  snapshot(): Uint8Array {
    const data: SnapshotData = {
      v: 2,
      kv: [...this.#data].map(([key, entry]) => [key, entry.value, entry.revision] as const),
      requests: this.#requests.entries().map(([id, record]) => [id, record.fingerprint, record.result] as const),
      members: [...this.#memberUrls],
      txns: this.#appliedTxns.entries().map(([id, record]) => [id, record.fingerprint, record.result] as const),
      decisions: [...this.#decisions].map(([txId, d]) => [txId, d.decision, d.participants, d.coordinator, d.index] as const),
      epochs: [...this.#epochs],
      ended: [...this.#ended].map(([txId, d]) => [txId, d.decision, d.participants, d.coordinator, d.index] as const),
    };
    return encoder.encode(JSON.stringify(data));
  }

  /**
   * Replaces the state with a snapshot from {@link KvStateMachine.snapshot} (version 1, from before
   * transactions, or 2); empty data is the empty state.
   *
   * @throws {TypeError} when `data` is not such a snapshot
   */
  restore(data: Uint8Array): void {
    const raw: unknown = data.byteLength === 0 ? { v: 1, kv: [], requests: [], members: [] } : JSON.parse(decoder.decode(data));
    const candidate = raw as Partial<Record<keyof SnapshotData, unknown>> | null;
    const v2 =
      candidate?.v === 2 && Array.isArray(candidate.txns) && Array.isArray(candidate.decisions) && Array.isArray(candidate.epochs) && Array.isArray(candidate.ended);
    if ((candidate?.v !== 1 && !v2) || !Array.isArray(candidate?.kv) || !Array.isArray(candidate.requests) || !Array.isArray(candidate.members)) {
      throw new TypeError('KvStateMachine.restore: not a snapshot of this state machine (version 1 or 2)');
    }
    const parsed = raw as SnapshotData;
    this.#data.clear();
    for (const [key, value, revision] of parsed.kv) this.#data.set(key, { value, revision });
    this.#requests.restore(parsed.requests.map(([id, fingerprint, result]): [string, RequestRecord] => [id, { fingerprint, result }]));
    this.#memberUrls.clear();
    for (const [id, url] of parsed.members) this.#memberUrls.set(id, url);
    this.#appliedTxns.restore((parsed.txns ?? []).map(([id, fingerprint, result]): [string, RequestRecord] => [id, { fingerprint, result }]));
    this.#decisions.clear();
    for (const [txId, decision, participants, coordinator, index] of parsed.decisions ?? []) {
      this.#decisions.set(txId, { decision, participants, coordinator, index });
    }
    this.#epochs.clear();
    for (const [coordinator, epoch] of parsed.epochs ?? []) this.#epochs.set(coordinator, epoch);
    this.#ended.clear();
    for (const [txId, decision, participants, coordinator, index] of parsed.ended ?? []) this.#remember(txId, { decision, participants, coordinator, index, ended: true });
    this.#onMemberUrls?.(this.#memberUrls);
  }
}
