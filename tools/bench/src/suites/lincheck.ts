/**
 * `lincheck` suite: the linearizability checker of `@bulwark/core/testing` on
 *
 * 1. a 50-client KV history, generated from a seed by a simulated linearizable store (the issue's
 *    goal: checked in under 10 s), and the same history with one read made impossible;
 * 2. the shared KV fixtures (Porcupine's c01 and c10 histories, ../shared/fixtures);
 * 3. Jepsen-etcd-like compare-and-set register histories, generated the same way (there are no
 *    register fixtures in ../shared).
 *
 * Each history is checked split per key (ours), by the same search without our read-only pruning
 * (Porcupine's algorithm), and, for the KV histories, unsplit (one state for every key, as
 * Porcupine's tests do without partitioning), with a time limit. No peer checker runs in this
 * process: none is published on npm (see tools/bench/README.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { casRegisterModel, checkLinearizability, kvModel, readHistory, seededRandom } from '@bulwark/core/testing';
import type {
  CasRegisterInput,
  CasRegisterOutput,
  HistoryOperation,
  KvInput,
  KvOutput,
  LinearizabilityModel,
} from '@bulwark/core/testing';
import { describeEnvironment } from '../env.js';
import type { BenchCase, CaseSamples } from '../harness.js';
import { measureGroup } from '../harness.js';
import type { GoalResult } from '../report.js';
import { describeGoal, goalStatus, goalTable } from '../report.js';
import { median, range, sameRoundRatio } from '../stats.js';
import type { SuiteContext } from '../suite.js';
import { formatRatio, formatTable } from '../table.js';

/**
 * `oursLimitMs` bounds our per-key check (past the goal, so a miss shows as a miss);
 * `limitMs` bounds the other variants and each seed of the sweep.
 */
const full = { rounds: 5, oursLimitMs: 60_000, limitMs: 10_000, sweepSeeds: 10 };
const quick = { rounds: 1, oursLimitMs: 10_000, limitMs: 2_000, sweepSeeds: 3 };
type Settings = typeof full;

/** The goal for the 50-client history, and the tighter one of distributed-anchors.md §2.7 L4. */
const GOALS = [
  { source: 'the issue', goal: { kind: 'max', target: 10_000 } },
  { source: 'distributed-anchors L4', goal: { kind: 'max', target: 2_000 } },
] as const;

/**
 * The 50-client KV workload: a few thousand operations over several keys, some timing out.
 * Porcupine's c50 files have 50 clients on 10 keys too. Seed 1 is the measured one; the sweep
 * checks seeds 1 to `sweepSeeds` once each.
 */
const C50 = { seed: 1, clients: 50, operations: 3_000, keys: 10, infoRate: 0.02 } as const;
/** Jepsen's etcd register tests: 5 clients, one register, read/write/cas, frequent timeouts. */
const REGISTERS = [
  { seed: 1, clients: 5, operations: 200, infoRate: 0.05 },
  { seed: 2, clients: 10, operations: 2_000, infoRate: 0.01 },
] as const;

const fixtures = fileURLToPath(new URL('../../../../../shared/fixtures/linearizability/', import.meta.url));
const FIXTURES = ['kv-c01-ok', 'kv-c01-bad', 'kv-c10-ok', 'kv-c10-bad'] as const;

type Random = () => number;

interface SimulationOptions {
  readonly seed: number;
  readonly clients: number;
  readonly operations: number;
  /** The share of operations whose outcome is unknown (half of them take effect). */
  readonly infoRate: number;
}

/** A simulated object: what a client asks next, and the one copy's answer when it takes effect. */
interface Workload<I, O> {
  next(random: Random, client: number, index: number): I;
  apply(input: I): O;
}

interface Simulated<I> {
  readonly clientId: number;
  readonly input: I;
  readonly call: number;
  readonly return: number;
  /** When it took effect on the one copy; undefined if it never did (only for unknown outcomes). */
  readonly effect: number | undefined;
  readonly unknown: boolean;
}

/**
 * A linearizable history by construction: each client calls, waits a random latency and calls
 * again; each operation takes effect at a random instant inside its interval on one sequential
 * copy, which gives the outputs. An operation with an unknown outcome takes effect or not (even
 * after its client gave up on it), and its client's process is replaced, as Jepsen does.
 */
