import type { HttpCaseSamples, HttpSample } from './http-report.js';
import {
  coreShare,
  cpuPerRequestUs,
  formatInteger,
  formatMicros,
  formatPercentOver,
  formatRatioAndPercent,
  formatSignedMicros,
  httpCaseTable,
  httpComparisonTable,
  httpRatios,
  httpRoundsTable,
  loadGeneratorNote,
  requestsPerSecond,
} from './http-report.js';

/** A 10 s window with `completed` responses and `cpuUsPerReq` server µs each. */
function sample(completed: number, cpuUsPerReq: number, clientShare = 0.5): HttpSample {
  return { completed, wallUs: 10e6, serverCpuUs: completed * cpuUsPerReq, clientCpuUs: clientShare * 10e6, latencyP50Ms: 4, latencyP99Ms: 12 };
}

// req/s 10,000 / 12,000 / 8,000 for Express; CPU µs/req 100 / 90 / 110.
const express: HttpCaseSamples = { label: 'Express', rounds: [sample(100_000, 100), sample(120_000, 90), sample(80_000, 110)] };
// Per round: CPU ratio 1.04, 1.10, 1.00 → median 1.04; added 4, 9, 0 → 4; req/s ratio 0.9, 0.8, 1.0 → 0.9.
const middleware: HttpCaseSamples = { label: 'Express + mw', rounds: [sample(90_000, 104), sample(96_000, 99), sample(80_000, 110)] };

describe('per-sample numbers', () => {
  it('computes req/s, CPU µs per request and share of a core', () => {
    const s = sample(50_000, 40);
    expect(requestsPerSecond(s)).toBe(5_000);
    expect(cpuPerRequestUs(s)).toBe(40);
    expect(coreShare(s.serverCpuUs, s.wallUs)).toBe(0.2);
    expect(cpuPerRequestUs({ ...s, completed: 0 })).toBeNaN();
  });
});

describe('formats', () => {
  it('prints integers, µs, percentages over 1 and ratios', () => {
    expect(formatInteger(12_345.6)).toBe('12,346');
    expect(formatInteger(Number.NaN)).toBe('n/a');
    expect(formatMicros(41.66)).toBe('41.7');
    expect(formatMicros(Number.POSITIVE_INFINITY)).toBe('n/a');
    expect(formatSignedMicros(1.84)).toBe('+1.8');
    expect(formatSignedMicros(-0.3)).toBe('-0.3');
    expect(formatSignedMicros(Number.NaN)).toBe('n/a');
    expect(formatPercentOver(1.031)).toBe('+3.1%');
    expect(formatPercentOver(0.98)).toBe('-2.0%');
    expect(formatPercentOver(1)).toBe('+0.0%');
    expect(formatPercentOver(Number.NaN)).toBe('n/a');
    expect(formatRatioAndPercent(1.05)).toBe('1.05× (+5.0%)');
    expect(formatRatioAndPercent(Number.NaN)).toBe('n/a');
  });
});

describe('httpRatios', () => {
  it('takes each ratio within a round, then the median over rounds', () => {
    const r = httpRatios(middleware, express);
    expect(r.cpuRatio).toBeCloseTo(1.04, 10);
    expect(r.addedCpuUs).toBeCloseTo(4, 10);
    expect(r.throughputRatio).toBeCloseTo(0.9, 10);
  });

  it('refuses cases with different round counts', () => {
    expect(() => httpRatios({ label: 'x', rounds: [sample(1, 1)] }, express)).toThrow(RangeError);
  });
});

describe('httpCaseTable', () => {
  it('prints medians and ranges of req/s and CPU per request, CPU shares and latencies', () => {
    const table = httpCaseTable([express, middleware]);
    expect(table.rows).toEqual([
      ['Express', '10,000', '8,000–12,000', '100.0', '90.0–110.0', '100%', '50%', '4 / 12'],
      ['Express + mw', '9,000', '8,000–9,600', '104.0', '99.0–110.0', '94%', '50%', '4 / 12'],
    ]);
  });
});

describe('httpComparisonTable', () => {
  it('reports ratios and a goal on the CPU ratio, met or missed', () => {
    const met = httpComparisonTable([express, middleware], [{ subject: 'Express + mw', baseline: 'Express', goal: { kind: 'max', target: 1.05 } }]);
    expect(met.table.rows).toEqual([['Express + mw vs Express', '1.04× (+4.0%)', '+4.0', '0.90×', '≤ 1.05× (+5.0%)', 'met']]);
    expect(met.goals).toEqual([{ what: 'http: Express + mw vs Express (server CPU per request)', goal: '≤ 1.05× (+5.0%)', measured: '1.04× (+4.0%)', status: 'met' }]);

    const missed = httpComparisonTable([express, middleware], [{ subject: 'Express + mw', baseline: 'Express', goal: { kind: 'max', target: 1.03 } }]);
    expect(missed.goals[0].status).toBe('MISSED');
  });

  it('leaves the goal cells empty and adds no goal line without a goal', () => {
    const report = httpComparisonTable([express, middleware], [{ subject: 'Express', baseline: 'Express + mw' }]);
    expect(report.table.rows[0].slice(4)).toEqual(['', '']);
    expect(report.goals).toEqual([]);
  });

  it('throws on an unknown label', () => {
    expect(() => httpComparisonTable([express], [{ subject: 'Nest', baseline: 'Express' }])).toThrow('no http case labelled "Nest"');
  });
});

describe('httpRoundsTable', () => {
  it('prints each round: the order the cases ran in, by number, and their req/s and CPU per request', () => {
    const table = httpRoundsTable([express, middleware], [['Express', 'Express + mw'], ['Express + mw', 'Express'], ['Express', 'Express + mw']]);
    expect(table.headers).toEqual(['round', 'order', 'Express: req/s · µs/req', 'Express + mw: req/s · µs/req']);
    expect(table.rows[1]).toEqual(['2', '2 → 1', '12,000 · 90.0', '9,600 · 99.0']);
  });

  it('refuses orders for another number of rounds', () => {
    expect(() => httpRoundsTable([express], [['Express']])).toThrow('Express has 3 rounds, the orders 1');
  });
});

describe('loadGeneratorNote', () => {
  it('warns only when the load generator used at least the threshold of a core (median)', () => {
    expect(loadGeneratorNote([express, middleware])).toBeUndefined();
    const busy: HttpCaseSamples = { label: 'busy', rounds: [sample(1, 1, 0.95), sample(1, 1, 0.99), sample(1, 1, 0.2)] };
    expect(loadGeneratorNote([busy])).toContain('used a median 95% of a core');
    expect(loadGeneratorNote([busy], 0.96)).toBeUndefined();
    expect(loadGeneratorNote([])).toBeUndefined();
  });
});
