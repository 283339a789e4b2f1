/**
 * `http-instructions` suite: the http suite's four servers, measured in instructions per
 * request under valgrind's callgrind instead of CPU time. Instruction counts repeat to a
 * fraction of a percent whatever else the machine runs, so this is the suite that decides a
 * small goal (the middleware's ≤ 5%) on a shared 2-core machine, where CPU time per request
 * drifts by more than that between windows. It does not see what instructions cost (cache
 * misses, branch mispredictions), so the `http` suite's CPU-time figure stays beside it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describeEnvironment } from '../env.js';
import { callgrindWrapper, checkValgrind, dumpTotal, setInstrumentation } from '../http/callgrind.js';
import { HELLO, HTTP_CASES, httpCase } from '../http/http-cases.js';
import type { HttpCase, HttpCaseId } from '../http/http-cases.js';
import type { InstructionComparison } from '../http/instructions-report.js';
import { instructionComparisonTable, instructionsTable } from '../http/instructions-report.js';
import { runLoad } from '../http/load.js';
import { checkPolicies } from '../http/policy-snapshot.js';
import { startServer } from '../http/server-process.js';
import { goalTable } from '../report.js';
import { rotate } from '../stats.js';
import type { SuiteContext } from '../suite.js';
import { formatTable } from '../table.js';

interface Settings {
  readonly rounds: number;
  /** Requests before counting starts (the JIT compiles the hot paths). */
  readonly warmup: number;
  /** Requests counted. */
  readonly measured: number;
  readonly connections: number;
}

const full: Settings = { rounds: 2, warmup: 20_000, measured: 5_000, connections: 10 };
const quick: Settings = { rounds: 1, warmup: 1_000, measured: 200, connections: 10 };

/** Under valgrind node starts and compiles some 50 times slower. */
const START_TIMEOUT_MS = 10 * 60_000;

const COMPARISONS: readonly InstructionComparison[] = [
  { subject: httpCase('express-bulwark').label, baseline: httpCase('express').label, goal: { kind: 'max', target: 1.05 } },
  { subject: httpCase('nest').label, baseline: httpCase('express').label },
  { subject: httpCase('nest-bulwark').label, baseline: httpCase('nest').label },
];

async function measureCase(spec: HttpCase, settings: Settings, label: string, ctx: SuiteContext): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bulwark-callgrind-'));
  const outFile = path.join(dir, 'callgrind.out');
  const server = await startServer(spec, { wrapper: callgrindWrapper(outFile), quiet: true, startTimeoutMs: START_TIMEOUT_MS });
  try {
    const load = (phase: string, amount: number) =>
      runLoad({ port: server.port, connections: settings.connections, amount, expectBody: HELLO, what: `${spec.label}, ${label}, ${phase}` });
    ctx.progress(`${label} ${spec.label}: warm-up ${settings.warmup} requests (not counted)`);
    await load('warm-up', settings.warmup);
    const before = await server.policies();
    ctx.progress(`${label} ${spec.label}: counting ${settings.measured} requests`);
    await setInstrumentation(server.pid, true);
    const counted = await load('counted requests', settings.measured);
    await setInstrumentation(server.pid, false);
    const total = await dumpTotal(server.pid, outFile);
    server.assertAlive();
    checkPolicies(spec, before, await server.policies(), counted.completed);
    return total / counted.completed;
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs the http-instructions suite and prints its report. */
export async function run(ctx: SuiteContext): Promise<void> {
  const settings = ctx.quick ? quick : full;
  const started = Date.now();
  ctx.out('# http-instructions suite: the http suite\'s servers, instructions per request under callgrind');
  ctx.out('');
  const valgrind = await checkValgrind();
  if (!valgrind.ok) throw new Error(valgrind.message);
  ctx.out(`${describeEnvironment(['express', '@nestjs/core', '@nestjs/platform-express', 'autocannon', '@bulwark/core', '@bulwark/express', '@bulwark/nestjs'])} · ${valgrind.version}`);
  ctx.out('');
  ctx.out(
    'Method: each server (see the http suite) runs alone as `valgrind --tool=callgrind --instr-atstart=no --smc-check=all-non-file node --single-threaded server.js`, ' +
      `on 127.0.0.1; autocannon in this process sends ${settings.warmup.toLocaleString('en-US')} warm-up requests over ${settings.connections} connections with the instrumentation off, ` +
      `then \`callgrind_control -i on\`, ${settings.measured.toLocaleString('en-US')} counted requests, \`-i off\` and a dump; instructions per request = the dump's total ÷ responses. ` +
      `${settings.rounds} round(s), the case order rotated each round; ratios within a round, then the median. ` +
      'The counts include the garbage collector and the compiler (one thread), and the kernel is not counted. ' +
      'Every run must have no error, non-2xx response or other body, and each server\'s registry must show every request admitted, as in the http suite. Goals are printed, not asserted.',
  );
  if (ctx.quick) ctx.out('\n**--quick smoke run: too short to quote these numbers.**');

  const samples = new Map<HttpCaseId, number[]>(HTTP_CASES.map((c) => [c.id, []]));
  for (let round = 0; round < settings.rounds; round++) {
    for (const spec of rotate(HTTP_CASES, round)) {
      samples.get(spec.id)?.push(await measureCase(spec, settings, `round ${round + 1}/${settings.rounds}`, ctx));
    }
  }
  const cases = HTTP_CASES.map((c) => ({ label: c.label, perRequest: samples.get(c.id) ?? [] }));
  ctx.out('\n## Results\n');
  ctx.out(formatTable(instructionsTable(cases)));
  ctx.out('');
  const comparison = instructionComparisonTable(cases, COMPARISONS);
  ctx.out(formatTable(comparison.table));
  ctx.out('\n## Goals\n');
  ctx.out(formatTable(goalTable(comparison.goals)));
  ctx.out(`\nSuite time: ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}
