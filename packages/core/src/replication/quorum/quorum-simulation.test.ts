import { checkLinearizability } from '../../testing/linearizability/check-linearizability.js';
import { describeViolation } from '../../testing/linearizability/linearizability-violation.js';
import { kvModel } from '../../testing/linearizability/kv-model.js';
import type { KvInput, KvOutput } from '../../testing/linearizability/kv-model.js';
import type { HistoryOperation } from '../../testing/linearizability/history-operation.js';
import type { VectorClock } from '../clocks/vector-clock.js';
import { CausalToken } from './causal-token.js';
import type { ConsistencyLevel } from './request-options.js';
import { SimCluster } from './sim-cluster.js';
import type { GetResult } from './store-results.js';

// Seeded simulations of the quorum store: clients run random gets, puts and deletes against
// random coordinators while the network partitions, drops and duplicates messages and nodes
// crash and restart. A failure names its seed; QUORUM_SEED=<n> replays just that one, and
// QUORUM_SEEDS raises the number of seeds (CI runs a few; `QUORUM_SEEDS=500 npx jest quorum-simulation`).
const SEEDS = Number(process.env['QUORUM_SEEDS'] ?? 10);
const ONLY = process.env['QUORUM_SEED'] === undefined ? undefined : Number(process.env['QUORUM_SEED']);
const seeds = ONLY !== undefined ? [ONLY] : Array.from({ length: SEEDS }, (_, i) => i + 1);
const IDS = ['n1', 'n2', 'n3', 'n4', 'n5'];
const KEYS = ['x', 'y', 'z'];

type Op = HistoryOperation<KvInput, KvOutput>;

interface Client {
  readonly id: string;
  token: CausalToken;
  busy?: { readonly requestId: string; readonly input: KvInput; readonly call: number; readonly givesUpAt: number };
  /** Per key: the clock of every write of this client that succeeded, and of its last read. */
  readonly wrote: Map<string, VectorClock>;
  readonly read: Map<string, VectorClock>;
  count: number;
}

interface Workload {
  readonly seed: number;
  readonly consistency: ConsistencyLevel;
  readonly clients: number;
  readonly durationMs: number;
  /** Partitions, crashes, loss and duplication while the workload runs. */
  readonly faults: boolean;
}

interface Outcome {
  readonly cluster: SimCluster<string>;
  readonly history: Op[];
  readonly violations: string[];
  readonly completed: number;
  readonly failed: number;
}

function runWorkload(w: Workload): Outcome {
  const cluster = new SimCluster<string>({
    ids: IDS,
    seed: w.seed,
    maxDelayMs: 8,
    maxClockSkewMs: 100, // nodes' clocks disagree: stamps must not rely on them
    // Hints and anti-entropy only when the test asks, so that the rounds after healing are counted.
    config: { replicas: 3, requestTimeoutMs: 300, standInAfterMs: 40, maintenanceIntervalMs: 1e9 },
  });
  const random = cluster.random;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const clients: Client[] = Array.from({ length: w.clients }, (_, i) => ({ id: `c${i}`, token: CausalToken.empty, wrote: new Map(), read: new Map(), count: 0 }));
  const history: Op[] = [];
  const violations: string[] = [];
  let completed = 0;
  let failed = 0;
  const end = cluster.clock.now() + w.durationMs;
  let nextFault = cluster.clock.now() + 50;
  while (cluster.clock.now() < end) {
    const now = cluster.clock.now();
    if (w.faults && now >= nextFault) {
      nextFault = now + 50 + Math.floor(random() * 150);
      const roll = random();
      const down = IDS.filter((id) => !cluster.isUp(id));
      if (roll < 0.3) {
        const shuffled = [...IDS].sort(() => random() - 0.5);
        const cut = 1 + Math.floor(random() * (IDS.length - 1));
        cluster.partition([shuffled.slice(0, cut), shuffled.slice(cut)]);
      } else if (roll < 0.5) cluster.heal();
      else if (roll < 0.65 && down.length === 0) cluster.crash(pick(IDS));
      else if (roll < 0.8 && down.length > 0) cluster.restart(pick(down));
      cluster.dropRate = random() < 0.3 ? 0.05 : 0;
      cluster.duplicateRate = random() < 0.3 ? 0.05 : 0;
    }
    for (const client of clients) {
      if (client.busy !== undefined) continue;
      const coordinator = pick(IDS.filter((id) => cluster.isUp(id)));
      const key = pick(KEYS);
      const roll = random();
      const options = { consistency: w.consistency, token: client.token };
      let input: KvInput;
      let requestId: string;
      if (roll < 0.5) {
        input = { op: 'get', key };
        requestId = cluster.at(coordinator, (n) => n.get(key, options));
      } else if (roll < 0.9) {
        input = { op: 'put', key, value: `${client.id}.${++client.count}` };
        const value = input.value;
        requestId = cluster.at(coordinator, (n) => n.put(key, value, options));
      } else {
        input = { op: 'delete', key };
        requestId = cluster.at(coordinator, (n) => n.delete(key, options));
      }
      client.busy = { requestId, input, call: now, givesUpAt: now + 1000 };
    }
    cluster.run(2);
    for (const client of clients) {
      const busy = client.busy;
      if (busy === undefined) continue;
      const completion = cluster.completions.get(busy.requestId);
      const at = cluster.clock.now();
      if (completion === undefined) {
        // The coordinator crashed with the request: the client gives up, outcome unknown.
        if (at < busy.givesUpAt) continue;
        if (busy.input.op !== 'get') history.push({ clientId: client.id, input: busy.input, call: busy.call, return: Infinity });
        client.busy = undefined;
        failed++;
        continue;
      }
      client.busy = undefined;
      if (!completion.ok) {
        failed++;
        if (busy.input.op !== 'get') history.push({ clientId: client.id, input: busy.input, call: busy.call, return: Infinity });
        continue;
      }
      completed++;
      const key = busy.input.key;
      if (completion.kind === 'get') {
        const result = completion.result as GetResult<string>;
        const wrote = client.wrote.get(key);
        const read = client.read.get(key);
        if (wrote !== undefined && !result.context.dominates(wrote)) violations.push(`${client.id} did not read its own write of ${key} at ${at}`);
        if (read !== undefined && !result.context.dominates(read)) violations.push(`${client.id}'s read of ${key} at ${at} went back in time`);
        client.read.set(key, result.context);
        client.token = result.token;
        history.push({ clientId: client.id, input: busy.input, output: result.value ?? '', call: busy.call, return: at });
      } else {
        const clock = completion.result.version.toVectorClock();
        client.wrote.set(key, (client.wrote.get(key) ?? clock).merge(clock));
        client.token = completion.result.token;
        history.push({ clientId: client.id, input: busy.input, call: busy.call, return: at });
      }
    }
  }
  // Writes still running when the workload stops may or may not take effect.
  for (const client of clients) {
    const busy = client.busy;
    if (busy !== undefined && busy.input.op !== 'get') history.push({ clientId: client.id, input: busy.input, call: busy.call, return: Infinity });
  }
  return { cluster, history, violations, completed, failed };
}

