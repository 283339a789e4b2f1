/**
 * `breaker` suite: our opossum drop-in `CircuitBreaker` against opossum 10 and cockatiel 4,
 * all in this one process, with interleaved rounds (see harness.ts).
 *
 * 1. success path of `async () => 1`, default options (opossum's defaults arm a 10 s timeout per call);
 * 2. success path with `timeout: false` (cockatiel: its plain breaker);
 * 3. a failing action with 10,000 calls already in the rolling window, breaker kept closed;
 * 4. the rejection while the breaker is open, including catching it;
 * 5. heap bytes and timers per idle breaker.
 */
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleAll,
  SamplingBreaker,
  timeout,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import type { CircuitBreakerPolicy, IBreaker } from 'cockatiel';
import OpossumBreaker from 'opossum';
import { CircuitBreaker as OursBreaker } from '@bulwark/core';
import { describeEnvironment } from '../env.js';
import type { BenchCase, HarnessOptions } from '../harness.js';
import { canCollect, countRefedTimers, measureHeapPerInstance, settledHeapUsed, startTimerTracking } from '../memory.js';
import type { GoalResult } from '../report.js';
import { describeGoal, goalStatus, goalTable } from '../report.js';
import type { Scenario } from '../scenario.js';
import { expectRejection, expectValue, methodNote, runScenario } from '../scenario.js';
import { median, range, rotate } from '../stats.js';
import type { SuiteContext } from '../suite.js';
import { formatBytes, formatRatio, formatTable } from '../table.js';

/** The part of opossum's API the suite uses; ours is a drop-in, so both constructors fit. */
interface OpossumStyleBreaker {
  fire(): Promise<unknown>;
  open(): void;
  shutdown(): void;
  readonly opened: boolean;
  readonly closed: boolean;
}
interface OpossumStyleOptions {
  timeout?: number | false;
  errorThresholdPercentage?: number;
}
type OpossumStyleConstructor = new (
  action: () => Promise<unknown>,
  options?: OpossumStyleOptions,
) => OpossumStyleBreaker;

const OURS_LABEL = 'ours';
const OPOSSUM_LABEL = 'opossum';
const opossumStyle: readonly { readonly label: string; readonly Ctor: OpossumStyleConstructor }[] = [
  { label: OURS_LABEL, Ctor: OursBreaker },
  { label: OPOSSUM_LABEL, Ctor: OpossumBreaker },
];

/** cockatiel's breaker as the brief specifies it (halfOpenAfter plays no part in these paths). */
function cockatielBreaker(breaker: IBreaker = new ConsecutiveBreaker(5)): CircuitBreakerPolicy {
  return circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker });
}

const noop = (): void => undefined;
const succeed = async (): Promise<number> => 1;
/** One pre-built error for every failure: no stack capture inside the timed loop. */
const failure = new Error('benchmark failure');

const full = { rounds: 9, roundMs: 200, warmupMs: 300, batchMs: 5, idleN: 10_000, idleReps: 3, timerN: 1_000 };
const quick = { rounds: 3, roundMs: 30, warmupMs: 40, batchMs: 2, idleN: 1_000, idleReps: 1, timerN: 200 };

/** Calls in the rolling window before a failing-path round starts. */
const WINDOW_CALLS = 10_000;
/** Failing-path work per round: 10 batches of 50 calls, so the window grows only from 10,000 to 10,500. */
const FAILING_PLAN = { opsPerBatch: 50, batchesPerRound: 10 };

const SPEED_GOALS = {
  opossum: { kind: 'min', target: 5 },
  cockatiel: { kind: 'min', target: 1 },
  failingVsOpossum: { kind: 'min', target: 50 },
  idleHeapBytes: { kind: 'max', target: 1_200 },
  idleTimers: { kind: 'max', target: 0 },
} as const;

const isOpenBreakerError = (e: unknown): boolean => (e as { code?: unknown } | null)?.code === 'EOPENBREAKER';

