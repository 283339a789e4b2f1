import { describe, expect, it } from '@jest/globals';
import { SimulationViolation, type TwoPhaseSimulationOptions, runTwoPhaseSimulation } from './simulation.js';

// CI runs a bounded number of seeds; `SEEDS=2000 jest two-phase-simulation` runs more.
const SEEDS = Number(process.env.SEEDS ?? 60);
const FIRST_SEED = Number(process.env.FIRST_SEED ?? 1);

function run(options: TwoPhaseSimulationOptions): ReturnType<typeof runTwoPhaseSimulation> {
  try {
    return runTwoPhaseSimulation(options);
  } catch (error) {
    // The seed is in the message: replay with runTwoPhaseSimulation(options).
    throw new Error(`${String(error)}\n  replay: runTwoPhaseSimulation(${JSON.stringify(options)})`, { cause: error });
  }
}

// Two participants, four transactions on one key each: commits and (lock-conflict) aborts.
const SCENARIO: Omit<TwoPhaseSimulationOptions, 'seed'> = { participants: 2, transactions: 4, keys: 1 };

describe('two-phase commit simulation: crash every party at every write step', () => {
  for (const party of ['c', 'p0', 'p1']) {
    it(`crashes ${party} at each of its disk's write steps; atomicity, no lost commit, locks released, all resolved`, () => {
      const base = run({ seed: 2, ...SCENARIO });
      expect(base.aborted).toBeGreaterThan(0);
      const steps = base.diskSteps[party] as number;
      expect(steps).toBeGreaterThan(3);
      let crashed = 0;
      for (let step = 1; step <= steps + 1; step++) {
        for (const seed of [2, 13]) {
          const report = run({ seed, ...SCENARIO, crashAt: { party, step } });
          if (report.crashedAtStep) crashed++;
        }
      }
      expect(crashed).toBeGreaterThan(steps);
    });
  }
});

describe('two-phase commit simulation: drop and duplicate every message', () => {
  it('drops each message of a run in turn, then duplicates each', () => {
    const base = run({ seed: 13, ...SCENARIO });
    expect(base.messages).toBeGreaterThan(10);
    for (let n = 1; n <= base.messages; n++) {
      expect(run({ seed: 13, ...SCENARIO, dropMessage: n }).dropped).toBe(1);
      expect(run({ seed: 13, ...SCENARIO, duplicateMessage: n }).duplicated).toBe(1);
    }
  });
});

describe('two-phase commit simulation: random faults (seeded)', () => {
  for (const lockPolicy of ['no-wait', 'ordered'] as const) {
    it(`${SEEDS} seeds from ${FIRST_SEED} with drops, duplicates, reordering and power cuts (${lockPolicy})`, () => {
      let committed = 0;
      let aborted = 0;
      let crashes = 0;
      for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
        const report = run({ seed, lockPolicy, participants: 3, transactions: 8, keys: 3, dropRate: 0.1, duplicateRate: 0.1, crashRate: 0.04 });
        committed += report.committed;
        aborted += report.aborted;
        crashes += report.crashes;
      }
      // The workload is not vacuous: some commit, some abort, parties crash.
      expect(committed).toBeGreaterThan(0);
      expect(aborted).toBeGreaterThan(0);
      expect(crashes).toBeGreaterThan(SEEDS);
    });
  }
});

describe('two-phase commit simulation: planted bugs are caught', () => {
  function findsViolation(options: Omit<TwoPhaseSimulationOptions, 'seed'>, seeds: number): string | undefined {
    for (let seed = 1; seed <= seeds; seed++) {
      try {
        runTwoPhaseSimulation({ seed, ...options });
      } catch (error) {
        if (error instanceof SimulationViolation) return error.message;
        throw error;
      }
    }
    return undefined;
  }
  const faults = { participants: 3, transactions: 8, keys: 3, dropRate: 0.05, duplicateRate: 0.05, crashRate: 0.05 };

  it('a participant that votes yes without forcing PREPARED', () => {
    expect(findsViolation({ ...faults, bugs: { participant: { skipPreparedForce: true } } }, 200)).toMatch(/seed \d+/);
  });

  it('a coordinator that does not force its commit before sending it', () => {
    expect(findsViolation({ ...faults, bugs: { lazyCommit: true } }, 200)).toMatch(/seed \d+/);
  });

  it('a coordinator that counts a no vote as yes', () => {
    expect(findsViolation({ ...faults, keys: 1, bugs: { coordinator: { ignoreNoVotes: true } } }, 50)).toMatch(/contradicting|committed at|heard/);
  });
});
