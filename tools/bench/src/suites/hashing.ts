/**
 * `hashing` suite: our four key-placement strategies side by side, 10 nodes, 1 M keys:
 *
 * 1. balance and movement: keys per node (relative standard deviation, busiest ÷ average) and
 *    the fraction of keys that move when an 11th node joins (ideal: 1/11, all to the newcomer);
 * 2. lookup speed: `get(key)` over the 1 M keys, with the harness's interleaved rounds;
 * 3. the ring's spread over many node namings (one naming is one draw of a random variable),
 *    with nearest-point placement (the default) and the classic clockwise successor;
 * 4. a Zipf(1.1) request stream, where bounded loads earn their keep.
 *
 * Peers: hashing libraries from npm are compared only when installed (none is a dependency).
 */
import { createRequire } from 'node:module';
import { BoundedLoadRing, HashRing, JumpHash, RendezvousHash, xxHash32 } from '@bulwark/core';
import type { ConsistentHash } from '@bulwark/core';
import { seededRandom } from '@bulwark/core/testing';
import { describeEnvironment } from '../env.js';
import type { BenchCase, HarnessOptions } from '../harness.js';
import { measureGroup } from '../harness.js';
import type { GoalResult } from '../report.js';
import { goalStatus, goalTable } from '../report.js';
import { median, range, sameRoundRatio } from '../stats.js';
import type { SuiteContext } from '../suite.js';
import { formatNs, formatOpsPerSec, formatRatio, formatTable } from '../table.js';

const NODES = 10;
const VIRTUAL_NODES = 256;
/** Lookups per harness call, so the harness's `await` per call is spread over many lookups. */
const LOOKUPS_PER_CALL = 1000;

const full = {
  keys: 1_000_000,
  namings: 20,
  zipf: { keys: 100_000, requests: 1_000_000 },
  harness: { rounds: 7, roundMs: 200, warmupMs: 300, batchMs: 5 },
};
const quick = {
  keys: 100_000,
  namings: 5,
  zipf: { keys: 10_000, requests: 100_000 },
  harness: { rounds: 3, roundMs: 30, warmupMs: 40, batchMs: 2 },
};

const GOALS = {
  rsd: { kind: 'max', target: 0.06 },
  busiest: { kind: 'max', target: 1.12 },
  /** |moved ÷ (1/11) − 1|. */
  movedError: { kind: 'max', target: 0.1 },
  lookupsPerSec: { kind: 'min', target: 5e6 },
} as const;

/** Peers we would compare with if installed (checked with require.resolve; nothing is installed for this). */
const PEER_CANDIDATES = ['hashring', 'consistent-hashing', 'consistent-hash', 'ketama', 'hash-ring', 'jump-consistent-hash', 'rendezvous-hash'];

interface Contender {
  readonly name: string;
  readonly make: (nodes: number) => ConsistentHash;
  /** Places one key as the strategy is used: `get`, or `acquire` (one unit of load per key) for bounded loads. */
  readonly place: (placement: ConsistentHash, key: string) => string | undefined;
}

const nodeName = (i: number): string => `node-${i}`;

function build(make: () => ConsistentHash, nodes: number): ConsistentHash {
  const placement = make();
  for (let i = 0; i < nodes; i++) placement.add(nodeName(i));
  return placement;
}

const get = (placement: ConsistentHash, key: string): string | undefined => placement.get(key);
const acquire = (placement: ConsistentHash, key: string): string | undefined => (placement as BoundedLoadRing).acquire(key);

const contenders: readonly Contender[] = [
  { name: `ring (${VIRTUAL_NODES} vnodes)`, make: (n) => build(() => new HashRing({ virtualNodes: VIRTUAL_NODES }), n), place: get },
  {
    name: `ring, clockwise placement (${VIRTUAL_NODES} vnodes)`,
    make: (n) => build(() => new HashRing({ virtualNodes: VIRTUAL_NODES, placement: 'clockwise' }), n),
    place: get,
  },
  { name: `bounded-load ring (c = 1.25, ${VIRTUAL_NODES} vnodes)`, make: (n) => build(() => new BoundedLoadRing({ virtualNodes: VIRTUAL_NODES }), n), place: acquire },
  { name: 'rendezvous (HRW)', make: (n) => build(() => new RendezvousHash(), n), place: get },
  { name: 'jump', make: (n) => build(() => new JumpHash(), n), place: get },
];

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
const fixed3 = (x: number): string => x.toFixed(3);

