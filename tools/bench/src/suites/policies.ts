/**
 * `policies` suite: our retry, bulkhead and a three-policy `wrap` against cockatiel 4 (and, for
 * retry, p-retry 9), all in this one process, with interleaved rounds (see harness.ts). Every
 * case is the success path of `async () => 1`, which is what a policy costs on nearly every
 * call of a healthy service:
 *
 * 1. retry, 3 attempts in all, exponential backoff (never used: nothing fails);
 * 2. bulkhead, 10 slots, no queue (never full: calls run one after the other);
 * 3. bulkhead → retry → circuit breaker, composed with each library's `wrap`.
 */
import {
  bulkhead as cockatielBulkhead,
  circuitBreaker as cockatielCircuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleAll,
  retry as cockatielRetry,
  wrap as cockatielWrap,
} from 'cockatiel';
import type { BulkheadPolicy as CockatielBulkhead, CircuitBreakerPolicy, RetryPolicy as CockatielRetry } from 'cockatiel';
import pRetry from 'p-retry';
import type { BulkheadPolicy, RetryPolicy } from '@bulwark/core';
import { bulkhead, CircuitBreaker, retry, wrap } from '@bulwark/core';
import { describeEnvironment } from '../env.js';
import type { CaseSamples, HarnessOptions } from '../harness.js';
import type { GoalResult, QuotedCost } from '../report.js';
import { goalTable, quotedCostTable } from '../report.js';
import type { Scenario } from '../scenario.js';
import { expectValue, methodNote, runScenario } from '../scenario.js';
import { sameRoundRatio } from '../stats.js';
import type { SuiteContext } from '../suite.js';
import { formatRatio, formatTable } from '../table.js';

const OURS = 'ours';
const COCKATIEL = 'cockatiel';
const P_RETRY = 'p-retry';
const BARE = 'bare `await fn()`';

const succeed = async (): Promise<number> => 1;

// Not a peer: what `reads` clock reads add to a bare call on this machine, where `Date.now()`
// can cost as much as an `await` (a system call on some VMs). Ours reads the system clock on
// the success path (bulkhead: 2, retry: 1, breaker: 2); cockatiel reads none.
function withClockReads(reads: number): () => Promise<number> {
  return () => {
    let sum = 0;
    for (let i = 0; i < reads; i++) sum += Date.now();
    // Uses the reads, so they cannot be optimised away; verify() sees the 0 if none happened.
    return sum > 0 ? succeed() : Promise.resolve(0);
  };
}
const clockReadsLabel = (reads: number): string => `bare + ${reads} × \`Date.now()\` (not a peer)`;

const full = { rounds: 9, roundMs: 200, warmupMs: 300, batchMs: 5 };
const quick = { rounds: 3, roundMs: 30, warmupMs: 40, batchMs: 2 };

const GOALS = {
  cockatiel: { kind: 'min', target: 1 },
  pRetry: { kind: 'min', target: 20 },
} as const;

/** cockatiel's added ns per call on this machine, as the issue quotes them. */
const ISSUE_FIGURES = { retry: 175, bulkhead: 87, wrap: 800 } as const;

/** A scenario plus the issue's figure for cockatiel's added cost. */
interface PolicyScenario extends Scenario {
  readonly quoted: readonly QuotedCost[];
  /** A peer whose speed-up goal is worth putting beside its ceiling (see {@link ceilingNote}). */
  readonly ceilingFor?: string;
}

/**
 * The speed-up over `peer` that a policy costing nothing at all would show (peer ns ÷ bare ns,
 * same-round median): a speed-up goal above it cannot be met, whatever ours costs.
 */
function ceilingNote(samples: readonly CaseSamples[], peer: string): string {
  const ns = (name: string): readonly number[] => samples.find((s) => s.name === name)?.roundNs ?? [];
  const ceiling = sameRoundRatio(ns(peer), ns(BARE));
  return `Ceiling: a policy that cost nothing would be ${formatRatio(ceiling)} faster than ${peer} here (${peer} ns ÷ bare ns), so a speed-up goal above that cannot be met; the added-cost ratio is the comparison that can go past it.`;
}

