/**
 * `http` suite: what @bulwark/express's middleware and @bulwark/nestjs's decorators cost a real
 * HTTP server, next to the frameworks themselves. Four hello-world servers (see
 * http/http-cases.ts), each alone in a child process and loaded by autocannon from this
 * process; per request, the server's CPU time (from /proc/<pid>/stat) and its throughput.
 */
import os from 'node:os';
import { describeEnvironment } from '../env.js';
import { HELLO, HTTP_CASES, httpCase } from '../http/http-cases.js';
import type { HttpCase, HttpCaseId } from '../http/http-cases.js';
import type { HttpComparison, HttpSample } from '../http/http-report.js';
import { httpCaseTable, httpComparisonTable, httpRoundsTable, loadGeneratorNote } from '../http/http-report.js';
import { runLoad } from '../http/load.js';
import type { PolicySnapshot } from '../http/policy-snapshot.js';
import { checkPolicies } from '../http/policy-snapshot.js';
import type { ClockTicks } from '../http/proc-stat.js';
import { clockTicks, cpuMicros, readCpuTicks } from '../http/proc-stat.js';
import { startServer } from '../http/server-process.js';
import { goalTable } from '../report.js';
import { rotate } from '../stats.js';
import type { SuiteContext } from '../suite.js';
import { formatTable } from '../table.js';

interface Settings {
  readonly rounds: number;
  /** Whole seconds. */
  readonly warmupS: number;
  /** Whole seconds. */
  readonly measureS: number;
  readonly connections: number;
}

const full: Settings = { rounds: 3, warmupS: 5, measureS: 10, connections: 50 };
const quick: Settings = { rounds: 1, warmupS: 1, measureS: 1, connections: 50 };

/** The middleware may cost at most 5% more server CPU per request than plain Express. */
const MIDDLEWARE_GOAL = { kind: 'max', target: 1.05 } as const;

const COMPARISONS: readonly HttpComparison[] = [
  { subject: httpCase('express-bulwark').label, baseline: httpCase('express').label, goal: MIDDLEWARE_GOAL },
  { subject: httpCase('nest').label, baseline: httpCase('express').label },
  { subject: httpCase('nest-bulwark').label, baseline: httpCase('nest').label },
];

function methodNote(settings: Settings, ticks: ClockTicks): string {
  const tick = ticks.source === 'getconf' ? `CLK_TCK ${ticks.perSecond} from \`getconf CLK_TCK\`` : `CLK_TCK assumed ${ticks.perSecond} (\`getconf CLK_TCK\` failed)`;
  return (
    'Method: each server runs alone in a child process (`fork` of dist/http/server.js, `NODE_ENV=production`) on 127.0.0.1 and an ephemeral port; ' +
    `autocannon runs in this process with ${settings.connections} connections, no pipelining. Per case per round: a fresh server, checked to answer \`GET /\` with 200 \`${HELLO}\`, ` +
    `a ${settings.warmupS} s warm-up, then a ${settings.measureS} s measured window; ${settings.rounds} round(s), the case order rotated by one each round. ` +
    `Server CPU per request = the server's utime + stime from /proc/<pid>/stat read before and after the measured window (${tick}, so one tick is ${1000 / ticks.perSecond} ms), ` +
    'divided by the responses received in it. Every run, warm-ups included, must have no error, timeout, non-2xx response or body other than `hello`, or the suite fails; ' +
    "after each window the server reports its registry: its bulkhead must have admitted every request and refused none, its breaker must be closed. " +
    'Ratios are taken within each round, then the median over rounds. Goals are printed, not asserted.'
  );
}

function machineNote(): string | undefined {
  const cores = os.availableParallelism();
  if (cores >= 3) return undefined;
  return `This machine has ${cores} core(s) for the load generator and the server together, so they compete for CPU; server CPU per request is less sensitive to that than req/s.`;
}

function describePolicies(policies: readonly PolicySnapshot[]): string {
  return policies.length === 0 ? 'none' : policies.map((p) => `${p.kind} '${p.name}': \`${p.description}\``).join('; ');
}

