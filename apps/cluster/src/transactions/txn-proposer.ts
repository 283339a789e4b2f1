import { commandFromJson } from '../kv/kv-command.js';
import type { KvCommand, KvResult } from '../kv/kv-command.js';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';

/** The replicated commands of the transactions: a participant's writes, decisions, ends and epochs. */
export type TxnCommand = Extract<KvCommand, { op: 'txn-apply' | 'txn-decision' | 'txn-end' | 'txn-epoch' }>;

/** The commands a follower may hand its leader through `POST /transactions/commands`. */
export const TXN_OPS: ReadonlySet<string> = new Set(['txn-apply', 'txn-decision', 'txn-end', 'txn-epoch']);

/** The transaction command a request body is, or `undefined` (another command, or not one). */
export function txnCommandFromJson(body: unknown): TxnCommand | undefined {
  const command = commandFromJson(body);
  return command !== undefined && TXN_OPS.has(command.op) ? (command as TxnCommand) : undefined;
}

/**
 * Thrown when a transaction command could not be proposed now (no leader, the leader
 * unreachable, or it refused): the command may or may not apply later. Callers retry with
 * backoff — the commands are idempotent (first decision wins, applies run once).
 */
export class TxnUnavailableError extends Error {
  override readonly name = 'TxnUnavailableError';
  readonly code = 'ETXNUNAVAILABLE';
}

/**
 * Proposes transaction commands through the cluster's Raft log from any member: on the leader
 * directly (with the KV's batching, bulkhead and timeout), from a follower by handing the command
 * to the leader (`POST /transactions/commands`, token and forwarding header, through the
 * `forward` timeout and the leader's breaker). Resolves with the command's result once applied
 * (on the leader).
 */
export class TxnProposer {
  constructor(private readonly runtime: ClusterRuntime) {}

  async propose(command: TxnCommand): Promise<KvResult> {
    if (this.runtime.isLeader()) return this.runtime.propose(command);
    const leader = this.runtime.leader();
    if (leader?.url === undefined) throw new TxnUnavailableError('no leader is known');
    const reply = await this.runtime.leaderClient.forward(leader.id, leader.url, {
      method: 'POST',
      path: '/transactions/commands',
      body: JSON.stringify(command),
      write: true,
    });
    if (reply.status !== 200 || reply.raw === undefined) throw new TxnUnavailableError(`the leader ${leader.id} answered ${reply.status}`);
    const result = JSON.parse(reply.raw) as KvResult | null;
    if (typeof result !== 'object' || result === null || typeof result.type !== 'string') throw new TxnUnavailableError(`the leader ${leader.id} answered no result`);
    return result;
  }
}
