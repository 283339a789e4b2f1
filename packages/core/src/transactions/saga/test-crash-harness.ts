/**
 * Test-only: runs sagas over a RecordLog on a CrashFs through crashes and restarts, as the saga
 * crash tests and simulations do. Not exported from the package.
 */
import { CrashError, CrashFs } from '../../raft/wal/crash-fs.js';
import { ManualClock } from '../../testing/manual-clock.js';
import { seededRandom } from '../../testing/seeded-random.js';
import type { SagaDefinition } from './define-saga.js';
import { isSagaOrchestratorStoppedError } from './errors/saga-orchestrator-stopped-error.js';
import { SagaOrchestrator } from './saga-orchestrator.js';
import { FakeParticipant, settle, testSaga, type FateScript, type TestSagaShape } from './test-participants.js';

/** A saga workload: its shape, the participants' behaviour, and what it must end as. */
export interface Scenario {
  readonly name: string;
  readonly shape: TestSagaShape;
  readonly fates: FateScript;
  readonly expected?: 'completed' | 'compensated';
  /** Sagas run one after the other (each id started once its predecessor ended). */
  readonly sagas?: number;
  readonly compactAfterRecords?: number;
  /** The orchestrator's `maxEndedSagas` (default 1,000). */
  readonly maxEndedSagas?: number;
  /** The sagas' deadline (`start()`'s `timeoutMs`). Default none. */
  readonly sagaTimeoutMs?: number;
  /** Start every saga at once rather than one after the other. */
  readonly concurrent?: boolean;
}

export interface World {
  readonly participants: FakeParticipant[];
  readonly saga: SagaDefinition<{ order: number }>;
  readonly clock: ManualClock;
}

export function world(scenario: Scenario): World {
  const participants = Array.from({ length: scenario.shape.steps }, (_, i) => new FakeParticipant(i, scenario.fates));
  return { participants, saga: testSaga('crashy', participants, scenario.shape), clock: new ManualClock(0) };
}

function open(w: World, fs: CrashFs, scenario: Scenario, seed: number): SagaOrchestrator | undefined {
  try {
    return SagaOrchestrator.open({
      dir: '/sagas',
      fs,
      sagas: [w.saga],
      clock: w.clock,
      random: seededRandom(seed),
      maxEndedSagas: scenario.maxEndedSagas ?? 1_000,
      ...(scenario.compactAfterRecords === undefined ? {} : { compactAfterRecords: scenario.compactAfterRecords }),
    });
  } catch (error) {
    if (error instanceof CrashError) return undefined; // crashed while opening
    throw error;
  }
}

/**
 * One process's life: resume what the log holds, then act as the client — for each saga not
 * known to have ended, wait for it if the log has it, else (re)start it with the same id.
 * Returns the outcomes it saw, or stops at the crash.
 */
async function live(w: World, orchestrator: SagaOrchestrator | undefined, ids: string[], known: Map<string, string>, concurrent: boolean, sagaTimeoutMs: number | undefined): Promise<boolean> {
  if (orchestrator === undefined) return false;
  try {
    orchestrator.resume();
    const run = (id: string): Promise<void> =>
      (orchestrator.get(id) === undefined ? orchestrator.start(w.saga, { order: 1 }, { id, ...(sagaTimeoutMs === undefined ? {} : { timeoutMs: sagaTimeoutMs }) }) : orchestrator.wait(id)).then((outcome) => {
        known.set(id, outcome.status);
      });
    const todo = ids.filter((id) => !known.has(id));
    if (concurrent) {
      await settle(w.clock, Promise.all(todo.map(run)));
    } else {
      for (const id of todo) await settle(w.clock, run(id));
    }
    return true;
  } catch (error) {
    if (isSagaOrchestratorStoppedError(error) && error.cause instanceof CrashError) return false;
    throw error;
  }
}

/** The disk a restart finds after `fs` crashed, set to crash again at its `crashAt`-th write step (test-only: CrashFs has no setter). */
function restartDisk(fs: CrashFs, random: () => number, crashAt: number): CrashFs {
  const next = fs.afterCrash(random);
  (next as unknown as { crashAt: number }).crashAt = crashAt;
  return next;
}

/**
 * Runs the scenario's sagas to their ends through as many lives as `crashPoints` asks: life k's
 * disk crashes at its `crashPoints[k]`-th write step (or never, past the list).
 */
export async function runWithCrashes(
  scenario: Scenario,
  crashPoints: readonly number[],
  seed: number,
): Promise<{ world: World; known: Map<string, string>; steps: number; crashes: number }> {
  const w = world(scenario);
  const ids = Array.from({ length: scenario.sagas ?? 1 }, (_, i) => `order-${i}`);
  const known = new Map<string, string>();
  let fs = new CrashFs(crashPoints[0] ?? Infinity);
  for (let life = 0; ; life++) {
    const done = await live(w, open(w, fs, scenario, seed + life), ids, known, scenario.concurrent === true, scenario.sagaTimeoutMs);
    // A crash after the last outcome (a compaction after the saga ended) also counts.
    if (done) return { world: w, known, steps: fs.steps, crashes: life + (fs.steps >= (crashPoints[life] ?? Infinity) ? 1 : 0) };
    if (life > 50) throw new Error('more than 50 lives');
    fs = restartDisk(fs, seededRandom(seed * 31 + life), crashPoints[life + 1] ?? Infinity);
  }
}