async function measureCase(spec: HttpCase, settings: Settings, ticks: ClockTicks, label: string, ctx: SuiteContext): Promise<{ sample: HttpSample; policies: readonly PolicySnapshot[] }> {
  const server = await startServer(spec);
  try {
    const run = (phase: string, durationS: number) =>
      runLoad({ port: server.port, connections: settings.connections, durationS, expectBody: HELLO, what: `${spec.label}, ${label}, ${phase}` });
    ctx.progress(`${label} ${spec.label}: warm-up ${settings.warmupS} s`);
    await run('warm-up', settings.warmupS);
    const before = await server.policies();
    ctx.progress(`${label} ${spec.label}: measuring ${settings.measureS} s`);
    const serverStart = readCpuTicks(server.pid);
    const clientStart = process.cpuUsage();
    const wallStart = process.hrtime.bigint();
    const load = await run('measured window', settings.measureS);
    const wallUs = Number(process.hrtime.bigint() - wallStart) / 1e3;
    const client = process.cpuUsage(clientStart);
    const serverEnd = readCpuTicks(server.pid);
    server.assertAlive();
    const after = await server.policies();
    checkPolicies(spec, before, after, load.completed);
    const sample: HttpSample = {
      completed: load.completed,
      wallUs,
      serverCpuUs: cpuMicros(serverEnd, ticks.perSecond) - cpuMicros(serverStart, ticks.perSecond),
      clientCpuUs: client.user + client.system,
      latencyP50Ms: load.latencyP50Ms,
      latencyP99Ms: load.latencyP99Ms,
    };
    return { sample, policies: after };
  } finally {
    await server.stop();
  }
}

/** Runs the http suite and prints its report. */
export async function run(ctx: SuiteContext): Promise<void> {
  const settings = ctx.quick ? quick : full;
  const ticks = clockTicks();
  const started = Date.now();
  ctx.out('# http suite: Express 5 and Nest 12 hello-world servers, plain and with Bulwark');
  ctx.out('');
  ctx.out(describeEnvironment(['express', '@nestjs/core', '@nestjs/platform-express', 'autocannon', '@bulwark/core', '@bulwark/express', '@bulwark/nestjs']));
  ctx.out('');
  ctx.out(methodNote(settings, ticks));
  const machine = machineNote();
  if (machine !== undefined) ctx.out(`\n${machine}`);
  if (ctx.quick) ctx.out('\n**--quick smoke run: too short to quote these numbers.**');

  const samples = new Map<HttpCaseId, HttpSample[]>(HTTP_CASES.map((c) => [c.id, []]));
  const policies = new Map<HttpCaseId, readonly PolicySnapshot[]>();
  const orders: string[][] = [];
  for (let round = 0; round < settings.rounds; round++) {
    const order = rotate(HTTP_CASES, round);
    orders.push(order.map((c) => c.label));
    for (const spec of order) {
      const measured = await measureCase(spec, settings, ticks, `round ${round + 1}/${settings.rounds}`, ctx);
      samples.get(spec.id)?.push(measured.sample);
      if (!policies.has(spec.id)) policies.set(spec.id, measured.policies);
    }
  }
  const cases = HTTP_CASES.map((c) => ({ label: c.label, rounds: samples.get(c.id) ?? [] }));

  ctx.out('\n## Servers\n');
  for (const [i, c] of HTTP_CASES.entries()) {
    ctx.out(`${i + 1}. **${c.label}**: ${c.what} Its registry after a run: ${describePolicies(policies.get(c.id) ?? [])}.`);
  }
  ctx.out('\n## Results\n');
  ctx.out(formatTable(httpCaseTable(cases)));
  const generator = loadGeneratorNote(cases);
  if (generator !== undefined) ctx.out(`\n${generator}`);
  ctx.out('');
  const comparison = httpComparisonTable(cases, COMPARISONS);
  ctx.out(formatTable(comparison.table));
  ctx.out('\nCPU per request ratio > 1: the first case costs the server more CPU per request; req/s ratio > 1: it serves more requests per second.');
  ctx.out('\n## Rounds\n');
  ctx.out(formatTable(httpRoundsTable(cases, orders)));
  ctx.out('\n## Goals\n');
  ctx.out(formatTable(goalTable(comparison.goals)));
  ctx.out(`\nSuite time: ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}
