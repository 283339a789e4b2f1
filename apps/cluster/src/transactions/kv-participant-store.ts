import type { ParticipantStore, TxId, TxWrite } from '@bulwark/core';
import type { KvStateMachine } from '../kv/kv-state-machine.js';
import type { MemberProposer } from '../cluster/member-proposer.js';

/**
 * A member's two-phase commit participant store: the cluster's replicated KV. Reads go through
 * a linearizable read barrier, then the local state machine; a committed transaction's writes at
 * this participant are one `txn-apply` command through Raft, applied once per transaction and
 * participant (a re-apply after a crash changes nothing), visible on every member.
 */
export class KvParticipantStore implements ParticipantStore {
  constructor(
    private readonly participant: string,
    private readonly kv: KvStateMachine,
    private readonly proposer: Pick<MemberProposer, 'propose'>,
    private readonly readBarrier: (consistency: 'linearizable') => Promise<void>,
  ) {}

  async read(key: string): Promise<string | null> {
    await this.readBarrier('linearizable');
    return this.kv.get(key)?.value ?? null;
  }

  async apply(txId: TxId, writes: readonly TxWrite[]): Promise<void> {
    const result = await this.proposer.propose({ op: 'txn-apply', txId, participant: this.participant, writes });
    if (result.type !== 'txn-applied') throw new Error(`applying ${txId} answered ${result.type}`);
  }
}