function successScenario(withTimeout: boolean): Scenario {
  const options = (): OpossumStyleOptions => (withTimeout ? {} : { timeout: false });
  const breakers = opossumStyle.map(({ label, Ctor }) => ({ label, breaker: new Ctor(succeed, options()) }));
  const cockatielLabel = withTimeout ? 'cockatiel wrap(timeout 10 s, breaker)' : 'cockatiel breaker';
  const policy = withTimeout
    ? wrap(timeout(10_000, TimeoutStrategy.Cooperative), cockatielBreaker())
    : cockatielBreaker();
  const bare = 'bare `await fn()`';
  return {
    title: withTimeout
      ? '1. Success path, `async () => 1`, default options (10 s timeout)'
      : '2. Success path, `async () => 1`, `timeout: false`',
    short: withTimeout ? 'success, defaults' : 'success, timeout:false',
    notes: withTimeout
      ? ['opossum/ours: `new CircuitBreaker(fn)` (defaults). cockatiel: `wrap(timeout(10_000, Cooperative), circuitBreaker(handleAll, {halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5)}))`.']
      : ['opossum/ours: `{ timeout: false }`. cockatiel: `circuitBreaker(handleAll, {halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5)})`.'],
    baseline: bare,
    cases: [
      { name: bare, fn: succeed },
      ...breakers.map(({ label, breaker }) => ({ name: label, fn: () => breaker.fire() })),
      { name: cockatielLabel, fn: () => policy.execute(succeed) },
    ],
    comparisons: [
      { peer: OPOSSUM_LABEL, goal: SPEED_GOALS.opossum },
      { peer: cockatielLabel, goal: SPEED_GOALS.cockatiel },
    ],
    verify: async () => {
      for (const { label, breaker } of breakers) await expectValue(breaker.fire(), 1, label);
      await expectValue(policy.execute(succeed), 1, cockatielLabel);
    },
    dispose: () => {
      for (const { breaker } of breakers) breaker.shutdown();
    },
  };
}

