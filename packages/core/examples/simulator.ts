// examples/simulator.ts
import { SimNetwork, isSimulationFailureError, runRaftSimulation } from '@bulwark/core/testing';

/** Runs seeds 1..count of a 5-node Raft cluster under faults; returns each failure's message. */
export function soak(count: number): string[] {
  const failures: string[] = [];
  for (let seed = 1; seed <= count; seed++) {
    try {
      runRaftSimulation({ seed, nodes: 5, ops: 50 });
    } catch (error) {
      if (!isSimulationFailureError(error)) throw error;
      failures.push(error.message); // names the seed, the property and the replay command
    }
  }
  return failures;
}

/** A protocol of your own on the same network: a pings b every 10 ms through a partition. */
export function pings(seed: number): string[] {
  const seen: string[] = [];
  const net = new SimNetwork<number>({
    nodes: ['a', 'b'],
    seed,
    link: { minDelayMs: 1, maxDelayMs: 20, dropRate: 0.1 },
    deliver: ({ to, message }) => seen.push(`${net.now}ms ${to} got ${message}`),
  });
  for (let n = 0; n < 10; n++) net.schedule(n * 10, () => net.send('a', 'b', n), { node: 'a' });
  net.schedule(30, () => net.partition(['a'], ['b']));
  net.schedule(60, () => net.heal());
  net.runUntil(200);
  return seen; // the same seed, the same lines
}
