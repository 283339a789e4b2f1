import { ManualClock } from '@bulwark/core/testing';
import type { BreakerEventRecord } from './breaker-event.js';
import { demoScript } from './demo-script.js';
import type { FlakyService } from './flaky-service.js';
import { startFlakyService } from './flaky-service.js';
import type { ScenarioResult } from './scenario.js';
import { runScenario } from './scenario.js';

// The demo's script, run against a real loopback service with the breaker's timers on a
// ManualClock. Time moves only while the scenario sleeps between calls (no call is in flight
// then), so every call has 0 ms latency on the clock and the story is exact: see demoScript.
describe('runScenario with the demo script', () => {
  let service: FlakyService;
  let clock: ManualClock;
  let lines: string[];
  let result: ScenarioResult;

  beforeAll(async () => {
    service = await startFlakyService();
    clock = new ManualClock(1_700_000_000_000);
    lines = [];
    result = await runScenario({
      clock,
      sleep: (ms) => clock.advanceAsync(ms),
      service,
      log: (line) => lines.push(line),
    });
  }, 30_000);

  afterAll(async () => {
    await service.close();
  });

  const at = (event: BreakerEventRecord['event']): number[] =>
    result.events.filter((e) => e.event === event).map((e) => e.atMs);

  it('tells the story: open → halfOpen → open (trial failed) → halfOpen → close (trial passed)', () => {
    expect(result.transitions).toEqual(['open', 'halfOpen', 'open', 'halfOpen', 'close']);
    expect(result.transitions).toEqual(demoScript.expectedTransitions);
    // 20 successes then 21 failures: 21/41 > 50 % at the 41st call, made at 2000 ms.
    expect(at('open')).toEqual([2000, 3500]);
    // resetTimeout (1500 ms) after each open, never earlier or later.
    expect(at('halfOpen')).toEqual([3500, 5000]);
    expect(at('close')).toEqual([5000]);
  });

  it('rejects calls while open, and only then, without calling the service', () => {
    const rejects = at('reject');
    expect(rejects).toHaveLength(58);
    const whileOpen = (ms: number): boolean => (ms > 2000 && ms < 3500) || (ms > 3500 && ms < 5000);
    expect(rejects.every(whileOpen)).toBe(true);
    // Every call made while open was rejected: 2050..3450 and 3550..4950.
    expect(rejects.filter((ms) => ms < 3500)).toHaveLength(29);
    expect(result.events.filter((e) => e.event === 'reject').every((e) => /Breaker is open/.test(e.detail ?? ''))).toBe(
      true,
    );
    // The service saw every call except the rejected ones.
    expect(service.served).toEqual({ ok: 60, failed: 22 });
  });

  it('admits exactly one trial per half-open period: the first fails, the second succeeds', () => {
    const trials = result.events.filter((e) => e.trial).map((e) => `${e.event}@${e.atMs}`);
    expect(trials).toEqual(['fire@3500', 'failure@3500', 'fire@5000', 'success@5000']);
    // The trial's outcome decides the next state: a failure reopens, a success closes.
    const around = (ms: number): string[] =>
      result.events.filter((e) => e.atMs === ms && e.event !== 'fire').map((e) => e.event);
    expect(around(3500)).toEqual(['halfOpen', 'failure', 'open']);
    expect(around(5000).sort()).toEqual(['close', 'halfOpen', 'success']);
  });

  it('counts every call in the final stats', () => {
    expect(result.stats).toMatchObject({ fires: 140, successes: 60, failures: 22, rejects: 58, timeouts: 0, fallbacks: 0 });
    // Latency is read from the ManualClock, which does not move during a call.
    expect(result.stats.latencyMeanMs).toBe(0);
    expect(at('fire')).toHaveLength(140);
  });

  it('leaves nothing running once it returns', () => {
    // The breaker times calls out with one shared sweep timer that stays armed after the calls
    // settle (and after shutdown) until the last deadline passes; it must be that timer at most:
    // due within one call timeout, and re-arming nothing when it fires.
    expect(clock.pendingTimers).toBeLessThanOrEqual(1);
    expect((clock.nextDueAt() ?? clock.now()) - clock.now()).toBeLessThanOrEqual(demoScript.breaker.timeout);
    clock.runAll();
    expect(clock.pendingTimers).toBe(0);
  });

  it('prints one line per state change and one per run of calls', () => {
    const story = lines.filter((line) => / {2}(open|halfOpen|close|reject|service) /.test(line));
    expect(story).toEqual([
      '+ 0.000s  service   now healthy: answers 200',
      '+ 1.000s  service   now failing: answers 500',
      '+ 2.000s  open      21 failures in 41 calls = 51% > 50%; failing fast for 1500ms',
      '+ 2.050s  reject    ×29 fast-fails over 1.400s: Breaker is open (EOPENBREAKER); the service is not called',
      '+ 3.500s  halfOpen  1500ms after opening; the next call is a trial',
      '+ 3.500s  open      the trial call failed; failing fast for 1500ms',
      '+ 3.550s  reject    ×15 fast-fails over 0.700s: Breaker is open (EOPENBREAKER); the service is not called',
      '+ 4.300s  service   now healthy: answers 200',
      '+ 4.300s  reject    ×14 fast-fails over 0.650s: Breaker is open (EOPENBREAKER); the service is not called',
      '+ 5.000s  halfOpen  1500ms after opening; the next call is a trial',
      '+ 5.000s  close     the trial call succeeded; calls reach the service again',
      '+ 6.950s  service   answered 82 requests (60 × 200, 22 × 500); 58 calls never reached it',
    ]);
    expect(lines).toContain('+ 0.000s  success   ×20 over 0.950s: HTTP 200, latency mean 0.0ms');
    expect(lines).toContain('+ 1.000s  failure   ×21 over 1.000s: HTTP 500, latency mean 0.0ms');
    expect(lines).toContain('+ 3.500s  failure   trial call: HTTP 500 in 0ms');
    expect(lines).toContain('+ 5.000s  success   trial call: HTTP 200 in 0ms');
  });
});
