import { describe, expect, it } from '@jest/globals';
import { instructionComparisonTable, instructionsTable } from './instructions-report.js';

const cases = [
  { label: 'Express', perRequest: [150_000, 152_000] },
  { label: 'Express + mw', perRequest: [156_000, 155_040] },
];

describe('instructionsTable', () => {
  it('shows each round and the median per server', () => {
    const table = instructionsTable(cases);
    expect(table.headers).toEqual(['server', 'round 1', 'round 2', 'median instructions/request']);
    expect(table.rows[0]).toEqual(['Express', '150,000', '152,000', '151,000']);
  });
});

describe('instructionComparisonTable', () => {
  it('takes ratios and differences within a round, then the median, and checks the goal', () => {
    const { table, goals } = instructionComparisonTable(cases, [{ subject: 'Express + mw', baseline: 'Express', goal: { kind: 'max', target: 1.05 } }]);
    // rounds: 156000/150000 = 1.04, 155040/152000 = 1.02 -> median 1.03; deltas 6000, 3040 -> 4520
    expect(table.rows[0]?.[0]).toBe('Express + mw vs Express');
    expect(table.rows[0]?.[1]).toMatch(/^1\.03×/);
    expect(table.rows[0]?.[2]).toBe('+4,520');
    expect(goals).toHaveLength(1);
    expect(goals[0]?.status).toBe('met');
  });

  it('reports a missed goal', () => {
    const { goals } = instructionComparisonTable(cases, [{ subject: 'Express + mw', baseline: 'Express', goal: { kind: 'max', target: 1.01 } }]);
    expect(goals[0]?.status).toBe('MISSED');
  });

  it('names a label it does not know', () => {
    expect(() => instructionComparisonTable(cases, [{ subject: 'Nest', baseline: 'Express' }])).toThrow(/Nest/);
  });
});
