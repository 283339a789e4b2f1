import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { runTwoPhaseSimulation } from './simulation.js';

describe('two-phase commit properties (fast-check over the simulation)', () => {
  it('atomicity, no lost commit, locks released and every transaction resolved, for any faults and workload', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer(),
          participants: fc.integer({ min: 1, max: 4 }),
          transactions: fc.integer({ min: 1, max: 10 }),
          keys: fc.integer({ min: 1, max: 4 }),
          lockPolicy: fc.constantFrom('no-wait' as const, 'ordered' as const),
          dropRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
          duplicateRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
          crashRate: fc.double({ min: 0, max: 0.1, noNaN: true }),
        }),
        (options) => {
          runTwoPhaseSimulation(options); // throws a SimulationViolation naming the seed
        },
      ),
      { numRuns: 60 },
    );
  });
});
