import fc from 'fast-check';
import type { SagaRecord } from './saga-record.js';
import { isSagaLogCorruptionError } from './errors/saga-log-corruption-error.js';
import { applySagaRecord, nextSagaAction, type SagaShape, type SagaState } from './saga-state.js';

const started = (steps = 3): SagaRecord => ({ type: 'saga-started', sagaId: 's', saga: 'x', steps: Array.from({ length: steps }, (_, i) => `s${i}`), input: null, at: 0 });
const rec = (type: string, step?: number, extra: Record<string, unknown> = {}): SagaRecord =>
  ({ type, sagaId: 's', ...(step === undefined ? {} : { step }), at: 1, attempts: 1, ...extra }) as unknown as SagaRecord;
const failed = (step: number): SagaRecord => rec('step-failed', step, { error: { name: 'E', message: 'm' } });

function fold(records: readonly SagaRecord[]): SagaState {
  let state: SagaState | undefined;
  records.forEach((r, i) => (state = applySagaRecord(state, r, i)));
  return state as SagaState;
}

const all: SagaShape = { compensable: [true, true, true] };

describe('applySagaRecord and nextSagaAction', () => {
  it('walks a saga forward to completed', () => {
    const log: SagaRecord[] = [started()];
    const actions: string[] = [];
    for (;;) {
      const action = nextSagaAction(fold(log), all);
      actions.push(action.kind === 'end' ? `end ${action.status}` : action.kind === 'none' ? 'none' : `${action.kind} ${action.step}`);
      if (action.kind === 'none') break;
      if (action.kind === 'start-step') log.push(rec('step-started', action.step));
      else if (action.kind === 'run-step') log.push(rec('step-succeeded', action.step, { result: action.step }));
      else if (action.kind === 'end') log.push(rec('saga-ended', undefined, { status: action.status }));
    }
    expect(actions).toEqual(['start-step 0', 'run-step 0', 'start-step 1', 'run-step 1', 'start-step 2', 'run-step 2', 'end completed', 'none']);
    const state = fold(log);
    expect(state).toMatchObject({ phase: 'ended', status: 'completed' });
    expect(state.steps.map((s) => s.result)).toEqual([0, 1, 2]);
  });

  it('compensates the started steps in reverse order, skipping those without a compensation and those never started', () => {
    const log = [started(4), rec('step-started', 0), rec('step-succeeded', 0), rec('step-started', 1), rec('step-succeeded', 1), rec('step-started', 2), failed(2)];
    const shape: SagaShape = { compensable: [true, false, true, true] };
    expect(fold(log)).toMatchObject({ phase: 'compensating', status: 'compensating', failedStep: 2 });
    expect(nextSagaAction(fold(log), shape)).toEqual({ kind: 'start-compensation', step: 2 }); // the failed step may have taken effect
    log.push(rec('compensation-started', 2));
    expect(nextSagaAction(fold(log), shape)).toEqual({ kind: 'run-compensation', step: 2 });
    log.push(rec('compensation-done', 2));
    expect(nextSagaAction(fold(log), shape)).toEqual({ kind: 'start-compensation', step: 0 }); // step 1 has none, step 3 never started
    log.push(rec('compensation-started', 0), rec('compensation-done', 0));
    expect(nextSagaAction(fold(log), shape)).toEqual({ kind: 'end', status: 'compensated' });
    log.push(rec('saga-ended', undefined, { status: 'compensated' }));
    expect(nextSagaAction(fold(log), shape)).toEqual({ kind: 'none' });
  });

  it.each<[string, SagaRecord[]]>([
    ['a record before saga-started', [rec('step-started', 0)]],
    ['saga-started twice', [started(), started()]],
    ['a step out of range', [started(), rec('step-started', 3)]],
    ['a step skipped', [started(), rec('step-started', 1)]],
    ['a step started twice', [started(), rec('step-started', 0), rec('step-started', 0)]],
    ['an outcome without a start', [started(), rec('step-succeeded', 0)]],
    ['a second outcome', [started(), rec('step-started', 0), rec('step-succeeded', 0), rec('step-succeeded', 0)]],
    ['a step after a failure', [started(), rec('step-started', 0), failed(0), rec('step-started', 1)]],
    ['a compensation going forward', [started(), rec('step-started', 0), rec('compensation-started', 0)]],
    ['a compensation of a step never started', [started(), rec('step-started', 0), failed(0), rec('compensation-started', 1)]],
    ['a compensation twice', [started(), rec('step-started', 0), failed(0), rec('compensation-started', 0), rec('compensation-done', 0), rec('compensation-started', 0)]],
    [
      'two compensations at once',
      [started(), rec('step-started', 0), rec('step-succeeded', 0), rec('step-started', 1), failed(1), rec('compensation-started', 1), rec('compensation-started', 0)],
    ],
    [
      'compensations in forward order',
      [started(), rec('step-started', 0), rec('step-succeeded', 0), rec('step-started', 1), failed(1), rec('compensation-started', 0), rec('compensation-done', 0), rec('compensation-started', 1)],
    ],
    ['compensation-done without a start', [started(), rec('step-started', 0), failed(0), rec('compensation-done', 0)]],
    ['completed too early', [started(), rec('step-started', 0), rec('step-succeeded', 0), rec('saga-ended', undefined, { status: 'completed' })]],
    ['compensated without a failure', [started(), rec('saga-ended', undefined, { status: 'compensated' })]],
    ['compensated mid-compensation', [started(), rec('step-started', 0), failed(0), rec('compensation-started', 0), rec('saga-ended', undefined, { status: 'compensated' })]],
    ['a cancellation while compensating', [started(), rec('step-started', 0), failed(0), rec('saga-cancelled', undefined, { reason: 'r' })]],
    ['a step outcome after a cancellation', [started(), rec('step-started', 0), rec('saga-cancelled', undefined, { reason: 'r' }), rec('step-succeeded', 0)]],
    ['a record after the end', [started(1), rec('step-started', 0), rec('step-succeeded', 0), rec('saga-ended', undefined, { status: 'completed' }), rec('step-started', 0)]],
  ])('refuses %s', (_what, records) => {
    let error: unknown;
    try {
      fold(records);
    } catch (e) {
      error = e;
    }
    expect(isSagaLogCorruptionError(error)).toBe(true);
    expect(error).toMatchObject({ index: records.length - 1 }); // the offending record
  });

  it('begins a new run for a saga-started after its id\'s saga-ended (twice while running is corrupt)', () => {
    const first = fold([started(1), rec('step-started', 0), rec('step-succeeded', 0), rec('saga-ended', undefined, { status: 'completed' })]);
    const second = applySagaRecord(first, { ...started(2), at: 5 }, 4);
    expect(second).not.toBe(first);
    expect(second).toMatchObject({ id: 's', phase: 'forward', status: 'running', startedAt: 5, stepNames: ['s0', 's1'] });
    expect(second.steps.map((step) => step.phase)).toEqual(['pending', 'pending']);
    expect(first).toMatchObject({ phase: 'ended', status: 'completed' });
  });

  it('turns around on a cancellation, compensating the running step', () => {
    const log = [started(), rec('step-started', 0), rec('step-succeeded', 0), rec('step-started', 1), rec('saga-cancelled', undefined, { reason: 'r' })];
    expect(fold(log)).toMatchObject({ phase: 'compensating', status: 'compensating', cancelled: 'r' });
    expect(fold(log).failedStep).toBeUndefined();
    expect(nextSagaAction(fold(log), all)).toEqual({ kind: 'start-compensation', step: 1 });
  });

  /**
   * The pure model of a crash: run the machine with random outcomes, cut its log at any point,
   * continue from the cut with other random outcomes. Whatever the cuts, the log is accepted and
   * the saga ends completed, or compensated with exactly the started compensable steps
   * compensated, in reverse order, and nothing for steps that never started.
   */
  it('ends completed or fully compensated from any prefix, whatever the outcomes (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
        fc.array(fc.tuple(fc.boolean(), fc.nat()), { minLength: 1, maxLength: 4 }),
        (n, compensable, crashes) => {
          const shape: SagaShape = { compensable: compensable.slice(0, n) };
          let log: SagaRecord[] = [started(n)];
          let choices = 0;
          for (const [failStep, cutAt] of [...crashes, [false, Infinity] as const]) {
            // run to the end with this "process"'s outcomes, then cut the log as a crash would
            for (;;) {
              const action = nextSagaAction(fold(log), shape);
              if (action.kind === 'none') break;
              if (action.kind === 'start-step') log.push(rec('step-started', action.step));
              else if (action.kind === 'run-step') log.push(failStep && (choices++ + action.step) % 3 === 0 ? failed(action.step) : rec('step-succeeded', action.step));
              else if (action.kind === 'start-compensation') log.push(rec('compensation-started', action.step));
              else if (action.kind === 'run-compensation') log.push(rec('compensation-done', action.step));
              else log.push(rec('saga-ended', undefined, { status: action.status }));
            }
            if (cutAt !== Infinity) log = log.slice(0, 1 + (cutAt % log.length));
          }
          const state = fold(log);
          expect(state.phase).toBe('ended');
          if (state.status === 'completed') {
            expect(state.steps.every((s) => s.phase === 'succeeded' && s.compensation === 'none')).toBe(true);
          } else {
            state.steps.forEach((s, i) => {
              expect(s.compensation).toBe(s.phase !== 'pending' && shape.compensable[i] === true ? 'done' : 'none');
            });
            const order = log.filter((r) => r.type === 'compensation-started').map((r) => (r as { step: number }).step);
            expect(order).toEqual([...order].sort((a, b) => b - a));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