function simulate<I, O>(options: SimulationOptions, workload: Workload<I, O>): HistoryOperation<I, O>[] {
  const random = seededRandom(options.seed);
  const free = Array.from({ length: options.clients }, () => random() * 10);
  const processes = Array.from({ length: options.clients }, (_, c) => c);
  const simulated: Simulated<I>[] = [];
  for (let i = 0; i < options.operations; i++) {
    let c = 0;
    for (let k = 1; k < options.clients; k++) if (free[k] < free[c]) c = k;
    const call = free[c] + random() * 2;
    const latency = 1 - Math.log(1 - random()) * 8;
    const unknown = random() < options.infoRate;
    const effect = !unknown || random() < 0.5 ? call + random() * latency * (unknown ? 3 : 1) : undefined;
    simulated.push({ clientId: processes[c], input: workload.next(random, processes[c], i), call, return: call + latency, effect, unknown });
    free[c] = call + latency;
    if (unknown) processes[c] += options.clients;
  }
  const outputs = new Map<Simulated<I>, O>();
  const effects = simulated.filter((s) => s.effect !== undefined).sort((a, b) => (a.effect ?? 0) - (b.effect ?? 0));
  for (const s of effects) outputs.set(s, workload.apply(s.input));
  return simulated.map((s) =>
    s.unknown
      ? { clientId: s.clientId, input: s.input, call: s.call, return: Infinity, unknown: true }
      : { clientId: s.clientId, input: s.input, output: outputs.get(s) as O, call: s.call, return: s.return },
  );
}

/** Porcupine's KV workload: get, put and append of unique strings (`x <client> <index> y`). */
function kvWorkload(keys: number): Workload<KvInput, KvOutput> {
  const store = new Map<string, string>();
  return {
    next(random, client, index) {
      const key = String(Math.floor(random() * keys));
      const r = random();
      if (r < 0.5) return { op: 'get', key };
      return { op: r < 0.65 ? 'put' : 'append', key, value: `x ${client} ${index} y` };
    },
    apply(input) {
      const value = store.get(input.key) ?? '';
      if (input.op === 'get') return value;
      if (input.op === 'put') store.set(input.key, input.value);
      else if (input.op === 'append') store.set(input.key, value + input.value);
      return undefined;
    },
  };
}

/** Jepsen's etcd workload: read, write and cas of small integers on one register. */
function registerWorkload(): Workload<CasRegisterInput<number | null>, CasRegisterOutput<number | null>> {
  let value: number | null = null;
  const small = (random: Random) => Math.floor(random() * 5);
  return {
    next(random) {
      const r = random();
      if (r < 0.5) return { op: 'read' };
      if (r < 0.75) return { op: 'write', value: small(random) };
      return { op: 'cas', expected: small(random), value: small(random) };
    },
    apply(input) {
      if (input.op === 'read') return value;
      if (input.op === 'write') {
        value = input.value;
        return undefined;
      }
      const swapped = value === input.expected;
      if (swapped) value = input.value;
      return swapped;
    },
  };
}

/** The same history with one `get` answering a value nobody wrote: not linearizable. */
function withImpossibleRead(history: readonly HistoryOperation<KvInput, KvOutput>[]): HistoryOperation<KvInput, KvOutput>[] {
  const at = history.findIndex((o, i) => i >= history.length / 2 && o.input.op === 'get' && o.unknown !== true);
  return history.map((o, i) => (i === at ? { ...o, output: 'never written' } : o));
}

const SEPARATOR = '\u0000';

/**
 * The KV store as one state for every key (its values joined), with no `partitionKey`: what
 * checking without per-key splitting means. The per-key model does each key's step.
 */
function unsplitKvModel(keys: readonly string[]): LinearizabilityModel<string, KvInput, KvOutput> {
  const perKey = kvModel();
  const index = new Map(keys.map((key, i) => [key, i]));
  const part = (state: string, input: KvInput): string => state.split(SEPARATOR)[index.get(input.key) ?? -1] ?? '';
  const lift = (state: string, input: KvInput, values: readonly string[]): string[] =>
    values.map((value) => {
      const parts = state.split(SEPARATOR);
      parts[index.get(input.key) ?? -1] = value;
      return parts.join(SEPARATOR);
    });
  return {
    name: 'kv (unsplit)',
    init: () => keys.map(() => '').join(SEPARATOR),
    step: (state, input, output) => lift(state, input, perKey.step(part(state, input), input, output)),
    stepUnknown: (state, input) => lift(state, input, perKey.stepUnknown?.(part(state, input), input) ?? []),
    readOnly: perKey.readOnly,
  };
}

