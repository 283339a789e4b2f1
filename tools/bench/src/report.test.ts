import type { CaseSamples } from './harness.js';
import { nextBatchSize } from './harness.js';
import { caseTable, comparisonTable, describeGoal, goalStatus, goalTable, quotedCostTable } from './report.js';
import { formatRatio } from './table.js';

const samples: CaseSamples[] = [
  { name: 'bare', roundNs: [100, 200, 100], opsPerBatch: 1 },
  { name: 'ours', roundNs: [200, 400, 300], opsPerBatch: 1 },
  { name: 'opossum', roundNs: [1_100, 2_000, 1_300], opsPerBatch: 1 },
];

describe('goalStatus / describeGoal', () => {
  it('checks min and max goals, inclusive', () => {
    expect(goalStatus(5, { kind: 'min', target: 5 })).toBe('met');
    expect(goalStatus(4.99, { kind: 'min', target: 5 })).toBe('MISSED');
    expect(goalStatus(0, { kind: 'max', target: 0 })).toBe('met');
    expect(goalStatus(2, { kind: 'max', target: 0 })).toBe('MISSED');
    expect(goalStatus(Number.NaN, { kind: 'max', target: 0 })).toBe('n/a');
  });

  it('describes goals with the given unit', () => {
    expect(describeGoal({ kind: 'min', target: 50 }, formatRatio)).toBe('≥ 50.0×');
    expect(describeGoal({ kind: 'max', target: 0 }, String)).toBe('≤ 0');
  });
});

describe('caseTable', () => {
  it('reports medians, ranges, same-round added ns and × baseline', () => {
    const table = caseTable(samples, 'bare');
    expect(table.rows).toEqual([
      ['bare (baseline)', '100', '100–200', '0', '10.0 M', '1.00×'],
      // added: 100, 200, 200 → 200; ratio: 2, 2, 3 → 2
      ['ours', '300', '200–400', '+200', '3.33 M', '2.00×'],
      // added: 1000, 1800, 1200 → 1200; ratio: 11, 10, 13 → 11
      ['opossum', '1,300', '1,100–2,000', '+1,200', '769 k', '11.0×'],
    ]);
  });

  it('throws on an unknown baseline', () => {
    expect(() => caseTable(samples, 'nope')).toThrow('no case named "nope"');
  });
});

describe('comparisonTable', () => {
  it('computes same-round speed-ups and added-cost ratios and checks goals', () => {
    const report = comparisonTable(samples, {
      scenario: 'success',
      baseline: 'bare',
      ours: 'ours',
      comparisons: [{ peer: 'opossum', goal: { kind: 'min', target: 5 } }, { peer: 'bare' }],
    });
    // speed-up: 5.5, 5, 4.33 → 5; added: 10, 9, 6 → 9
    expect(report.table.rows[0]).toEqual(['ours vs opossum', '5.00×', '9.00×', '≥ 5.00×', 'met']);
    // bare vs ours: 0.5, 0.5, 0.33 → 0.5; added ratio (0/100, 0/200, 0/200) → 0
    expect(report.table.rows[1]).toEqual(['ours vs bare', '0.50×', '0.00×', '', '']);
    expect(report.goals).toEqual([
      { what: 'success: ours vs opossum (speed-up)', goal: '≥ 5.00×', measured: '5.00×', status: 'met' },
    ]);
    expect(goalTable(report.goals).rows).toEqual([['success: ours vs opossum (speed-up)', '≥ 5.00×', '5.00×', 'met']]);
  });
});

describe('quotedCostTable', () => {
  it('prints the quoted figure beside this run\'s same-round added ns, ours included', () => {
    const table = quotedCostTable(samples, {
      source: 'issue',
      baseline: 'bare',
      ours: 'ours',
      quoted: [{ peer: 'opossum', addedNs: 1_150 }],
    });
    expect(table.headers).toEqual(['peer', "peer's added ns (issue)", "peer's added ns (this run)", 'ours added ns (this run)']);
    // opossum added: 1000, 1800, 1200 → 1200; ours added: 100, 200, 200 → 200
    expect(table.rows).toEqual([['opossum', '~1,150', '+1,200', '+200']]);
  });

  it('throws on a peer that was not measured', () => {
    expect(() => quotedCostTable(samples, { source: 'issue', baseline: 'bare', ours: 'ours', quoted: [{ peer: 'nope', addedNs: 1 }] })).toThrow(
      'no case named "nope"',
    );
  });
});

describe('nextBatchSize', () => {
  it('scales the batch towards the target duration', () => {
    expect(nextBatchSize(100, 1_000_000, 5_000_000)).toBe(500);
    expect(nextBatchSize(100, 10_000_000, 5_000_000)).toBe(50);
  });

  it('grows at most 10× per step and never below 1', () => {
    expect(nextBatchSize(1, 10, 5_000_000)).toBe(10);
    expect(nextBatchSize(1, 0, 5_000_000)).toBe(10);
    expect(nextBatchSize(3, 1e12, 1)).toBe(1);
  });
});
