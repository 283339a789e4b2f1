import { commandFromJson } from '../kv/kv-command.js';
import type { KvCommand, KvResult } from '../kv/kv-command.js';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { SagaUnavailableError } from './saga-unavailable-error.js';

/** The replicated command of the sagas' participants. */
export type SagaStepCommand = Extract<KvCommand, { op: 'saga-step' }>;

/** The saga-step command a request body is, or `undefined` (another command, or not one). */
export function sagaCommandFromJson(body: unknown): SagaStepCommand | undefined {
  const command = commandFromJson(body);
  return command?.op === 'saga-step' ? command : undefined;
}

/**
 * Proposes saga-step commands through the cluster's Raft log from any member: on the leader
 * directly, from a follower by handing the command to the leader (`POST /sagas/commands`, with
 * the token and the forwarding header, through the `forward` timeout and the leader's breaker).
 * Resolves with the command's result once applied on the leader. The command is idempotent by
 * its key, so a retry after an unknown outcome is safe.
 */
export class SagaProposer {
  constructor(private readonly runtime: ClusterRuntime) {}

  /** @throws {SagaUnavailableError} no leader, or the leader could not be reached or refused */
  async propose(command: SagaStepCommand): Promise<Extract<KvResult, { type: 'saga-step' }>> {
    let result: KvResult;
    if (this.runtime.isLeader()) {
      result = await this.runtime.propose(command);
    } else {
      const leader = this.runtime.leader();
      if (leader?.url === undefined) throw new SagaUnavailableError('no leader is known');
      const reply = await this.runtime.leaderClient.forward(leader.id, leader.url, {
        method: 'POST',
        path: '/sagas/commands',
        body: JSON.stringify(command),
        write: true,
      });
      if (reply.status !== 200 || reply.raw === undefined) throw new SagaUnavailableError(`the leader ${leader.id} answered ${reply.status}`);
      result = JSON.parse(reply.raw) as KvResult;
    }
    if (typeof result !== 'object' || result === null || result.type !== 'saga-step') throw new SagaUnavailableError(`the saga step was answered ${JSON.stringify(result)}`);
    return result;
  }
}