function failingScenario(): Scenario {
  // The action fails only while `failing` is set: the window is pre-filled with successes
  // (cheap: pre-filling opossum with 10,000 failures takes ~2.5 s per round, as every
  // failure re-sorts the window), then every timed call fails. The window holds 10,000
  // calls either way, and opossum's per-failure cost depends on calls, not on outcomes.
  let failing = true;
  const action = async (): Promise<number> => {
    if (failing) throw failure;
    return 1;
  };
  // opossum/ours: errorThresholdPercentage 100 can never be exceeded (the test is a strict
  // `>`), so the breaker stays closed and every failure goes through the full failure path.
  // timeout:false keeps the per-call timer (measured in scenario 1) out of this number.
  const make = (Ctor: OpossumStyleConstructor): OpossumStyleBreaker =>
    new Ctor(action, { timeout: false, errorThresholdPercentage: 100 });
  // cockatiel: a SamplingBreaker over the same 10 s window (opossum's default
  // rollingCountTimeout), so it does the same kind of rolling bookkeeping per call, with
  // a minimumRps that can never be reached, so it never opens. (ConsecutiveBreaker(Infinity)
  // would also stay closed, but it keeps no window at all: an easier job than opossum's.)
  const makeCockatiel = (): CircuitBreakerPolicy =>
    cockatielBreaker(new SamplingBreaker({ threshold: 0.5, duration: 10_000, minimumRps: Number.MAX_SAFE_INTEGER }));
  const cockatielLabel = 'cockatiel breaker (SamplingBreaker 10 s, never opens)';

  const live = new Set<OpossumStyleBreaker>();
  let policy = makeCockatiel();
  const prefill = async (call: () => Promise<unknown>): Promise<void> => {
    failing = false;
    for (let i = 0; i < WINDOW_CALLS; i++) await call();
    failing = true;
  };
  const breakerCase = (label: string, Ctor: OpossumStyleConstructor): BenchCase => {
    let breaker = make(Ctor);
    live.add(breaker);
    return {
      name: label,
      fixed: FAILING_PLAN,
      // A fresh breaker per round, so every round starts from exactly 10,000 calls in the window.
      setup: async () => {
        breaker.shutdown();
        live.delete(breaker);
        breaker = make(Ctor);
        live.add(breaker);
        await prefill(() => breaker.fire());
      },
      fn: () => breaker.fire().catch(noop),
      check: () => {
        if (!breaker.closed) throw new Error(`${label}: the breaker opened during the failing-path round`);
      },
    };
  };
  const bare = 'bare rejection (pre-built Error) + catch';
  return {
    title: `3. Failing action, ${WINDOW_CALLS.toLocaleString('en-US')} calls already in the rolling window, breaker kept closed`,
    short: 'failing, full window',
    notes: [
      `The action rejects with one pre-built Error. Each round starts on a fresh breaker holding ${WINDOW_CALLS.toLocaleString('en-US')} calls in its window, then times ${FAILING_PLAN.opsPerBatch * FAILING_PLAN.batchesPerRound} failing calls (${FAILING_PLAN.batchesPerRound} batches of ${FAILING_PLAN.opsPerBatch}).`,
      'opossum/ours: `{ timeout: false, errorThresholdPercentage: 100 }` (a strict `>` test, so never opens). cockatiel: `SamplingBreaker({threshold: 0.5, duration: 10_000, minimumRps: MAX_SAFE_INTEGER})` (same 10 s window, volume floor never reached, so never opens).',
    ],
    baseline: bare,
    cases: [
      {
        name: bare,
        setup: () => {
          failing = true;
        },
        fixed: FAILING_PLAN,
        fn: () => action().catch(noop),
      },
      ...opossumStyle.map(({ label, Ctor }) => breakerCase(label, Ctor)),
      {
        name: cockatielLabel,
        fixed: FAILING_PLAN,
        setup: async () => {
          policy = makeCockatiel();
          await prefill(() => policy.execute(action));
        },
        fn: () => policy.execute(action).catch(noop),
        check: () => {
          if (policy.state !== CircuitState.Closed) throw new Error(`${cockatielLabel}: the breaker opened`);
        },
      },
    ],
    comparisons: [{ peer: OPOSSUM_LABEL, goal: SPEED_GOALS.failingVsOpossum }, { peer: cockatielLabel }],
    verify: async () => {
      failing = true;
      for (const { label, Ctor } of opossumStyle) {
        const breaker = make(Ctor);
        await expectRejection(breaker.fire(), (e) => e === failure, label);
        const closed = breaker.closed;
        breaker.shutdown();
        if (!closed) throw new Error(`${label}: opened after one failure with errorThresholdPercentage 100`);
      }
      await expectRejection(makeCockatiel().execute(action), (e) => e === failure, cockatielLabel);
    },
    dispose: () => {
      for (const breaker of live) breaker.shutdown();
      failing = true;
    },
  };
}