/** Relative standard deviation (population) and busiest ÷ average of per-node counts. */
function spread(counts: readonly number[]): { rsd: number; busiest: number } {
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  const sd = Math.sqrt(counts.reduce((a, c) => a + (c - mean) ** 2, 0) / counts.length);
  return { rsd: sd / mean, busiest: Math.max(...counts) / mean };
}

interface Balance {
  readonly rsd: number;
  readonly busiest: number;
  readonly moved: number;
  /** Keys that moved to a node other than the newcomer. */
  readonly movedElsewhere: number;
  readonly placeMs: number;
}

function measureBalance(contender: Contender, keys: readonly string[]): Balance {
  const ten = contender.make(NODES);
  const started = process.hrtime.bigint();
  const owners = keys.map((key) => contender.place(ten, key) as string);
  const placeMs = Number(process.hrtime.bigint() - started) / 1e6;
  const counts = new Map<string, number>();
  for (const owner of owners) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  const eleven = contender.make(NODES + 1);
  const newcomer = nodeName(NODES);
  let moved = 0;
  let movedElsewhere = 0;
  keys.forEach((key, i) => {
    const owner = contender.place(eleven, key);
    if (owner === owners[i]) return;
    moved++;
    if (owner !== newcomer) movedElsewhere++;
  });
  return { ...spread([...counts.values()]), moved: moved / keys.length, movedElsewhere, placeMs };
}

/**
 * One case's batch: LOOKUPS_PER_CALL evaluations of `expression` (with `target` and the key
 * `keys[i]` in scope), walking the key array. Compiled per case, as the harness compiles its
 * loops: a loop shared by every case would make its call site megamorphic, which is slower, and
 * slower for some cases than for others.
 */
function compileLookups(target: unknown, expression: string, keys: readonly string[], sink: { length: number }): () => void {
  const factory = new Function(
    'target',
    'keys',
    'sink',
    `"use strict"; let i = 0; return function lookups() { let total = 0; for (let n = 0; n < ${LOOKUPS_PER_CALL}; n++) { total += ${expression}; i = i + 1 === keys.length ? 0 : i + 1; } sink.length += total; };`,
  ) as (target: unknown, keys: readonly string[], sink: { length: number }) => () => void;
  return factory(target, keys, sink);
}

/** The lookup cases: each call does LOOKUPS_PER_CALL lookups, walking the key array. */
function lookupCases(keys: readonly string[], sink: { length: number }): BenchCase[] {
  const cases: BenchCase[] = [
    { name: 'baseline: read the key (no hash)', fn: compileLookups(undefined, 'keys[i].length', keys, sink) },
    { name: 'xxHash32 of the key only', fn: compileLookups(xxHash32, '(target(keys[i]) & 1) + 1', keys, sink) },
  ];
  for (const contender of contenders) {
    const placement = contender.make(NODES);
    // The bounded ring is looked up as it stands after placing every key once.
    if (contender.place === acquire) for (const key of keys) acquire(placement, key);
    cases.push({ name: contender.name, fn: compileLookups(placement, 'target.get(keys[i]).length', keys, sink) });
  }
  return cases;
}

/** The ring's spread over `namings` independent node namings, for a few virtual-node counts and both placements. */
function namingTable(namings: number): string {
  const configurations = [64, 256, 1000].flatMap((virtualNodes) => (['nearest', 'clockwise'] as const).map((placement) => ({ virtualNodes, placement })));
  const rows = configurations.map(({ virtualNodes, placement }) => {
    const rsds: number[] = [];
    const busiest: number[] = [];
    for (let naming = 0; naming < namings; naming++) {
      const ring = new HashRing({ virtualNodes, placement });
      for (let i = 0; i < NODES; i++) ring.add(`naming-${naming}/node-${i}`);
      const s = spread([...ring.shares().values()]);
      rsds.push(s.rsd);
      busiest.push(s.busiest);
    }
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    return [String(virtualNodes), placement, pct(mean(rsds)), pct(median(rsds)), pct(Math.max(...rsds)), fixed3(mean(busiest)), fixed3(Math.max(...busiest))];
  });
  return formatTable({
    headers: ['vnodes per node', 'placement', 'RSD: mean', 'RSD: median', 'RSD: worst', 'busiest ÷ avg: mean', 'busiest ÷ avg: worst'],
    align: ['right', 'left', 'right', 'right', 'right', 'right', 'right'],
    rows,
  });
}