/** The same model without `readOnly`: the search Porcupine runs. */
function withoutReadOnly<S, I, O>(model: LinearizabilityModel<S, I, O>): LinearizabilityModel<S, I, O> {
  return { ...model, readOnly: undefined };
}

/** One history to check, with the variants to check it with. */
interface Subject {
  readonly name: string;
  readonly source: string;
  readonly operations: readonly HistoryOperation<unknown, unknown>[];
  readonly expected: 'ok' | 'illegal';
  readonly model: LinearizabilityModel<unknown, unknown, unknown>;
  /** The model with no partitioning, for the KV histories. */
  readonly unsplit?: LinearizabilityModel<unknown, unknown, unknown>;
  /** For the 50-client history: the JSON lines text, to time reading it as the CLI does. */
  readonly jsonl?: string;
}

type AnyModel = LinearizabilityModel<unknown, unknown, unknown>;
const kv = (model: LinearizabilityModel<string, KvInput, KvOutput>): AnyModel => model as unknown as AnyModel;

function kvSubject(name: string, source: string, operations: readonly HistoryOperation<KvInput, KvOutput>[], expected: 'ok' | 'illegal'): Subject {
  const keys = [...new Set(operations.map((o) => o.input.key))].sort();
  return { name, source, operations, expected, model: kv(kvModel()), unsplit: kv(unsplitKvModel(keys)) };
}

/** A history as JSON lines events, the CLI's first format (calls and returns in time order). */
function toJsonl(history: readonly HistoryOperation<KvInput, KvOutput>[]): string {
  const events: Array<{ time: number; line: string }> = [];
  for (const o of history) {
    const { op, key } = o.input;
    const value = o.input.op === 'put' || o.input.op === 'append' ? o.input.value : null;
    events.push({ time: o.call, line: JSON.stringify({ process: o.clientId, type: 'invoke', f: op, key, value }) });
    // An unknown outcome has no completion: left open, it reads as unknown.
    if (o.unknown !== true) events.push({ time: o.return, line: JSON.stringify({ process: o.clientId, type: 'ok', f: op, key, value: op === 'get' ? o.output : value }) });
  }
  return events.sort((a, b) => a.time - b.time).map((e) => e.line).join('\n');
}

function subjects(ctx: SuiteContext): Subject[] {
  const c50 = simulate(C50, kvWorkload(C50.keys));
  const list: Subject[] = [
    { ...kvSubject('c50 (generated)', `seed ${C50.seed}: ${C50.clients} clients, ${C50.operations} ops, ${C50.keys} keys, ${C50.infoRate * 100}% unknown`, c50, 'ok'), jsonl: toJsonl(c50) },
    kvSubject('c50, one impossible read', 'the same, one get answering a value never written', withImpossibleRead(c50), 'illegal'),
  ];
  if (existsSync(fixtures)) {
    for (const name of FIXTURES) {
      const history = readHistory(readFileSync(`${fixtures}${name}.edn`, 'utf8'), { model: 'kv' });
      list.push(kvSubject(name, 'shared fixture (Porcupine)', history.operations, name.endsWith('-ok') ? 'ok' : 'illegal'));
    }
  } else {
    ctx.progress(`fixtures not found at ${fixtures}: their rows are left out`);
  }
  for (const r of REGISTERS) {
    list.push({
      name: `cas-register c${r.clients}`,
      source: `seed ${r.seed}: ${r.clients} clients, ${r.operations} ops, ${r.infoRate * 100}% unknown`,
      operations: simulate(r, registerWorkload()),
      expected: 'ok',
      model: casRegisterModel<number | null>(null) as unknown as AnyModel,
    });
  }
  return list;
}

/** The most operations in flight at once in any one partition (unknown outcomes stay in flight). */
function maxInFlight(subject: Subject): number {
  const byKey = new Map<unknown, Array<[number, number]>>();
  for (const o of subject.operations) {
    const key = subject.model.partitionKey?.(o.input);
    const edges = byKey.get(key) ?? [];
    edges.push([o.call, 1], [o.unknown === true ? Infinity : o.return, -1]);
    byKey.set(key, edges);
  }
  let max = 0;
  for (const edges of byKey.values()) {
    let open = 0;
    for (const [, d] of edges.sort((a, b) => a[0] - b[0] || b[1] - a[1])) max = Math.max(max, (open += d));
  }
  return max;
}