function openScenario(): Scenario {
  const breakers = opossumStyle.map(({ label, Ctor }) => ({ label, breaker: new Ctor(succeed) }));
  const policy = cockatielBreaker();
  const isolation = policy.isolate();
  const cockatielLabel = 'cockatiel breaker, isolate()d';
  const rejectPrebuilt = async (): Promise<never> => {
    throw failure;
  };
  const rejectFresh = async (): Promise<never> => {
    throw new Error('fresh');
  };
  const bare = 'bare rejection (pre-built Error) + catch';
  return {
    title: '4. Rejection while open (fast-fail), including the catch',
    short: 'open rejection',
    notes: [
      'opossum/ours: default options, then `.open()` (re-opened before every round, since opossum half-opens after resetTimeout = 30 s). cockatiel: `isolate()`.',
      'The baseline rejects with a pre-built Error, so the added ns include each library\'s own error construction (opossum and cockatiel build a new Error with a stack per rejection). The `new Error` row shows what a stack capture alone costs here.',
    ],
    baseline: bare,
    cases: [
      { name: bare, fn: () => rejectPrebuilt().catch(noop) },
      { name: 'bare rejection (`new Error` each call) + catch', fn: () => rejectFresh().catch(noop) },
      ...breakers.map(({ label, breaker }) => ({
        name: label,
        setup: () => {
          if (!breaker.opened) breaker.open();
        },
        fn: () => breaker.fire().catch(noop),
        check: () => {
          if (!breaker.opened) throw new Error(`${label}: the breaker left OPEN during the round`);
        },
      })),
      {
        name: cockatielLabel,
        fn: () => policy.execute(succeed).catch(noop),
        check: () => {
          if (policy.state !== CircuitState.Isolated) throw new Error(`${cockatielLabel}: no longer isolated`);
        },
      },
    ],
    comparisons: [{ peer: OPOSSUM_LABEL }, { peer: cockatielLabel }],
    verify: async () => {
      for (const { label, breaker } of breakers) {
        breaker.open();
        await expectRejection(breaker.fire(), isOpenBreakerError, label);
      }
      await expectRejection(policy.execute(succeed), (e) => e instanceof BrokenCircuitError, cockatielLabel);
    },
    dispose: () => {
      for (const { breaker } of breakers) breaker.shutdown();
      isolation.dispose();
    },
  };
}

interface IdleSubject {
  readonly label: string;
  readonly create: () => unknown;
  readonly dispose: (instance: unknown) => void;
  /** Whether the goals apply (ours only). */
  readonly ours?: boolean;
}

function idleSubjects(): readonly IdleSubject[] {
  const shutdown = (b: unknown): void => (b as OpossumStyleBreaker).shutdown();
  return [
    { label: 'floor: `{}`', create: () => ({}), dispose: noop },
    ...opossumStyle.map(({ label, Ctor }) => ({
      label: `${label} (defaults)`,
      create: () => new Ctor(succeed),
      dispose: shutdown,
      ours: label === OURS_LABEL,
    })),
    { label: 'cockatiel breaker', create: () => cockatielBreaker(), dispose: noop },
    {
      label: 'cockatiel wrap(timeout 10 s, breaker)',
      create: () => wrap(timeout(10_000, TimeoutStrategy.Cooperative), cockatielBreaker()),
      dispose: noop,
    },
  ];
}

interface IdleResult {
  readonly subject: IdleSubject;
  readonly bytes: number[];
  refedTimers: number;
  allTimers: number;
  timersAfterDispose: number;
}

async function measureIdle(settings: typeof full, ctx: SuiteContext): Promise<IdleResult[]> {
  const results: IdleResult[] = idleSubjects().map((subject) => ({
    subject,
    bytes: [],
    refedTimers: Number.NaN,
    allTimers: Number.NaN,
    timersAfterDispose: Number.NaN,
  }));
  // Warm up constructors (JIT, lazily created module state) before any reading.
  for (const { subject } of results) {
    for (let i = 0; i < 100; i++) subject.dispose(subject.create());
  }
  for (let rep = 0; rep < settings.idleReps; rep++) {
    ctx.progress(`5/5 idle breakers: heap, repetition ${rep + 1}/${settings.idleReps}`);
    for (const result of rotate(results, rep)) {
      const { bytesPerInstance, instances } = await measureHeapPerInstance(result.subject.create, settings.idleN);
      result.bytes.push(bytesPerInstance);
      for (const instance of instances) result.subject.dispose(instance);
    }
  }
  ctx.progress('5/5 idle breakers: timers');
  for (const result of results) {
    await settledHeapUsed(1);
    const tracker = startTimerTracking();
    try {
      const refedBefore = countRefedTimers();
      const instances = Array.from({ length: settings.timerN }, () => result.subject.create());
      result.refedTimers = (countRefedTimers() - refedBefore) / settings.timerN;
      result.allTimers = tracker.live() / settings.timerN;
      for (const instance of instances) result.subject.dispose(instance);
      // async_hooks reports `destroy` asynchronously: let a few macrotasks pass first.
      await settledHeapUsed(2);
      result.timersAfterDispose = tracker.live();
    } finally {
      tracker.stop();
    }
  }
  return results;
}