/** Heals everything, lets requests time out, then runs anti-entropy rounds until the replicas agree. */
function roundsToConverge(cluster: SimCluster<string>, maxRounds: number): number {
  cluster.heal();
  for (const id of IDS) cluster.restart(id);
  cluster.dropRate = 0;
  cluster.duplicateRate = 0;
  cluster.run(1000); // every request has timed out or finished; nothing is in flight
  cluster.runUntilQuiet();
  const keys = cluster.allKeys();
  const hints = () => IDS.reduce((sum, id) => sum + cluster.node(id).hintCount, 0);
  for (let round = 0; round <= maxRounds; round++) {
    if (cluster.converged(keys, 3) && hints() === 0) return round;
    // One round: every node offers its hints and starts one exchange with its next peer.
    for (const id of IDS) cluster.at(id, (n) => (n.offerHints(), n.startAntiEntropy()));
    cluster.runUntilQuiet();
  }
  return Infinity;
}

function withSeed<T>(name: string, seed: number, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new Error(`${name}: seed ${seed} failed (replay: QUORUM_SEED=${seed}): ${(error as Error).message}`, { cause: error });
  }
}

describe('quorum store under a seeded faulty network', () => {
  it(`strong, strict quorums: single-key histories are linearizable (${seeds.length} seeds)`, () => {
    let operations = 0;
    for (const seed of seeds) {
      withSeed('linearizability', seed, () => {
        const { history, completed } = runWorkload({ seed, consistency: 'strong', clients: 4, durationMs: 2500, faults: true });
        const result = checkLinearizability(kvModel(), history, { timeoutMs: 20_000 });
        if (result.result === 'illegal') throw new Error(describeViolation(result.violation));
        expect(result.result).toBe('ok');
        expect(completed).toBeGreaterThan(20);
        operations += history.length;
      });
    }
    expect(operations).toBeGreaterThan(seeds.length * 20);
  });

  it.each<ConsistencyLevel>(['eventual', 'weak', 'strong'])(`%s: read-your-writes and monotonic reads hold for every session (${seeds.length} seeds)`, (consistency) => {
    for (const seed of seeds) {
      withSeed(`sessions (${consistency})`, seed, () => {
        const { violations, completed } = runWorkload({ seed, consistency, clients: 5, durationMs: 2000, faults: true });
        expect(violations).toEqual([]);
        expect(completed).toBeGreaterThan(20);
      });
    }
  });

  it(`eventual, sloppy: after healing, replicas converge within a bounded number of anti-entropy rounds (${seeds.length} seeds)`, () => {
    const rounds: number[] = [];
    for (const seed of seeds) {
      withSeed('convergence', seed, () => {
        const { cluster } = runWorkload({ seed, consistency: 'eventual', clients: 5, durationMs: 2000, faults: true });
        const needed = roundsToConverge(cluster, 8);
        expect(needed).toBeLessThanOrEqual(8);
        rounds.push(needed);
      });
    }
    if (process.env['QUORUM_REPORT'] !== undefined) {
      const histogram = rounds.reduce<Record<number, number>>((h, r) => ({ ...h, [r]: (h[r] ?? 0) + 1 }), {});
      console.log(`anti-entropy rounds to converge over ${rounds.length} seeds: max ${Math.max(...rounds)}, histogram ${JSON.stringify(histogram)}`);
    }
  });

  it('the same seed replays exactly', () => {
    const a = runWorkload({ seed: 42, consistency: 'eventual', clients: 3, durationMs: 800, faults: true });
    const b = runWorkload({ seed: 42, consistency: 'eventual', clients: 3, durationMs: 800, faults: true });
    expect(JSON.stringify(b.history)).toBe(JSON.stringify(a.history));
    expect(b.cluster.delivered).toBe(a.cluster.delivered);
  });
});
