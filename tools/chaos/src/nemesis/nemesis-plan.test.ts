import { CHAOS_FAULT_KINDS, describeFault, describeTarget, planNemesis } from './nemesis-plan.js';
import type { NemesisPlanOptions } from './nemesis-plan.js';

const members = ['n1', 'n2', 'n3'];
const base: NemesisPlanOptions = { seed: 1, members, durationMs: 120_000 };

describe('planNemesis', () => {
  it('draws the same schedule from the same seed and another from another seed', () => {
    const a = planNemesis(base);
    expect(planNemesis(base)).toEqual(a);
    expect(planNemesis({ ...base, seed: 2 })).not.toEqual(a);
    expect(a.length).toBeGreaterThan(10);
  });

  it('schedules one fault at a time, each inside the phase, with gaps in the given ranges', () => {
    for (let seed = 0; seed < 50; seed++) {
      const plan = planNemesis({ ...base, seed, gapMs: { min: 100, max: 300 }, faultMs: { min: 200, max: 900 } });
      let last = 0;
      for (const step of plan) {
        const gap = step.atMs - last;
        expect(gap).toBeGreaterThanOrEqual(100);
        expect(gap).toBeLessThanOrEqual(300);
        expect(step.healAtMs - step.atMs).toBeGreaterThanOrEqual(200);
        expect(step.healAtMs - step.atMs).toBeLessThanOrEqual(900);
        expect(step.healAtMs).toBeLessThanOrEqual(base.durationMs);
        last = step.healAtMs;
      }
    }
  });

  it('uses every kind by default and none whose weight is 0', () => {
    const kinds = new Set(planNemesis(base).map((s) => s.fault.kind));
    expect([...kinds].sort()).toEqual([...CHAOS_FAULT_KINDS].sort());
    const noKills = planNemesis({ ...base, weights: { kill: 0, pause: 0 } });
    expect(noKills.some((s) => s.fault.kind === 'kill' || s.fault.kind === 'pause')).toBe(false);
    expect(noKills.length).toBeGreaterThan(0);
    expect(planNemesis({ ...base, weights: { kill: 0, pause: 0, partition: 0, isolate: 0, flaky: 0 } })).toEqual([]);
  });

  it('splits a partition into a minority and the rest, covering every member once', () => {
    for (const ids of [members, ['a', 'b', 'c', 'd', 'e']]) {
      const partitions = planNemesis({ ...base, members: ids, weights: { kill: 0, pause: 0, isolate: 0, flaky: 0 } });
      expect(partitions.length).toBeGreaterThan(0);
      for (const { fault } of partitions) {
        if (fault.kind !== 'partition') throw new Error(`expected a partition, got ${fault.kind}`);
        const [left, right] = fault.sides;
        expect(left.length).toBeGreaterThanOrEqual(1);
        expect(left.length).toBeLessThan(right.length);
        expect([...left, ...right].sort()).toEqual([...ids].sort());
      }
    }
  });

  it('targets the leader or a member as leaderShare says', () => {
    const targets = (leaderShare: number) =>
      planNemesis({ ...base, leaderShare, weights: { partition: 0 } }).map((s) => (s.fault.kind === 'partition' ? 'none' : describeTarget(s.fault.target)));
    expect(new Set(targets(1))).toEqual(new Set(['leader']));
    expect(targets(0).every((t) => members.includes(t))).toBe(true);
    const mixed = new Set(targets(0.5));
    expect(mixed.has('leader')).toBe(true);
    expect(members.some((m) => mixed.has(m))).toBe(true);
  });

  it('gives flaky links a drop share in [0.1, 0.5] and a delay in [5, 50] ms', () => {
    const flaky = planNemesis({ ...base, weights: { kill: 0, pause: 0, partition: 0, isolate: 0 } });
    expect(flaky.length).toBeGreaterThan(0);
    for (const { fault } of flaky) {
      if (fault.kind !== 'flaky') throw new Error(`expected flaky, got ${fault.kind}`);
      expect(fault.drop).toBeGreaterThanOrEqual(0.1);
      expect(fault.drop).toBeLessThanOrEqual(0.5);
      expect(fault.delayMs).toBeGreaterThanOrEqual(5);
      expect(fault.delayMs).toBeLessThanOrEqual(50);
    }
  });

  it('plans nothing for one member, or a phase shorter than a fault', () => {
    expect(planNemesis({ ...base, members: ['solo'] })).toEqual([]);
    expect(planNemesis({ ...base, durationMs: 900, gapMs: { min: 0, max: 0 }, faultMs: { min: 1000, max: 1000 } })).toEqual([]);
  });

  it('refuses bad options, naming them', () => {
    expect(() => planNemesis({ ...base, seed: 1.5 })).toThrow('options.seed must be an integer, got 1.5');
    expect(() => planNemesis({ ...base, members: [] })).toThrow('options.members must be distinct non-empty ids');
    expect(() => planNemesis({ ...base, members: ['a', 'a'] })).toThrow('options.members must be distinct');
    expect(() => planNemesis({ ...base, durationMs: -1 })).toThrow('options.durationMs must be an integer ≥ 0, got -1');
    expect(() => planNemesis({ ...base, gapMs: { min: 5, max: 1 } })).toThrow('options.gapMs must be { min, max }');
    expect(() => planNemesis({ ...base, faultMs: { min: -1, max: 1 } })).toThrow('options.faultMs must be { min, max }');
    expect(() => planNemesis({ ...base, leaderShare: 2 })).toThrow('options.leaderShare must be a number in [0, 1], got 2');
    expect(() => planNemesis({ ...base, weights: { meteor: 1 } as never })).toThrow('unknown fault "meteor"');
    expect(() => planNemesis({ ...base, weights: { kill: -1 } })).toThrow('options.weights.kill must be a finite number ≥ 0, got -1');
    expect(() => planNemesis(null as never)).toThrow(TypeError);
  });
});

describe('describeFault', () => {
  it('names the fault, the target and the resolved leader', () => {
    expect(describeFault({ kind: 'kill', target: 'n2' })).toBe('kill n2');
    expect(describeFault({ kind: 'pause', target: { leader: true } }, 'n1')).toBe('pause leader (n1)');
    expect(describeFault({ kind: 'isolate', target: { leader: true } })).toBe('isolate leader');
    expect(describeFault({ kind: 'partition', sides: [['n1'], ['n2', 'n3']] })).toBe('partition n1 | n2 n3');
    expect(describeFault({ kind: 'flaky', target: 'n3', drop: 0.3, delayMs: 12 })).toBe('flaky n3 (drop 30%, delay 12 ms)');
  });
});