function renderIdle(results: readonly IdleResult[], settings: typeof full): { text: string; goals: GoalResult[] } {
  const goals: GoalResult[] = [];
  const table = formatTable({
    headers: [
      'subject',
      `heap / idle instance (median of ${settings.idleReps})`,
      'min–max',
      'ref\'d timers / instance',
      'all timers / instance (incl. unref\'d)',
      'timers left after shutdown()',
    ],
    align: ['left', 'right', 'right', 'right', 'right', 'right'],
    rows: results.map((r) => {
      const { min, max } = range(r.bytes);
      const heap = median(r.bytes);
      if (r.subject.ours) {
        goals.push({
          what: 'idle breaker: heap per instance',
          goal: describeGoal(SPEED_GOALS.idleHeapBytes, formatBytes),
          measured: formatBytes(heap),
          status: goalStatus(heap, SPEED_GOALS.idleHeapBytes),
        });
        const timers = Math.max(r.refedTimers, r.allTimers);
        goals.push({
          what: 'idle breaker: timers per instance (ref\'d or not)',
          goal: describeGoal(SPEED_GOALS.idleTimers, String),
          measured: String(timers),
          status: goalStatus(timers, SPEED_GOALS.idleTimers),
        });
      }
      return [
        r.subject.label,
        formatBytes(heap),
        `${formatBytes(min)}–${formatBytes(max)}`,
        String(r.refedTimers),
        String(r.allTimers),
        String(r.timersAfterDispose),
      ];
    }),
  });
  const notes = [
    `Heap: ${settings.idleN.toLocaleString('en-US')} instances kept referenced, \`heapUsed\` delta after 4 × \`gc()\`, divided by N (the array holding them is allocated before the first reading). Timers: ${settings.timerN.toLocaleString('en-US')} instances; "ref'd" counts \`Timeout\` entries of \`process.getActiveResourcesInfo()\`, which omits unref'd timers, so "all timers" also counts pending timers through an async_hooks init/destroy hook.`,
  ];
  return { text: [...notes, '', table].join('\n'), goals };
}

/** Runs the breaker suite and prints its report. */
export async function run(ctx: SuiteContext): Promise<void> {
  const settings = ctx.quick ? quick : full;
  if (!canCollect()) ctx.progress('warning: gc() is not exposed (run with node --expose-gc); heap numbers will fail');
  const harness: HarnessOptions = {
    rounds: settings.rounds,
    roundMs: settings.roundMs,
    warmupMs: settings.warmupMs,
    batchMs: settings.batchMs,
    beforeEach: () => globalThis.gc?.(),
  };
  const started = Date.now();
  ctx.out('# breaker suite: ours (@bulwark/core CircuitBreaker) vs opossum vs cockatiel');
  ctx.out('');
  ctx.out(describeEnvironment(['@bulwark/core', 'opossum', 'cockatiel']));
  ctx.out('');
  ctx.out(methodNote(settings));
  if (ctx.quick) ctx.out('\n**--quick smoke run: too short to quote these numbers.**');

  const goals: GoalResult[] = [];
  const makers = [() => successScenario(true), () => successScenario(false), failingScenario, openScenario];
  for (const [index, make] of makers.entries()) {
    const result = await runScenario(make(), { ctx, harness, label: `${index + 1}/5`, ours: OURS_LABEL });
    goals.push(...result.goals);
  }

  const idle = renderIdle(await measureIdle(settings, ctx), settings);
  goals.push(...idle.goals);
  ctx.out('\n## 5. Idle breakers: heap and timers\n');
  ctx.out(idle.text);

  ctx.out('\n## Goals\n');
  ctx.out(formatTable(goalTable(goals)));
  ctx.out(`\nSuite time: ${((Date.now() - started) / 1000).toFixed(1)} s. Ratios: ${formatRatio(1)} means parity.`);
}
