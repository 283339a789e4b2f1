// examples/two-phase-commit.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDecisionLog, TwoPhaseCoordinator, TwoPhaseParticipant, systemClock, systemRandom } from '@bulwark/core';
import type { ParticipantStore, TransactionMessage } from '@bulwark/core';

/** Moves `amount` from account a (at bank-1) to account b (at bank-2), all or nothing. */
export async function transfer(amount: number): Promise<{ status: string; a?: string; b?: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'two-phase-'));
  const banks = { 'bank-1': new Map([['a', '100']]), 'bank-2': new Map([['b', '0']]) };
  // Writes are absolute values, so applying one twice (after a crash) changes nothing.
  const store = (data: Map<string, string>): ParticipantStore => ({
    read: (key) => data.get(key),
    apply: (_txId, writes) => void writes.forEach((w) => (w.value === null ? data.delete(w.key) : data.set(w.key, w.value))),
  });
  // One process here; across processes, POST the JSON and call receive() where it lands.
  const parties = new Map<string, { receive(message: unknown): void }>();
  const transport = {
    send: (m: TransactionMessage) =>
      queueMicrotask(() => {
        try {
          parties.get(m.to)?.receive(JSON.parse(JSON.stringify(m)));
        } catch {
          // A stopped party refuses (as an HTTP endpoint answers 503): the message is lost; the protocol re-sends.
        }
      }),
  };
  const common = { transport, clock: systemClock, random: systemRandom };
  const decisionLog = FileDecisionLog.open({ dir: join(dir, 'coordinator') });
  const coordinator = await TwoPhaseCoordinator.open({ id: 'coordinator', decisionLog, ...common });
  const participants = Object.entries(banks).map(([id, data]) => TwoPhaseParticipant.open({ id, dir: join(dir, id), store: store(data), ...common }));
  parties.set('coordinator', coordinator);
  for (const p of participants) parties.set(p.id, p);
  try {
    const a = Number(banks['bank-1'].get('a'));
    const b = Number(banks['bank-2'].get('b'));
    const result = await coordinator.transact({
      participants: { 'bank-1': { writes: [{ key: 'a', value: String(a - amount) }] }, 'bank-2': { writes: [{ key: 'b', value: String(b + amount) }] } },
      timeoutMs: 2000,
    });
    // Phase two runs on after the answer: wait until both banks applied the commit.
    while (participants.some((p) => p.activeCount > 0)) await new Promise((resolve) => setImmediate(resolve));
    return { status: result.status, a: banks['bank-1'].get('a'), b: banks['bank-2'].get('b') };
  } finally {
    await coordinator.stop();
    for (const p of participants) await p.stop();
    decisionLog.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
