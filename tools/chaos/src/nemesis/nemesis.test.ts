import { runNemesis } from './nemesis.js';
import type { FaultRule, NemesisEvent, NemesisTarget } from './nemesis.js';
import type { NemesisStep } from './nemesis-plan.js';
import { planNemesis } from './nemesis-plan.js';

/** A cluster that records what is done to it, at virtual times. */
function fakeTarget(options: { leader?: string; failOn?: string } = {}) {
  let time = 0;
  const calls: string[] = [];
  const act = (call: string): void => {
    calls.push(`${time} ${call}`);
    if (options.failOn !== undefined && call.startsWith(options.failOn)) throw new Error(`refused ${call}`);
  };
  const target: NemesisTarget = {
    members: ['n1', 'n2', 'n3'],
    leader: async () => options.leader,
    kill: async (id) => act(`kill ${id}`),
    restart: async (id) => act(`restart ${id}`),
    pause: (id) => act(`pause ${id}`),
    resume: (id) => act(`resume ${id}`),
    setFaults: async (id, rule: FaultRule) => act(`set ${id} ${JSON.stringify(rule)}`),
    clearFaults: async (id) => act(`clear ${id}`),
  };
  const clock = {
    now: () => time,
    sleep: async (ms: number) => {
      time += ms;
    },
  };
  return { target, calls, clock, advance: (ms: number) => (time += ms) };
}

describe('runNemesis', () => {
  it('injects each fault at its time and heals it at its heal time', async () => {
    const plan: NemesisStep[] = [
      { atMs: 100, healAtMs: 300, fault: { kind: 'kill', target: 'n2' } },
      { atMs: 400, healAtMs: 500, fault: { kind: 'pause', target: 'n3' } },
      { atMs: 600, healAtMs: 700, fault: { kind: 'flaky', target: 'n1', drop: 0.2, delayMs: 10 } },
    ];
    const { target, calls, clock } = fakeTarget();
    const report = await runNemesis(plan, target, clock);
    expect(calls).toEqual([
      '100 kill n2',
      '300 restart n2',
      '400 pause n3',
      '500 resume n3',
      '600 set n1 {"drop":0.2,"delayMs":10}',
      '700 clear n1',
      '700 clear n2',
      '700 clear n3',
    ]);
    expect(report.injected).toEqual({ kill: 1, pause: 1, partition: 0, isolate: 0, flaky: 1 });
    expect(report.errors).toEqual([]);
    expect(report.events.map((e) => `${e.atMs} ${e.type} ${e.description}`)).toEqual([
      '100 start kill n2',
      '300 heal kill n2',
      '400 start pause n3',
      '500 heal pause n3',
      '600 start flaky n1 (drop 20%, delay 10 ms)',
      '700 heal flaky n1 (drop 20%, delay 10 ms)',
    ]);
  });

  it('cuts a partition with a rule on both sides, and an isolated member from all others', async () => {
    const plan: NemesisStep[] = [
      { atMs: 0, healAtMs: 10, fault: { kind: 'partition', sides: [['n1'], ['n2', 'n3']] } },
      { atMs: 20, healAtMs: 30, fault: { kind: 'isolate', target: { leader: true } } },
    ];
    const { target, calls, clock } = fakeTarget({ leader: 'n3' });
    const report = await runNemesis(plan, target, clock);
    expect(calls).toEqual([
      '0 set n1 {"partitioned":["n2","n3"]}',
      '0 set n2 {"partitioned":["n1"]}',
      '0 set n3 {"partitioned":["n1"]}',
      '10 clear n1',
      '10 clear n2',
      '10 clear n3',
      '20 set n3 {"partitioned":["n1","n2"]}',
      '20 set n1 {"partitioned":["n3"]}',
      '20 set n2 {"partitioned":["n3"]}',
      '30 clear n1',
      '30 clear n2',
      '30 clear n3',
    ]);
    expect(report.events.find((e) => e.type === 'start' && e.fault.kind === 'isolate')?.description).toBe('isolate leader (n3)');
  });

  it('skips a leader fault when no member names a leader, and reports it', async () => {
    const { target, calls, clock } = fakeTarget({ leader: undefined });
    const report = await runNemesis([{ atMs: 5, healAtMs: 10, fault: { kind: 'kill', target: { leader: true } } }], target, clock);
    expect(calls).toEqual([]);
    expect(report.injected.kill).toBe(0);
    expect(report.errors).toEqual(['kill leader: no member names a leader; fault skipped']);
  });

  it('reports a refused injection as an error event, still heals, and goes on', async () => {
    const plan: NemesisStep[] = [
      { atMs: 0, healAtMs: 10, fault: { kind: 'kill', target: 'n1' } },
      { atMs: 20, healAtMs: 30, fault: { kind: 'pause', target: 'n2' } },
    ];
    const { target, calls, clock } = fakeTarget({ failOn: 'kill' });
    const events: NemesisEvent[] = [];
    const report = await runNemesis(plan, target, { ...clock, onEvent: (e) => events.push(e) });
    expect(calls).toEqual(['0 kill n1', '10 restart n1', '20 pause n2', '30 resume n2']);
    expect(report.errors).toEqual(['kill n1: SIGKILL: refused kill n1']);
    expect(events.map((e) => e.type)).toEqual(['start', 'error', 'heal', 'start', 'heal']);
    expect(events).toEqual(report.events);
  });

  it('does not wait when a step is already due, and stops before the next step once stopped() says so', async () => {
    const { target, calls, clock, advance } = fakeTarget();
    const plan = planNemesis({ seed: 3, members: target.members, durationMs: 60_000, leaderShare: 0, weights: { partition: 0, isolate: 0, flaky: 0 } });
    expect(plan.length).toBeGreaterThan(2);
    let steps = 0;
    const report = await runNemesis(plan, target, {
      now: clock.now,
      sleep: async (ms) => {
        advance(ms);
      },
      onEvent: (e) => {
        if (e.type === 'heal') steps++;
      },
      stopped: () => steps >= 2,
    });
    expect(report.events.filter((e) => e.type === 'start')).toHaveLength(2);
    expect(calls).toHaveLength(4);

    // The clock reads 0 at the start, then 500: the step due at 200 starts late, without a wait.
    const late = fakeTarget();
    let reads = 0;
    const sleeps: number[] = [];
    await runNemesis([{ atMs: 200, healAtMs: 400, fault: { kind: 'pause', target: 'n1' } }], late.target, {
      now: () => (reads++ === 0 ? 0 : 500),
      sleep: async (ms) => void sleeps.push(ms),
    });
    expect(late.calls).toEqual(['0 pause n1', '0 resume n1']);
    expect(sleeps).toEqual([]);
  });
});
