import { commandFromJson } from '../kv/kv-command.js';
import type { KvCommand, KvResult } from '../kv/kv-command.js';
import type { ClusterRuntime } from './cluster-runtime.js';

/** Where a follower hands its leader a command for the Raft log (token-protected, members only). */
export const COMMANDS_PATH = '/cluster/commands';

/**
 * The commands any member may propose through the leader: the transactions' (a participant's
 * writes, decisions, ends, epochs) and the sagas' steps. Client writes are not among them: they
 * are forwarded as the client's own requests, with its request id.
 */
export type MemberCommand = Extract<KvCommand, { op: 'txn-apply' | 'txn-decision' | 'txn-end' | 'txn-epoch' | 'saga-step' }>;

const MEMBER_OPS: ReadonlySet<string> = new Set(['txn-apply', 'txn-decision', 'txn-end', 'txn-epoch', 'saga-step']);

/** The member command a request body is, or `undefined` (another command, or not one). */
export function memberCommandFromJson(body: unknown): MemberCommand | undefined {
  const command = commandFromJson(body);
  return command !== undefined && MEMBER_OPS.has(command.op) ? (command as MemberCommand) : undefined;
}

/**
 * Thrown when a member command could not be proposed now (no leader, the leader unreachable, or
 * it refused): the command may or may not apply later. Callers retry with backoff — every member
 * command is idempotent (first decision wins, applies and saga steps run once).
 */
export class CommandUnavailableError extends Error {
  override readonly name = 'CommandUnavailableError';
  readonly code = 'ECOMMANDUNAVAILABLE';
}

/**
 * Proposes member commands through the cluster's Raft log from any member: on the leader
 * directly (with the KV's batching, bulkhead and timeout), from a follower by handing the command
 * to the leader (`POST /cluster/commands`, with the token and the forwarding header, through the
 * `forward` timeout and the leader's breaker). Resolves with the command's result once applied
 * on the leader.
 */
export class MemberProposer {
  constructor(private readonly runtime: ClusterRuntime) {}

  /** @throws {CommandUnavailableError} no leader, or the leader could not be reached or refused */
  async propose(command: MemberCommand): Promise<KvResult> {
    if (this.runtime.isLeader()) return this.runtime.propose(command);
    const leader = this.runtime.leader();
    if (leader?.url === undefined) throw new CommandUnavailableError('no leader is known');
    const reply = await this.runtime.leaderClient.forward(leader.id, leader.url, { method: 'POST', path: COMMANDS_PATH, body: JSON.stringify(command), write: true });
    if (reply.status !== 200 || reply.raw === undefined) throw new CommandUnavailableError(`the leader ${leader.id} answered ${reply.status}`);
    const result = JSON.parse(reply.raw) as KvResult | null;
    if (typeof result !== 'object' || result === null || typeof result.type !== 'string') throw new CommandUnavailableError(`the leader ${leader.id} answered no result`);
    return result;
  }
}