/** Request ranks drawn from Zipf(s) over `keys` keys (seeded). */
function zipfRequests(keys: number, requests: number, s: number, seed: number): string[] {
  const cdf = new Float64Array(keys);
  let sum = 0;
  for (let r = 0; r < keys; r++) cdf[r] = sum += 1 / (r + 1) ** s;
  const random = seededRandom(seed);
  const names = Array.from({ length: keys }, (_, r) => `item:${r}`);
  return Array.from({ length: requests }, () => {
    const u = random() * sum;
    let lo = 0;
    let hi = keys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return names[lo];
  });
}

function zipfTable(requests: readonly string[]): string {
  const ring = contenders[0].make(NODES);
  const rows = contenders.map((contender) => {
    const placement = contender.make(NODES);
    const counts = new Map<string, number>();
    let offOwner = 0;
    for (const key of requests) {
      const node = contender.place(placement, key) as string;
      counts.set(node, (counts.get(node) ?? 0) + 1);
      if (contender.place === acquire && node !== ring.get(key)) offOwner++;
    }
    const s = spread(Array.from({ length: NODES }, (_, i) => counts.get(nodeName(i)) ?? 0));
    return [contender.name, pct(s.rsd), fixed3(s.busiest), contender.place === acquire ? pct(offOwner / requests.length) : '0 (by definition)'];
  });
  return formatTable({
    headers: ['strategy', 'RSD of requests per node', 'busiest ÷ avg', 'requests away from the ring owner'],
    align: ['left', 'right', 'right', 'right'],
    rows,
  });
}

function installedPeers(): string[] {
  const require = createRequire(import.meta.url);
  return PEER_CANDIDATES.filter((name) => {
    try {
      require.resolve(name);
      return true;
    } catch {
      return false;
    }
  });
}

