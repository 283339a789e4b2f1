import { DEFAULT_MAX_CONFIGURATIONS, checkLinearizability } from './check-linearizability.js';
import type { HistoryOperation } from './history-operation.js';
import { kvModel } from './kv-model.js';
import type { KvInput, KvOutput } from './kv-model.js';
import { registerModel } from './register-model.js';
import type { RegisterInput } from './register-model.js';
import { STEPS_PER_CLOCK_READ, TimeLimit } from './time-limit.js';

type RegisterOp = HistoryOperation<RegisterInput<number>, number | undefined>;

/**
 * Twelve concurrent writes, then a read of a value none wrote: illegal, but only after the search
 * has tried every subset of the writes (thousands of steps).
 */
function hardHistory(writes = 12): RegisterOp[] {
  const history: RegisterOp[] = Array.from({ length: writes }, (_, i) => ({ clientId: i, input: { op: 'write', value: i + 1 }, call: 0, return: 100 }));
  history.push({ clientId: 'reader', input: { op: 'read' }, output: -1, call: 200, return: 201 });
  return history;
}

/** A clock that moves `stepMs` forward each time it is read, and counts the reads. */
function jumpingClock(stepMs: number) {
  const clock = { reads: 0, now: () => clock.reads++ * stepMs };
  return clock;
}

describe('the time and memory limits', () => {
  it('answers unknown when the injected clock passes the deadline mid-search', () => {
    const clock = jumpingClock(60_000);
    const result = checkLinearizability(registerModel(0), hardHistory(), { timeoutMs: 1000, clock });
    expect(result).toEqual({ result: 'unknown', reason: 'timeout', timeoutMs: 1000, partitionsChecked: 0, partitionCount: 1 });
    expect(clock.reads).toBe(2); // the start, then after STEPS_PER_CLOCK_READ steps
  });

  it('reads the clock every STEPS_PER_CLOCK_READ steps and lets a search within the limit finish', () => {
    const clock = jumpingClock(0);
    expect(checkLinearizability(registerModel(0), hardHistory(), { timeoutMs: 1000, clock }).result).toBe('illegal');
    expect(clock.reads).toBeGreaterThan(10); // the search took more than 10 × 1024 steps
    expect(STEPS_PER_CLOCK_READ).toBe(1024);
  });

  it('never reads the clock without timeoutMs', () => {
    const clock = {
      now: (): number => {
        throw new Error('read');
      },
    };
    expect(checkLinearizability(registerModel(0), hardHistory(), { clock }).result).toBe('illegal');
    expect(checkLinearizability(registerModel(0), hardHistory(), { clock, timeoutMs: Infinity }).result).toBe('illegal');
  });

  it('counts steps across partitions, and says how many it finished', () => {
    // Two small keys, checked first, then a hard one: 12 concurrent puts and an impossible get.
    const put = (key: string, value: string, call: number, ret: number): HistoryOperation<KvInput, KvOutput> => ({ clientId: value, input: { op: 'put', key, value }, call, return: ret });
    const history = [
      ...Array.from({ length: 12 }, (_, i) => put('hard', `v${i}`, 0, 100)),
      { clientId: 'r', input: { op: 'get', key: 'hard' } as KvInput, output: 'never', call: 200, return: 201 },
      put('a', 'x', 0, 1),
      put('b', 'y', 0, 1),
    ];
    let reads = 0;
    const clock = { now: () => (reads++ === 0 ? 0 : 10_000) };
    expect(checkLinearizability(kvModel(), history, { timeoutMs: 5000, clock })).toMatchObject({ result: 'unknown', partitionsChecked: 2, partitionCount: 3 });
  });

  it('answers unknown once one partition remembers maxConfigurations pairs, and bounds nothing by default', () => {
    expect(checkLinearizability(registerModel(0), hardHistory(), { maxConfigurations: 100 })).toEqual({
      result: 'unknown',
      reason: 'configuration-limit',
      maxConfigurations: 100,
      partitionsChecked: 0,
      partitionCount: 1,
    });
    expect(checkLinearizability(registerModel(0), hardHistory(), { maxConfigurations: Infinity }).result).toBe('illegal');
    expect(checkLinearizability(registerModel(0), hardHistory()).result).toBe('illegal');
    expect(DEFAULT_MAX_CONFIGURATIONS).toBe(4_000_000);
  });

  it.each([0, 1.5, -1, NaN, '10' as unknown as number])('rejects maxConfigurations %p', (maxConfigurations) => {
    expect(() => checkLinearizability(registerModel(0), [], { maxConfigurations })).toThrow(
      new RangeError(`checkLinearizability: maxConfigurations must be a positive integer or Infinity, got ${String(maxConfigurations)}`),
    );
  });

  it.each([0, -1, NaN, '100' as unknown as number])('rejects timeoutMs %p', (timeoutMs) => {
    expect(() => checkLinearizability(registerModel(0), [], { timeoutMs })).toThrow(
      new RangeError(`checkLinearizability: timeoutMs must be a positive number of milliseconds or Infinity, got ${String(timeoutMs)}`),
    );
  });

  it('rejects a clock without now()', () => {
    expect(() => checkLinearizability(registerModel(0), [], { clock: {} as never, timeoutMs: 10 })).toThrow(
      new TypeError('checkLinearizability: clock must have a now() method'),
    );
  });
});

describe('TimeLimit', () => {
  it('expires once the clock reaches the deadline, and re-arms its countdown', () => {
    let now = 100;
    const limit = new TimeLimit({ now: () => now }, 50);
    limit.countdown = 0;
    expect(limit.expired()).toBe(false);
    expect(limit.countdown).toBe(STEPS_PER_CLOCK_READ);
    now = 149;
    expect(limit.expired()).toBe(false);
    now = 150;
    expect(limit.expired()).toBe(true);
  });
});
