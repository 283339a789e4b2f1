import type { RaftCaseSamples, RaftSample } from './raft-report.js';
import { cpuPerOpUs, raftCaseTable, raftGoals, raftRatioTable, raftRatios } from './raft-report.js';

const sample = (requestsPerSecond: number, latencyP50Ms: number, latencyP99Ms = latencyP50Ms * 4, cpuUsPerOp = 300): RaftSample => ({
  requestsPerSecond,
  latencyP50Ms,
  latencyP99Ms,
  completed: requestsPerSecond * 10,
  serverCpuUs: requestsPerSecond * 10 * cpuUsPerOp,
});

const cases: RaftCaseSamples[] = [
  { system: 'bulwark', op: 'put', connections: 1, rounds: [sample(800, 1.0), sample(900, 1.1)] },
  { system: 'bulwark', op: 'put', connections: 64, rounds: [sample(4000, 15, 40, 200), sample(3000, 20, 50, 220)] },
  { system: 'etcd', op: 'put', connections: 1, rounds: [sample(650, 1.25), sample(600, 1.3)] },
  { system: 'etcd', op: 'put', connections: 64, rounds: [sample(3200, 18, 50, 314), sample(3600, 16, 48, 300)] },
];

describe('raft report', () => {
  it('computes CPU per operation over all members', () => {
    expect(cpuPerOpUs(sample(100, 1, 4, 250))).toBe(250);
    expect(cpuPerOpUs({ ...sample(100, 1), completed: 0 })).toBeNaN();
  });

  it('prints medians over rounds per case', () => {
    const table = raftCaseTable(cases);
    expect(table.rows[0]).toEqual(['Bulwark (apps/cluster)', 'put', '1', '850', '800–900', '1.05', '4.20', '300']);
    expect(table.rows[3]).toEqual(['etcd', 'put', '64', '3,400', '3,200–3,600', '17.0', '49.0', '307']);
  });

  it('takes Bulwark ÷ etcd within each round, then the median', () => {
    const ratios = raftRatios(cases);
    expect(ratios.map((r) => [r.op, r.connections])).toEqual([['put', 1], ['put', 64]]);
    const c1 = ratios[0];
    expect(c1.throughput).toBeCloseTo((800 / 650 + 900 / 600) / 2, 10);
    expect(c1.p50).toBeCloseTo((1.0 / 1.25 + 1.1 / 1.3) / 2, 10);
    expect(raftRatioTable(ratios).rows[1][0]).toBe('put');
    expect(() => raftRatios([cases[0]])).toThrow('no etcd put case at 1 connections');
  });

  it('checks the goals, and reports a case not measured as n/a', () => {
    const goals = raftGoals(raftRatios(cases));
    expect(goals.map((g) => [g.status, g.measured])).toEqual([
      ['met', expect.any(String)],
      ['met', expect.any(String)],
      ['n/a', 'not measured'],
    ]);
    const slow = raftGoals(raftRatios([{ ...cases[0], rounds: [sample(300, 3), sample(300, 3)] }, cases[2]]));
    expect(slow[1].status).toBe('MISSED');
  });
});