/** Runs the hashing suite and prints its report. */
export async function run(ctx: SuiteContext): Promise<void> {
  const settings = ctx.quick ? quick : full;
  const started = Date.now();
  ctx.out('# hashing suite: ring, bounded-load ring, rendezvous and jump hashing (@bulwark/core)');
  ctx.out('');
  ctx.out(describeEnvironment(['@bulwark/core']));
  ctx.out('');
  const peers = installedPeers();
  ctx.out(
    peers.length === 0
      ? `Peers: none installed (looked for ${PEER_CANDIDATES.join(', ')}), so this run compares our strategies with each other and with the ideal values.`
      : `Peers installed but not wired into this suite yet: ${peers.join(', ')}.`,
  );
  if (ctx.quick) ctx.out('\n**--quick smoke run: fewer keys and rounds; numbers not to be quoted.**');

  const keys = Array.from({ length: settings.keys }, (_, i) => `user:${i}`);
  const keyCount = keys.length.toLocaleString('en-US');

  ctx.progress('1/4 balance and movement');
  const balances = contenders.map((contender) => measureBalance(contender, keys));
  ctx.out(`\n## 1. Balance and movement: ${NODES} nodes (\`node-0\` … \`node-9\`), ${keyCount} keys (\`user:0\` …), then \`node-10\` joins\n`);
  ctx.out(
    'RSD: standard deviation of keys per node ÷ the mean. Busiest ÷ avg: the most-loaded node ÷ the mean. Moved: keys whose node changed when the 11th node joined (ideal: 1/11 = 9.09%, all to the newcomer). ' +
      'The bounded-load ring places each key with `acquire` (one unit of load per key, c = 1.25), so its 11-node run is a fresh placement in the same key order.\n',
  );
  ctx.out(
    formatTable({
      headers: ['strategy', 'RSD', 'busiest ÷ avg', 'moved', 'moved ÷ (1/11)', 'moved to an old node', `placing ${keyCount} keys`],
      align: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
      rows: contenders.map((contender, i) => {
        const b = balances[i];
        return [contender.name, pct(b.rsd), fixed3(b.busiest), pct(b.moved), fixed3(b.moved * (NODES + 1)), String(b.movedElsewhere), `${b.placeMs.toFixed(0)} ms`];
      }),
    }),
  );

  ctx.progress('2/4 lookups');
  const sink = { length: 0 };
  const cases = lookupCases(keys, sink);
  const harness: HarnessOptions = { ...settings.harness, beforeEach: () => globalThis.gc?.(), progress: (note) => ctx.progress(`2/4 lookups: ${note}`) };
  const samples = await measureGroup(cases, harness);
  if (sink.length === 0) throw new Error('lookups: the sink stayed empty, so nothing was measured');
  ctx.out(`\n## 2. Lookups: \`get(key)\` over the ${keyCount} keys in order\n`);
  ctx.out(
    `Method: each harness call does ${LOOKUPS_PER_CALL} lookups (so the harness's \`await\` per call is spread over them); ${settings.harness.rounds} interleaved rounds with the case order rotated, ` +
      `~${settings.harness.roundMs} ms per case per round, median of batch means, full GC before each case. Every case reads its key from the array (the baseline row: ${keyCount} strings are more than the CPU caches hold).\n`,
  );
  const lookupNs = new Map(samples.map((s) => [s.name, median(s.roundNs) / LOOKUPS_PER_CALL]));
  const hashOnly = samples[1].roundNs;
  ctx.out(
    formatTable({
      headers: ['case', 'ns per lookup (median)', 'min–max over rounds', 'lookups/s', '× xxHash32 alone (same-round median)'],
      align: ['left', 'right', 'right', 'right', 'right'],
      rows: samples.map((s) => {
        const { min, max } = range(s.roundNs);
        return [
          s.name,
          formatNs(lookupNs.get(s.name) as number),
          `${formatNs(min / LOOKUPS_PER_CALL)}–${formatNs(max / LOOKUPS_PER_CALL)}`,
          formatOpsPerSec(lookupNs.get(s.name) as number),
          formatRatio(sameRoundRatio(s.roundNs, hashOnly)),
        ];
      }),
    }),
  );
  ctx.out('\nThe last column is steadier than the absolute numbers on a shared machine: the hash of a short key is most of a lookup.');

  ctx.progress('3/4 ring spread over namings');
  ctx.out(`\n## 3. The ring's spread over ${settings.namings} namings of ${NODES} nodes (exact shares of the hash space)\n`);
  ctx.out('One naming is one draw: the spread of a ring is a random variable of the node names, about 1/√vnodes. This shows its distribution.\n');
  ctx.out(namingTable(settings.namings));

  ctx.progress('4/4 Zipf stream');
  const { keys: zipfKeys, requests } = settings.zipf;
  ctx.out(`\n## 4. A Zipf(1.1) request stream: ${requests.toLocaleString('en-US')} requests over ${zipfKeys.toLocaleString('en-US')} keys, ${NODES} nodes\n`);
  const stream = zipfRequests(zipfKeys, requests, 1.1, 1);
  const hottest = stream.filter((key) => key === 'item:0').length / stream.length;
  ctx.out(
    `Each request counts one unit of load on its node (the bounded-load ring via \`acquire\`, never released). Balance of keys says nothing about hot keys: here the hottest key alone is ${pct(hottest)} of the requests, ${(hottest * NODES).toFixed(2)}× a node's fair share.\n`,
  );
  ctx.out(zipfTable(stream));

  const goals: GoalResult[] = [];
  contenders.forEach((contender, i) => {
    const b = balances[i];
    const perSec = 1e9 / (lookupNs.get(contender.name) as number);
    const line = (what: string, goal: string, measured: string, status: GoalResult['status']): void => {
      goals.push({ what: `${contender.name}: ${what}`, goal, measured, status });
    };
    line('RSD of keys per node', '≤ 6%', pct(b.rsd), goalStatus(b.rsd, GOALS.rsd));
    line('busiest ÷ average', '≤ 1.12', fixed3(b.busiest), goalStatus(b.busiest, GOALS.busiest));
    line('moved when an 11th node joins', 'within 10% of 1/11', `${fixed3(b.moved * (NODES + 1))} × 1/11`, goalStatus(Math.abs(b.moved * (NODES + 1) - 1), GOALS.movedError));
    line('lookups/s', '≥ 5 M', formatOpsPerSec(1e9 / perSec), goalStatus(perSec, GOALS.lookupsPerSec));
  });
  ctx.out('\n## Goals\n');
  ctx.out(formatTable(goalTable(goals)));
  ctx.out(`\nSuite time: ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}
