import type { Decision, DecisionLog, PartyId, RecordedDecision, TxId } from '@bulwark/core';
import type { KvStateMachine } from '../kv/kv-state-machine.js';
import type { MemberProposer } from '../cluster/member-proposer.js';
import { TxnUnavailableError } from './txn-unavailable-error.js';

/** What a {@link RaftDecisionLog} needs of its member. */
export interface DecisionLogMember {
  readonly kv: KvStateMachine;
  readonly proposer: Pick<MemberProposer, 'propose'>;
  /** A linearizable read barrier: resolves once the local state machine holds every write committed before the call. */
  readBarrier(consistency: 'linearizable'): Promise<void>;
}

/**
 * The two-phase commit {@link DecisionLog} of a cluster member, replicated through the cluster's
 * Raft log: a decision is a `txn-decision` command, and the first one committed for a
 * transaction stands (the KV state machine keeps it until `txn-end`). So any member can answer
 * an in-doubt participant, and a coordinator crash never blocks one: a member asked about a
 * transaction with no decision records an abort, which a coordinator's later commit cannot
 * override (and which its own commit, committed first, overrides). Epochs are `txn-epoch`
 * commands, one counter per coordinator. Every method rejects (`CommandUnavailableError`)
 * while there is no leader; the coordinator retries.
 */
export class RaftDecisionLog implements DecisionLog {
  constructor(
    private readonly member: DecisionLogMember,
    /** The coordinator (member) whose decisions these are. */
    private readonly coordinator: PartyId,
  ) {}

  async record(txId: TxId, decision: Decision, participants: readonly PartyId[]): Promise<Decision> {
    const result = await this.member.proposer.propose({ op: 'txn-decision', txId, decision, participants, coordinator: this.coordinator });
    if (result.type !== 'txn-decision') throw new TxnUnavailableError(`recording the decision of ${txId} answered ${result.type}`);
    return result.decision;
  }

  async lookup(txId: TxId): Promise<Decision | undefined> {
    await this.member.readBarrier('linearizable');
    return this.member.kv.decision(txId)?.decision;
  }

  async end(txId: TxId): Promise<void> {
    await this.member.proposer.propose({ op: 'txn-end', txId });
  }

  async recover(): Promise<{ readonly epoch: number; readonly pending: readonly RecordedDecision[] }> {
    const result = await this.member.proposer.propose({ op: 'txn-epoch', coordinator: this.coordinator });
    if (result.type !== 'txn-epoch') throw new TxnUnavailableError(`a new epoch answered ${result.type}`);
    // The epoch's entry is applied here once propose resolves on the leader; on a follower, wait
    // for it (and every decision before it) to be applied locally.
    await this.member.readBarrier('linearizable');
    const pending = this.member.kv.decisionsOf(this.coordinator).map(({ txId, decision, participants }) => ({ txId, decision, participants }));
    return { epoch: result.epoch, pending };
  }
}