// One construction per library and policy, shared by scenarios 1 to 3, so "the same
// configuration" is written once.
const ours = {
  retry: (): RetryPolicy => retry({ maxAttempts: 3 }),
  bulkhead: (): BulkheadPolicy => bulkhead({ maxConcurrent: 10, maxQueued: 0 }),
  // The fairest equivalent of cockatiel's ConsecutiveBreaker(5) with halfOpenAfter 10 s: no
  // per-call timeout (cockatiel's breaker has none), 5 consecutive failures open it, a trial
  // after 10 s. It still keeps opossum's rolling stats (counts and a latency histogram), which
  // cockatiel's breaker does not; that is part of what ours costs. `execute` ignores the
  // action, so `succeed` is only there because the opossum-style constructor requires one.
  breaker: (): CircuitBreaker =>
    new CircuitBreaker(succeed, { timeout: false, resetTimeout: 10_000, slidingWindow: { kind: 'consecutive', failures: 5 } }),
};
const cockatiel = {
  // cockatiel counts retries in maxAttempts (3 means up to 4 attempts); ours counts attempts.
  // On the success path both make exactly one.
  retry: (): CockatielRetry => cockatielRetry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() }),
  bulkhead: (): CockatielBulkhead => cockatielBulkhead(10, 0),
  breaker: (): CircuitBreakerPolicy =>
    cockatielCircuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }),
};
// Hoisted: p-retry copies its options on every call anyway, and a literal per call would charge
// it an allocation that is the caller's, not the library's.
const P_RETRY_OPTIONS = { retries: 2 } as const;

function retryScenario(): PolicyScenario {
  const policy = ours.retry();
  const peer = cockatiel.retry();
  return {
    title: '1. retry: success path of `async () => 1`',
    short: 'retry',
    notes: [
      'ours: `retry({ maxAttempts: 3 })` (default backoff: exponential, full jitter). cockatiel: `retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() })`. p-retry: `pRetry(fn, { retries: 2 })`, options object hoisted.',
      'All three allow 3 attempts except cockatiel, whose `maxAttempts` counts retries (up to 4 attempts); on the success path each makes one attempt and arms no timer.',
    ],
    baseline: BARE,
    cases: [
      { name: BARE, fn: succeed },
      { name: OURS, fn: () => policy.execute(succeed) },
      { name: COCKATIEL, fn: () => peer.execute(succeed) },
      { name: P_RETRY, fn: () => pRetry(succeed, P_RETRY_OPTIONS) },
    ],
    comparisons: [
      { peer: COCKATIEL, goal: GOALS.cockatiel },
      { peer: P_RETRY, goal: GOALS.pRetry },
    ],
    quoted: [{ peer: COCKATIEL, addedNs: ISSUE_FIGURES.retry }],
    ceilingFor: P_RETRY,
    verify: async () => {
      await expectValue(succeed(), 1, BARE);
      await expectValue(withClockReads(2)(), 1, clockReadsLabel(2));
      await expectValue(policy.execute(succeed), 1, OURS);
      await expectValue(peer.execute(succeed), 1, COCKATIEL);
      await expectValue(pRetry(succeed, P_RETRY_OPTIONS), 1, P_RETRY);
    },
    dispose: () => undefined,
  };
}

function checkOursIdle(pool: BulkheadPolicy, what: string): void {
  if (pool.activeCount !== 0 || pool.queuedCount !== 0) throw new Error(`${what}: calls still in the bulkhead after the round`);
}

function checkCockatielIdle(pool: CockatielBulkhead, what: string): void {
  if (pool.executionSlots !== 10 || pool.queueSlots !== 0) throw new Error(`${what}: calls still in the bulkhead after the round`);
}

function bulkheadScenario(): PolicyScenario {
  const pool = ours.bulkhead();
  const peer = cockatiel.bulkhead();
  return {
    title: '2. bulkhead: success path of `async () => 1`',
    short: 'bulkhead',
    notes: [
      'ours: `bulkhead({ maxConcurrent: 10, maxQueued: 0 })`. cockatiel: `bulkhead(10, 0)`. Calls run one at a time, so a slot is always free and nothing queues or is rejected.',
      `Ours times calls (two clock reads) for the recent mean duration behind a rejection's \`retryAfterMs\` (cockatiel's rejection carries no such estimate): every call that starts with half the slots or more busy, one in eight of the others, so here one call in eight. The "${clockReadsLabel(2)}" row shows what timing every call would cost.`,
    ],
    baseline: BARE,
    cases: [
      { name: BARE, fn: succeed },
      { name: clockReadsLabel(2), fn: withClockReads(2) },
      { name: OURS, fn: () => pool.execute(succeed), check: () => checkOursIdle(pool, OURS) },
      { name: COCKATIEL, fn: () => peer.execute(succeed), check: () => checkCockatielIdle(peer, COCKATIEL) },
    ],
    comparisons: [{ peer: COCKATIEL, goal: GOALS.cockatiel }],
    quoted: [{ peer: COCKATIEL, addedNs: ISSUE_FIGURES.bulkhead }],
    verify: async () => {
      await expectValue(pool.execute(succeed), 1, OURS);
      await expectValue(peer.execute(succeed), 1, COCKATIEL);
      checkOursIdle(pool, OURS);
      checkCockatielIdle(peer, COCKATIEL);
    },
    dispose: () => undefined,
  };
}