interface Variant {
  readonly label: string;
  readonly model: AnyModel;
  readonly timeoutMs: number;
  /** Reads the JSON lines text first, as the CLI does. */
  readonly fromText?: string;
}

const OURS = 'ours, per key';

function variants(subject: Subject, settings: Settings): Variant[] {
  const list: Variant[] = [
    { label: OURS, model: subject.model, timeoutMs: settings.oursLimitMs },
    { label: "Porcupine's search (no read-only pruning, no lookahead), per key", model: withoutReadOnly(subject.model), timeoutMs: settings.limitMs },
  ];
  if (subject.jsonl !== undefined) list.push({ label: 'ours, reading the JSON lines text first', model: subject.model, fromText: subject.jsonl, timeoutMs: settings.oursLimitMs });
  if (subject.unsplit !== undefined) list.push({ label: 'ours, unsplit (one state for all keys)', model: subject.unsplit, timeoutMs: settings.limitMs });
  return list;
}

function check(subject: Subject, variant: Variant): string {
  if (variant.fromText !== undefined) {
    const history = readHistory(variant.fromText, { model: 'kv' });
    return checkLinearizability(history.model, history.operations, { timeoutMs: variant.timeoutMs }).result;
  }
  return checkLinearizability(variant.model, subject.operations, { timeoutMs: variant.timeoutMs }).result;
}

/** Seeds 1 to `count` of the c50 workload, each checked once per key: ms, or undefined past the limit. */
function sweep(ctx: SuiteContext, count: number, limitMs: number): Array<{ seed: number; ms: number | undefined }> {
  const results: Array<{ seed: number; ms: number | undefined }> = [];
  for (let seed = 1; seed <= count; seed++) {
    ctx.progress(`sweep: seed ${seed}/${count}`);
    const history = simulate({ ...C50, seed }, kvWorkload(C50.keys));
    const started = performance.now();
    const verdict = checkLinearizability(kvModel(), history, { timeoutMs: limitMs }).result;
    const elapsed = performance.now() - started;
    if (verdict === 'illegal') throw new Error(`c50 seed ${seed}: a history of a correct store was found not linearizable`);
    results.push({ seed, ms: verdict === 'ok' ? elapsed : undefined });
  }
  return results;
}

const ms = (ns: number): string => (ns / 1e6 >= 100 ? Math.round(ns / 1e6).toLocaleString('en-US') : (ns / 1e6).toFixed(ns / 1e6 >= 10 ? 1 : 2));