function wrapScenario(): PolicyScenario {
  const oursPool = ours.bulkhead();
  const oursBreaker = ours.breaker();
  const composed = wrap(oursPool, ours.retry(), oursBreaker);
  const peerPool = cockatiel.bulkhead();
  const peerBreaker = cockatiel.breaker();
  const peer = cockatielWrap(peerPool, cockatiel.retry(), peerBreaker);
  const checkOurs = (): void => {
    checkOursIdle(oursPool, OURS);
    if (!oursBreaker.closed) throw new Error(`${OURS}: the breaker left CLOSED`);
  };
  const checkPeer = (): void => {
    checkCockatielIdle(peerPool, COCKATIEL);
    if (peerBreaker.state !== CircuitState.Closed) throw new Error(`${COCKATIEL}: the breaker left Closed`);
  };
  return {
    title: '3. wrap(bulkhead, retry, circuit breaker): success path of `async () => 1`',
    short: 'wrap',
    notes: [
      `Order, outermost first: bulkhead → retry → circuit breaker, for both. It is the order our docs recommend (\`wrap()\`'s JSDoc: bulkhead outside retries, so retries never multiply the load it admits; the breaker inside, so it sees every attempt), and the order the issue gives for cockatiel. ours: \`${composed.describe()}\`.`,
      'ours: `wrap(bulkhead({ maxConcurrent: 10, maxQueued: 0 }), retry({ maxAttempts: 3 }), new CircuitBreaker(fn, { timeout: false, resetTimeout: 10_000, slidingWindow: { kind: \'consecutive\', failures: 5 } }))`, the breaker used as a Policy through `execute` (its action is never called). cockatiel: `wrap(bulkhead(10, 0), retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() }), circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }))`.',
      'Why that breaker configuration: cockatiel\'s breaker arms no per-call timeout, so ours runs with `timeout: false`; `ConsecutiveBreaker(5)` is our `slidingWindow: { kind: \'consecutive\', failures: 5 }`; `halfOpenAfter: 10_000` is our `resetTimeout: 10_000`. Ours still keeps opossum-compatible rolling stats (counts and a latency histogram), which cockatiel does not, and that cost is included.',
      `Ours reads the clock five times per call (bulkhead 2, retry 1, breaker 2: durations, elapsed time, stats buckets and latencies); cockatiel reads it none. The "${clockReadsLabel(5)}" row shows what five reads cost here.`,
    ],
    baseline: BARE,
    cases: [
      { name: BARE, fn: succeed },
      { name: clockReadsLabel(5), fn: withClockReads(5) },
      { name: OURS, fn: () => composed.execute(succeed), check: checkOurs },
      { name: COCKATIEL, fn: () => peer.execute(succeed), check: checkPeer },
    ],
    comparisons: [{ peer: COCKATIEL, goal: GOALS.cockatiel }],
    quoted: [{ peer: COCKATIEL, addedNs: ISSUE_FIGURES.wrap }],
    verify: async () => {
      await expectValue(withClockReads(5)(), 1, clockReadsLabel(5));
      await expectValue(composed.execute(succeed), 1, OURS);
      await expectValue(peer.execute(succeed), 1, COCKATIEL);
      checkOurs();
      checkPeer();
    },
    dispose: () => oursBreaker.shutdown(),
  };
}

/** Runs the policies suite and prints its report. */
export async function run(ctx: SuiteContext): Promise<void> {
  const settings = ctx.quick ? quick : full;
  const harness: HarnessOptions = { ...settings, beforeEach: () => globalThis.gc?.() };
  const started = Date.now();
  ctx.out('# policies suite: ours (@bulwark/core retry, bulkhead, wrap) vs cockatiel vs p-retry');
  ctx.out('');
  ctx.out(describeEnvironment(['@bulwark/core', 'cockatiel', 'p-retry']));
  ctx.out('');
  ctx.out(methodNote(settings));
  if (ctx.quick) ctx.out('\n**--quick smoke run: too short to quote these numbers.**');

  const goals: GoalResult[] = [];
  const makers = [retryScenario, bulkheadScenario, wrapScenario];
  for (const [index, make] of makers.entries()) {
    const scenario = make();
    const result = await runScenario(scenario, { ctx, harness, label: `${index + 1}/${makers.length}`, ours: OURS });
    goals.push(...result.goals);
    ctx.out('');
    ctx.out(formatTable(quotedCostTable(result.samples, { source: 'the issue', baseline: BARE, ours: OURS, quoted: scenario.quoted })));
    if (scenario.ceilingFor !== undefined) ctx.out(`\n${ceilingNote(result.samples, scenario.ceilingFor)}`);
  }

  ctx.out('\n## Goals\n');
  ctx.out(formatTable(goalTable(goals)));
  ctx.out(`\nSuite time: ${((Date.now() - started) / 1000).toFixed(1)} s. Ratios: ${formatRatio(1)} means parity.`);
}