/** Runs the lincheck suite and prints its report. */
export async function run(ctx: SuiteContext): Promise<void> {
  const settings = ctx.quick ? quick : full;
  const started = Date.now();
  ctx.out('# lincheck suite: the linearizability checker of @bulwark/core/testing');
  ctx.out('');
  ctx.out(describeEnvironment(['@bulwark/core']));
  ctx.out('');
  ctx.out(
    `Method: one process. Each check runs once untimed (its verdict must be the one expected: \`ok\` for the generated histories, the file name's for the fixtures), then ${settings.rounds} round(s) with the case order rotated, one timed check per case per round, a full GC before each; values are the median over rounds. ` +
      `Ours gets a time limit of ${settings.oursLimitMs.toLocaleString('en-US')} ms, the other variants ${settings.limitMs.toLocaleString('en-US')} ms; a check that reaches its limit is not timed again. No peer checker runs beside ours: none is published on npm (Porcupine is Go, Knossos Clojure); "Porcupine's search" is ours without its read-only pruning and read lookahead (a model without \`readOnly\`), the algorithm Porcupine runs.`,
  );
  if (ctx.quick) ctx.out('\n**--quick smoke run: too short to quote these numbers.**');

  const all = subjects(ctx);
  const cases: BenchCase[] = [];
  const rows: Array<{ subject: Subject; variant: Variant; verdict: string; name: string }> = [];
  for (const subject of all) {
    for (const variant of variants(subject, settings)) {
      const name = `${subject.name}: ${variant.label}`;
      ctx.progress(`verifying ${name}`);
      const verdict = check(subject, variant);
      if (verdict !== subject.expected && verdict !== 'unknown') throw new Error(`${name}: expected ${subject.expected}, got ${verdict}`);
      rows.push({ subject, variant, verdict, name });
      if (verdict !== 'unknown') {
        cases.push({
          name,
          fn: () => check(subject, variant),
          fixed: { opsPerBatch: 1, batchesPerRound: 1 },
        });
      }
    }
  }
  const samples = await measureGroup(cases, {
    rounds: settings.rounds,
    roundMs: 0,
    warmupMs: 0,
    batchMs: 0,
    beforeEach: () => globalThis.gc?.(),
    progress: (note) => ctx.progress(note),
  });
  const byName = new Map<string, CaseSamples>(samples.map((s) => [s.name, s]));

  ctx.out('\n## Histories\n');
  ctx.out(
    formatTable({
      headers: ['history', 'where from', 'operations', 'unknown outcome', 'partitions', 'most in flight in one partition'],
      align: ['left', 'left', 'right', 'right', 'right', 'right'],
      rows: all.map((s) => [
        s.name,
        s.source,
        s.operations.length.toLocaleString('en-US'),
        String(s.operations.filter((o) => o.unknown === true).length),
        String(new Set(s.operations.map((o) => s.model.partitionKey?.(o.input))).size),
        String(maxInFlight(s)),
      ]),
    }),
  );

  ctx.out('\n## Checker time\n');
  ctx.out('"× ours" is the case\'s time over ours, per key, round by round, then the median (> 1: ours is faster).\n');
  ctx.out(
    formatTable({
      headers: ['history', 'case', 'verdict', 'ms (median)', 'min–max ms', '× ours'],
      align: ['left', 'left', 'left', 'right', 'right', 'right'],
      rows: rows.map(({ subject, variant, verdict, name }) => {
        const sample = byName.get(name);
        const ours = byName.get(`${subject.name}: ${OURS}`);
        if (sample === undefined) return [subject.name, variant.label, `unknown (gave up at ${variant.timeoutMs.toLocaleString('en-US')} ms)`, `> ${variant.timeoutMs.toLocaleString('en-US')}`, '', ''];
        const { min, max } = range(sample.roundNs);
        const ratio = ours === undefined || ours === sample ? '' : formatRatio(sameRoundRatio(sample.roundNs, ours.roundNs));
        return [subject.name, variant.label, verdict, ms(median(sample.roundNs)), `${ms(min)}–${ms(max)}`, ratio];
      }),
    }),
  );

  const seeds = sweep(ctx, settings.sweepSeeds, settings.limitMs);
  ctx.out(`\n## The c50 workload over seeds 1 to ${settings.sweepSeeds}\n`);
  ctx.out(
    `Each seed is a different history of the same workload, checked once per key with a time limit of ${settings.limitMs.toLocaleString('en-US')} ms. The time a check takes depends on how much the search has to backtrack, which varies from history to history far more than the size does.\n`,
  );
  ctx.out(
    formatTable({
      headers: ['seed', 'ms (one check)'],
      align: ['right', 'right'],
      rows: seeds.map(({ seed, ms: t }) => [String(seed), t === undefined ? `> ${settings.limitMs.toLocaleString('en-US')} (unknown)` : Math.round(t).toLocaleString('en-US')]),
    }),
  );

  const goals: GoalResult[] = [];
  const c50 = byName.get(`${all[0].name}: ${OURS}`);
  const c50ms = c50 === undefined ? Number.NaN : median(c50.roundNs) / 1e6;
  for (const { source, goal } of GOALS) {
    goals.push({
      what: `50-client KV history (seed ${C50.seed}), ${all[0].operations.length.toLocaleString('en-US')} operations, checked per key (${source})`,
      goal: describeGoal(goal, (n) => `${n.toLocaleString('en-US')} ms`),
      measured: c50 === undefined ? `> ${settings.oursLimitMs.toLocaleString('en-US')} ms` : `${c50ms.toFixed(0)} ms`,
      status: c50 === undefined ? 'MISSED' : goalStatus(c50ms, goal),
    });
  }
  // The full run's sweep limit is the goal; --quick's is shorter.
  const within = seeds.filter(({ ms: t }) => t !== undefined).length;
  goals.push({
    what: `c50 seeds 1-${settings.sweepSeeds}, each checked per key within ${settings.limitMs.toLocaleString('en-US')} ms`,
    goal: `${settings.sweepSeeds} of ${settings.sweepSeeds}`,
    measured: `${within} of ${settings.sweepSeeds}`,
    status: within === settings.sweepSeeds ? 'met' : 'MISSED',
  });
  ctx.out('\n## Goals\n');
  ctx.out(formatTable(goalTable(goals)));
  ctx.out(`\nSuite time: ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}
