import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRetryExhaustedError } from '../../errors/retry-exhausted-error.js';
import { ManualClock, flushPromises } from '../../testing/manual-clock.js';
import { seededRandom } from '../../testing/seeded-random.js';
import { defineSaga, type SagaStep } from './define-saga.js';
import { isInvalidStepResultError } from './errors/invalid-step-result-error.js';
import { isSagaDefinitionMismatchError } from './errors/saga-definition-mismatch-error.js';
import { isSagaIdConflictError } from './errors/saga-id-conflict-error.js';
import { isSagaLogCorruptionError } from './errors/saga-log-corruption-error.js';
import { isSagaOrchestratorStoppedError } from './errors/saga-orchestrator-stopped-error.js';
import { MemorySagaLog } from './saga-log.js';
import { SagaOrchestrator } from './saga-orchestrator.js';
import type { SagaOrchestratorOptions } from './saga-orchestrator-options.js';
import { decodeSagaRecord, encodeSagaRecord } from './saga-record.js';
import { settle } from './test-participants.js';

type Input = { sku: string };

function setup(options: Partial<SagaOrchestratorOptions> = {}) {
  const clock = new ManualClock(1_000);
  const log = new MemorySagaLog();
  const calls: string[] = [];
  const orchestrator = new SagaOrchestrator({ log, clock, random: seededRandom(1), ...options });
  return { clock, log, calls, orchestrator };
}

/** A step that records its calls in `calls` and answers `result` (or fails as `fail` says). */
function step(calls: string[], name: string, behaviour: { fail?: (attempt: number) => boolean; compensate?: boolean; result?: unknown } = {}): SagaStep<Input> {
  return {
    name,
    action: (c) => {
      calls.push(`${name}(${c.idempotencyKey}#${c.attempt})`);
      if (behaviour.fail?.(c.attempt) === true) throw new Error(`${name} failed`);
      return behaviour.result ?? `${name}:${c.input.sku}`;
    },
    ...(behaviour.compensate === false
      ? {}
      : {
          compensate: (c) => {
            calls.push(`undo ${name}(${c.idempotencyKey}, ${c.succeeded ? String(c.result) : 'failed'})`);
          },
        }),
    retry: { maxAttempts: 2 },
  };
}

const types = (log: MemorySagaLog): string[] =>
  log.records.map((r) => {
    const record = decodeSagaRecord(r);
    return 'step' in record ? `${record.type} ${record.step}` : record.type;
  });

describe('SagaOrchestrator', () => {
  it('runs every step in order, forcing each transition, and completes', async () => {
    const { clock, log, calls, orchestrator } = setup();
    const saga = defineSaga<Input>({ name: 'orders', steps: [step(calls, 'reserve'), step(calls, 'charge'), step(calls, 'ship')] });
    const seen: unknown[] = [];
    const outcome = await settle(clock, orchestrator.start(saga, { sku: 'book' }, { id: 'o1' }));
    expect(outcome).toEqual({ id: 'o1', saga: 'orders', status: 'completed', results: { reserve: 'reserve:book', charge: 'charge:book', ship: 'ship:book' } });
    expect(calls).toEqual(['reserve(o1:0#1)', 'charge(o1:1#1)', 'ship(o1:2#1)']);
    expect(types(log)).toEqual([
      'saga-started',
      'step-started 0',
      'step-succeeded 0',
      'step-started 1',
      'step-succeeded 1',
      'step-started 2',
      'step-succeeded 2',
      'saga-ended',
    ]);
    expect(log.syncCount).toBe(8); // each record forced on its own
    seen.push(orchestrator.metrics());
    expect(seen[0]).toEqual({ started: 1, completed: 1, compensated: 0, active: 0, records: 8, compactions: 0 });
  });

  it('gives each step the input, the earlier results and a frozen context', async () => {
    const { clock, orchestrator } = setup();
    const contexts: unknown[] = [];
    const saga = defineSaga<Input>({
      name: 'ctx',
      steps: [
        { name: 'a', action: () => ({ id: 7 }) },
        {
          name: 'b',
          action: (c) => {
            contexts.push({ ...c, signal: undefined, frozen: Object.isFrozen(c) });
            return undefined;
          },
        },
      ],
    });
    const outcome = await settle(clock, orchestrator.start(saga, { sku: 'pen' }, { id: 'c1' }));
    expect(contexts).toEqual([
      { sagaId: 'c1', stepIndex: 1, stepName: 'b', idempotencyKey: 'c1:1', input: { sku: 'pen' }, results: { a: { id: 7 } }, attempt: 1, signal: undefined, frozen: true },
    ]);
    expect(outcome.results).toEqual({ a: { id: 7 }, b: undefined });
  });

  it('retries a failing step through the retry policy on the injected clock', async () => {
    const { clock, calls, orchestrator } = setup();
    const saga = defineSaga<Input>({ name: 'r', steps: [{ ...step(calls, 'a', { fail: (n) => n === 1 }), retry: { maxAttempts: 3 } }] });
    const pending = orchestrator.start(saga, { sku: 'x' }, { id: 'r1' });
    await flushPromises();
    expect(calls).toEqual(['a(r1:0#1)']);
    expect(orchestrator.get('r1')?.steps[0]).toMatchObject({ status: 'running', attempts: 1, lastError: { name: 'Error', message: 'a failed' } });
    expect(clock.pendingTimers).toBe(1); // the backoff wait, nothing else
    const outcome = await settle(clock, pending);
    expect(outcome.status).toBe('completed');
    expect(calls).toEqual(['a(r1:0#1)', 'a(r1:0#2)']);
    expect(orchestrator.get('r1')?.steps[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(orchestrator.get('r1')?.steps[0]?.lastError).toBeUndefined();
    expect(orchestrator.get('r1')?.events.map((e) => e.type)).toEqual(['saga-started', 'step-started', 'attempt-failed', 'step-succeeded', 'saga-ended']);
  });

  it('compensates the started steps in reverse order when a step fails for good, the failed one included', async () => {
    const { clock, log, calls, orchestrator } = setup();
    const saga = defineSaga<Input>({
      name: 'orders',
      steps: [step(calls, 'reserve'), step(calls, 'note', { compensate: false }), step(calls, 'charge', { fail: () => true }), step(calls, 'ship')],
    });
    const outcome = await settle(clock, orchestrator.start(saga, { sku: 'book' }, { id: 'o2' }));
    expect(outcome).toMatchObject({ id: 'o2', status: 'compensated', failedStep: 'charge', results: { reserve: 'reserve:book', note: 'note:book' } });
    expect(outcome.error?.code).toBe('ERETRYEXHAUSTED');
    expect(outcome.error?.message).toMatch(/Gave up after 2 attempts.*charge failed/);
    expect(calls).toEqual(['reserve(o2:0#1)', 'note(o2:1#1)', 'charge(o2:2#1)', 'charge(o2:2#2)', 'undo charge(o2:2, failed)', 'undo reserve(o2:0, reserve:book)']);
    expect(types(log).slice(6)).toEqual(['step-failed 2', 'compensation-started 2', 'compensation-done 2', 'compensation-started 0', 'compensation-done 0', 'saga-ended']);
    const history = orchestrator.get('o2');
    expect(history?.status).toBe('compensated');
    expect(history?.steps.map((s) => [s.name, s.status, s.compensation?.status])).toEqual([
      ['reserve', 'succeeded', 'done'],
      ['note', 'succeeded', undefined],
      ['charge', 'failed', 'done'],
      ['ship', 'pending', 'none'],
    ]);
    expect(orchestrator.metrics()).toMatchObject({ compensated: 1, completed: 0 });
  });

  it('fails at once on an error shouldRetry declines', async () => {
    const { clock, calls, orchestrator } = setup();
    const saga = defineSaga<Input>({ name: 'nr', steps: [{ ...step(calls, 'a', { fail: () => true }), retry: { maxAttempts: 5, shouldRetry: () => false } }] });
    const outcome = await settle(clock, orchestrator.start(saga, { sku: 'x' }, { id: 'n1' }));
    expect(outcome.error).toEqual({ name: 'Error', message: 'a failed' });
    expect(calls).toEqual(['a(n1:0#1)', 'undo a(n1:0, failed)']);
  });

  it('times an attempt out with the timeout policy, aborting its signal, then retries it', async () => {
    const { clock, orchestrator } = setup();
    const signals: AbortSignal[] = [];
    const saga = defineSaga<Input>({
      name: 't',
      steps: [
        {
          name: 'slow',
          timeoutMs: 500,
          retry: { maxAttempts: 2 },
          action: (c) => {
            signals.push(c.signal);
            return c.attempt === 1 ? new Promise(() => undefined) : 'fast';
          },
        },
      ],
    });
    const pending = orchestrator.start(saga, { sku: 'x' }, { id: 't1' });
    await flushPromises();
    expect(signals[0]?.aborted).toBe(false);
    clock.advance(499);
    await flushPromises();
    expect(signals).toHaveLength(1);
    clock.advance(1);
    await flushPromises();
    expect(signals[0]?.aborted).toBe(true);
    const outcome = await settle(clock, pending);
    expect(outcome.results).toEqual({ slow: 'fast' });
    expect(orchestrator.get('t1')?.events.find((e) => e.type === 'attempt-failed')?.error).toMatchObject({ name: 'TimeoutError', code: 'ETIMEDOUT' });
  });

  it('after the pivot succeeds, retries later steps forever and never compensates', async () => {
    const { clock, calls, orchestrator } = setup({ roundBackoff: { delay: () => 10_000 } });
    let shipUp = false;
    const saga = defineSaga<Input>({
      name: 'p',
      steps: [step(calls, 'reserve'), { ...step(calls, 'charge', { compensate: false }), pivot: true }, step(calls, 'ship', { compensate: false, fail: () => !shipUp })],
    });
    const pending = orchestrator.start(saga, { sku: 'x' }, { id: 'p1' });
    for (let i = 0; i < 5; i++) {
      await flushPromises();
      clock.advance((clock.nextDueAt() ?? clock.now()) - clock.now());
    }
    await flushPromises();
    expect(orchestrator.get('p1')?.status).toBe('running');
    expect(orchestrator.get('p1')?.steps[2]).toMatchObject({ status: 'running', lastError: { message: 'ship failed' } });
    const attempts = orchestrator.get('p1')?.steps[2]?.attempts ?? 0;
    expect(attempts).toBeGreaterThan(2); // past one round of maxAttempts 2
    const shipCalls = calls.filter((c) => c.startsWith('ship('));
    expect(shipCalls.slice(0, 3)).toEqual(['ship(p1:2#1)', 'ship(p1:2#2)', 'ship(p1:2#3)']); // attempts count across rounds
    shipUp = true;
    const outcome = await settle(clock, pending);
    expect(outcome.status).toBe('completed');
    expect(calls.filter((c) => c.startsWith('undo'))).toEqual([]);
  });

  it('compensates the pivot itself and the steps before it when the pivot fails', async () => {
    const { clock, calls, orchestrator } = setup();
    const saga = defineSaga<Input>({
      name: 'pf',
      steps: [step(calls, 'reserve'), { ...step(calls, 'charge', { fail: () => true }), pivot: true }, step(calls, 'ship', { compensate: false })],
    });
    const outcome = await settle(clock, orchestrator.start(saga, { sku: 'x' }, { id: 'pf1' }));
    expect(outcome).toMatchObject({ status: 'compensated', failedStep: 'charge' });
    expect(calls.filter((c) => c.startsWith('undo'))).toEqual(['undo charge(pf1:1, failed)', 'undo reserve(pf1:0, reserve:x)']);
    expect(orchestrator.get('pf1')?.steps[1]?.pivot).toBe(true);
  });

  it('retries a compensation until it succeeds, in rounds with backoff between them', async () => {
    const { clock, orchestrator } = setup({ roundBackoff: { delay: (round) => round * 1_000 } });
    let undoCalls = 0;
    const seen: unknown[] = [];
    const saga = defineSaga<Input>({
      name: 'cr',
      steps: [
        {
          name: 'a',
          action: () => 'done',
          compensate: (c) => {
            seen.push([c.attempt, c.succeeded, c.result, c.idempotencyKey, Object.isFrozen(c)]);
            if (++undoCalls < 5) throw new Error('undo down');
          },
          retry: { maxAttempts: 2, backoff: { delay: () => 1 } },
        },
        { name: 'b', action: () => Promise.reject(new Error('no')), retry: { maxAttempts: 1 } },
      ],
    });
    const pending = orchestrator.start(saga, { sku: 'x' }, { id: 'cr1' });
    await flushPromises();
    await flushPromises();
    expect(orchestrator.get('cr1')?.status).toBe('compensating');
    const outcome = await settle(clock, pending);
    expect(outcome.status).toBe('compensated');
    expect(undoCalls).toBe(5);
    expect(seen).toEqual([1, 2, 3, 4, 5].map((n) => [n, true, 'done', 'cr1:0', true]));
    const history = orchestrator.get('cr1');
    expect(history?.steps[0]?.compensation).toMatchObject({ status: 'done', attempts: 5 });
    expect(history?.events.filter((e) => e.type === 'compensation-attempt-failed')).toHaveLength(4);
  });

  it('fails a step whose result the log cannot hold, without retrying it', async () => {
    const { clock, calls, orchestrator } = setup({ maxRecordBytes: 1_024 });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const results: unknown[] = [() => 1, cyclic, 'x'.repeat(2_000), 10n];
    for (const [i, result] of results.entries()) {
      const saga = defineSaga<Input>({ name: `bad${i}`, steps: [step(calls, 'a', { result })] });
      const outcome = await settle(clock, orchestrator.start(saga, { sku: 'x' }, { id: `b${i}` }));
      expect(outcome.status).toBe('compensated');
      expect(outcome.error).toMatchObject({ name: 'InvalidStepResultError', code: 'EINVALIDSTEPRESULT' });
    }
    expect(calls.filter((c) => !c.startsWith('undo'))).toHaveLength(4);
    expect(isInvalidStepResultError(new (await import('./errors/invalid-step-result-error.js')).InvalidStepResultError('a', 'r'))).toBe(true);
  });

  it('treats a saga id as an idempotency key', async () => {
    const { clock, calls, orchestrator } = setup();
    const saga = defineSaga<Input>({ name: 'orders', steps: [step(calls, 'a')] });
    const other = defineSaga<Input>({ name: 'refunds', steps: [step(calls, 'a')] });
    const first = orchestrator.start(saga, { sku: 'x' }, { id: 'same' });
    const second = orchestrator.start(saga, { sku: 'other input' }, { id: 'same' });
    const [a, b] = await settle(clock, Promise.all([first, second]));
    expect(a).toEqual(b);
    expect(await orchestrator.start(saga, { sku: 'again' }, { id: 'same' })).toEqual(a);
    expect(calls).toEqual(['a(same:0#1)']);
    const conflict = await orchestrator.start(other, { sku: 'x' }, { id: 'same' }).catch((e: unknown) => e);
    expect(isSagaIdConflictError(conflict)).toBe(true);
    expect(conflict).toMatchObject({ sagaId: 'same', existing: 'orders', requested: 'refunds' });
  });

  it('generates ids from the injected random source', async () => {
    const a = setup();
    const b = setup();
    const saga = defineSaga<Input>({ name: 'g', steps: [{ name: 's', action: () => 1 }] });
    const x = await settle(a.clock, a.orchestrator.start(saga, { sku: 'x' }));
    const y = await settle(b.clock, b.orchestrator.start(saga, { sku: 'x' }));
    expect(x.id).toMatch(/^saga-[0-9a-f]{16}$/);
    expect(x.id).toBe(y.id);
  });

  it('resumes after a restart from the records the log held', async () => {
    const { clock, log, calls } = setup();
    let hang = true;
    const saga = defineSaga<Input>({
      name: 'orders',
      steps: [step(calls, 'reserve'), { ...step(calls, 'charge'), action: (c) => (calls.push(`charge(${c.idempotencyKey})`), hang ? new Promise(() => undefined) : 'paid') }],
    });
    const first = new SagaOrchestrator({ log, clock, random: seededRandom(1) });
    const pending = first.start(saga, { sku: 'x' }, { id: 'o9' });
    await flushPromises();
    await flushPromises();
    expect(calls).toEqual(['reserve(o9:0#1)', 'charge(o9:1)']);
    first.close(); // the process dies while charge runs
    expect(isSagaOrchestratorStoppedError(await pending.catch((e: unknown) => e))).toBe(true);
    expect(first.stopped).toBe(true);
    expect(isSagaOrchestratorStoppedError(await first.start(saga, { sku: 'y' }).catch((e: unknown) => e))).toBe(true);

    hang = false;
    const second = new SagaOrchestrator({ log, records: log.records, sagas: [saga], clock, random: seededRandom(2) });
    expect(second.get('o9')?.status).toBe('running'); // replayed, not yet continued
    expect(second.resume()).toEqual(['o9']);
    expect(second.resume()).toEqual([]); // already running
    const outcome = await settle(clock, second.wait('o9'));
    expect(outcome).toMatchObject({ status: 'completed', results: { reserve: 'reserve:x', charge: 'paid' } });
    expect(calls).toEqual(['reserve(o9:0#1)', 'charge(o9:1)', 'charge(o9:1)']); // charge again, same key; reserve not again
    await expect(second.wait('o9')).resolves.toEqual(outcome);
    await expect(second.wait('nope')).rejects.toThrow(RangeError);
  });

  it('continues a replayed saga when start() is called again with its id', async () => {
    const { clock, log, calls } = setup();
    const saga = defineSaga<Input>({ name: 'orders', steps: [step(calls, 'a'), step(calls, 'b')] });
    const first = new SagaOrchestrator({ log, clock });
    void first.start(saga, { sku: 'x' }, { id: 'k' }).catch(() => undefined);
    first.close();
    const second = new SagaOrchestrator({ log, records: log.records, clock });
    const outcome = await settle(clock, second.start(saga, { sku: 'ignored' }, { id: 'k' }));
    expect(outcome).toMatchObject({ status: 'completed', results: { a: 'a:x', b: 'b:x' } });
  });

  it('refuses to resume a saga whose definition is missing or has other steps', () => {
    const { log } = setup();
    log.append(encodeSagaRecord({ type: 'saga-started', sagaId: 'm', saga: 'orders', steps: ['a', 'b'], input: null, at: 0 }));
    log.sync();
    const missing = new SagaOrchestrator({ log, records: log.records });
    let error: unknown;
    try {
      missing.resume();
    } catch (e) {
      error = e;
    }
    expect(isSagaDefinitionMismatchError(error)).toBe(true);
    expect((error as Error).message).toMatch(/no saga of that name is registered/);
    const changed = defineSaga({ name: 'orders', steps: [{ name: 'a', action: () => 1 }] });
    expect(() => new SagaOrchestrator({ log, records: log.records, sagas: [changed] })).toThrow(/the log has steps \[a, b\], the definition \[a\]/);
  });

  it('refuses a log whose records break a saga’s order, naming the record', () => {
    const log = new MemorySagaLog();
    const records = [
      encodeSagaRecord({ type: 'saga-started', sagaId: 'm', saga: 'orders', steps: ['a'], input: null, at: 0 }),
      encodeSagaRecord({ type: 'step-succeeded', sagaId: 'm', step: 0, attempts: 1, at: 0 }),
    ];
    let error: unknown;
    try {
      new SagaOrchestrator({ log, records });
    } catch (e) {
      error = e;
    }
    expect(isSagaLogCorruptionError(error)).toBe(true);
    expect(error).toMatchObject({ index: 1 });
    expect(() => new SagaOrchestrator({ log, records: [new TextEncoder().encode('nope')] })).toThrow(/record 0 is corrupt: not UTF-8 JSON/);
  });

  it('stops when the log fails, rejecting what waits, and keeps what was forced', async () => {
    const { clock, calls } = setup();
    const log = new MemorySagaLog();
    let failAfter = 3;
    const flaky = {
      append: (r: Uint8Array) => log.append(r),
      sync: () => {
        if (--failAfter < 0) throw new Error('disk gone');
        log.sync();
      },
    };
    const orchestrator = new SagaOrchestrator({ log: flaky, clock });
    const saga = defineSaga<Input>({ name: 'orders', steps: [step(calls, 'a'), step(calls, 'b')] });
    const error = await settle(clock, orchestrator.start(saga, { sku: 'x' }, { id: 'f' })).catch((e: unknown) => e);
    expect(isSagaOrchestratorStoppedError(error)).toBe(true);
    expect((error as Error).message).toMatch(/disk gone/);
    expect(types(log)).toEqual(['saga-started', 'step-started 0', 'step-succeeded 0']);
    expect(calls).toEqual(['a(f:0#1)']); // b never ran: its step-started was not durable
    expect(() => orchestrator.resume()).toThrow(/disk gone/);
  });

  it('keeps at most maxEndedSagas ended sagas, and list() shows the newest first', async () => {
    const { clock, orchestrator } = setup({ maxEndedSagas: 2 });
    const saga = defineSaga<Input>({ name: 'l', steps: [{ name: 's', action: (c) => (c.input.sku === 'bad' ? Promise.reject(new Error('x')) : 1), retry: { maxAttempts: 1 } }] });
    for (const [id, sku] of [['l1', 'a'], ['l2', 'bad'], ['l3', 'c']]) await settle(clock, orchestrator.start(saga, { sku: sku as string }, { id }));
    expect(orchestrator.get('l1')).toBeUndefined();
    expect(orchestrator.list().map((s) => [s.id, s.status])).toEqual([['l3', 'completed'], ['l2', 'compensated']]);
    expect(orchestrator.list({ status: 'compensated' })).toEqual([expect.objectContaining({ id: 'l2', failedStep: 's' })]);
    expect(orchestrator.list({ limit: 1 }).map((s) => s.id)).toEqual(['l3']);
    expect(() => orchestrator.list({ limit: -1 })).toThrow(RangeError);
    expect(() => orchestrator.list({ status: 'done' as never })).toThrow(/options\.status must be one of running, compensating, completed, compensated, got "done"/);
  });

  it('compacts the log down to the sagas it keeps, on its own after compactAfterRecords', async () => {
    const { clock, log, orchestrator } = setup({ maxEndedSagas: 1, compactAfterRecords: 8 });
    const saga = defineSaga<Input>({ name: 'c', steps: [{ name: 's', action: () => 1 }] });
    await settle(clock, orchestrator.start(saga, { sku: 'x' }, { id: 'c1' })); // 4 records
    expect(log.records).toHaveLength(4);
    await settle(clock, orchestrator.start(saga, { sku: 'x' }, { id: 'c2' })); // 8: compaction keeps c2 only
    expect(log.records).toHaveLength(4);
    expect(orchestrator.metrics().compactions).toBe(1);
    const replayed = new SagaOrchestrator({ log, records: log.records });
    expect(replayed.list().map((s) => s.id)).toEqual(['c2']);
    orchestrator.compact();
    expect(orchestrator.metrics().compactions).toBe(2);
    const noCompact = new SagaOrchestrator({ log: { append: () => undefined, sync: () => undefined } });
    expect(() => noCompact.compact()).toThrow(/has no compact/);
  });

  it('refuses to reuse a forgotten saga\'s id until a compaction removed its records, so the log never holds two runs of one id', async () => {
    const { clock, log, calls, orchestrator } = setup({ maxEndedSagas: 1 });
    const saga = defineSaga<Input>({ name: 'r', steps: [step(calls, 'a')] });
    await settle(clock, orchestrator.start(saga, { sku: 'x' }, { id: 'A' }));
    await settle(clock, orchestrator.start(saga, { sku: 'x' }, { id: 'B' })); // A is forgotten: past maxEndedSagas
    expect(orchestrator.get('A')).toBeUndefined();
    const error = await settle(clock, orchestrator.start(saga, { sku: 'x' }, { id: 'A' })).catch((e: unknown) => e);
    expect(isSagaIdConflictError(error)).toBe(true);
    expect(error).toMatchObject({ sagaId: 'A', existing: 'r', requested: 'r', forgotten: true });
    expect(calls).toEqual(['a(A:0#1)', 'a(B:0#1)']); // A ran once, with its idempotency key
    expect(types(log).filter((t) => t === 'saga-started')).toHaveLength(2);
    // The log still holds A's records: a reopen with a larger window keeps A and opens cleanly.
    const wider = new SagaOrchestrator({ log, records: log.records, maxEndedSagas: 10 });
    expect(wider.list().map((s) => [s.id, s.status])).toEqual([['B', 'completed'], ['A', 'completed']]);
    // A reopen with the same window forgets A again, and refuses it too.
    const same = new SagaOrchestrator({ log, records: log.records, maxEndedSagas: 1, clock, random: seededRandom(2) });
    await expect(same.start(saga, { sku: 'x' }, { id: 'A' })).rejects.toMatchObject({ code: 'ESAGAIDCONFLICT', forgotten: true });
    // Once a compaction removed A's records, the id may name a new saga (a new run, the same step keys).
    orchestrator.compact();
    expect(await settle(clock, orchestrator.start(saga, { sku: 'y' }, { id: 'A' }))).toMatchObject({ id: 'A', status: 'completed', results: { a: 'a:y' } });
    expect(calls).toEqual(['a(A:0#1)', 'a(B:0#1)', 'a(A:0#1)']);
    expect(new SagaOrchestrator({ log, records: log.records, maxEndedSagas: 10 }).list().map((s) => s.id)).toEqual(['A', 'B']); // B's records stay until the next compaction
  });

  it('replays a saga-started after the same id\'s saga-ended as a new run of that id (a log written before forgotten ids were kept)', () => {
    const at = 1;
    const run = (sagaId: string, sku: string) => [
      { type: 'saga-started', sagaId, saga: 'r', steps: ['a'], input: { sku }, at },
      { type: 'step-started', sagaId, step: 0, at },
      { type: 'step-succeeded', sagaId, step: 0, result: sku, attempts: 1, at },
      { type: 'saga-ended', sagaId, status: 'completed', at },
    ] as const;
    const records = [...run('A', 'old'), ...run('B', 'b'), ...run('A', 'new')].map((r) => encodeSagaRecord(r));
    const log = new MemorySagaLog();
    const replayed = new SagaOrchestrator({ log, records, maxEndedSagas: 10 });
    expect(replayed.list().map((s) => s.id)).toEqual(['A', 'B']); // the new A is the newest
    expect(replayed.get('A')).toMatchObject({ input: { sku: 'new' }, status: 'completed' });
    expect(replayed.get('A')?.events.map((e) => e.type)).toEqual(['saga-started', 'step-started', 'step-succeeded', 'saga-ended']);
    replayed.compact();
    expect(log.records.map((r) => decodeSagaRecord(r)).filter((r) => r.type === 'saga-started').map((r) => 'input' in r && r.input)).toEqual([{ sku: 'b' }, { sku: 'new' }]);
    // With a window of one, the new A is kept and B forgotten.
    expect(new SagaOrchestrator({ log: new MemorySagaLog(), records, maxEndedSagas: 1 }).list().map((s) => s.id)).toEqual(['A']);
  });

  it('defaults clock and random to the system ones (timestamps from Date.now, a generated id)', async () => {
    const orchestrator = new SagaOrchestrator({ log: new MemorySagaLog() });
    const saga = defineSaga<Input>({ name: 'd', steps: [{ name: 's', action: () => 1 }] });
    const before = Date.now();
    const outcome = await orchestrator.start(saga, { sku: 'x' }); // one synchronous step: no timer needed
    const after = Date.now();
    expect(outcome.id).toMatch(/^saga-[0-9a-f]{16}$/);
    const startedAt = orchestrator.get(outcome.id)?.startedAt ?? Number.NaN;
    expect(startedAt >= before && startedAt <= after).toBe(true);
  });

  it('caps the failed-attempt events per saga', async () => {
    const { clock, orchestrator } = setup({ maxEventsPerSaga: 2 });
    const saga = defineSaga<Input>({ name: 'e', steps: [{ name: 's', action: () => Promise.reject(new Error('x')), retry: { maxAttempts: 5, backoff: { delay: () => 1 } } }] });
    await settle(clock, orchestrator.start(saga, { sku: 'x' }, { id: 'e1' }));
    const events = orchestrator.get('e1')?.events ?? [];
    expect(events.filter((e) => e.type === 'attempt-failed').map((e) => e.attempt)).toEqual([4, 5]);
    expect(events.filter((e) => e.type !== 'attempt-failed').map((e) => e.type)).toEqual(['saga-started', 'step-started', 'step-failed', 'saga-ended']);
  });

  it('rejects bad arguments, naming them', async () => {
    const { orchestrator } = setup({ maxRecordBytes: 300 });
    const saga = defineSaga<Input>({ name: 'v', steps: [{ name: 's', action: () => 1 }] });
    await expect(orchestrator.start({ name: 'v', steps: [], pivotIndex: undefined } as never, { sku: 'x' })).rejects.toThrow(/start: saga must be a defineSaga\(\) result/);
    await expect(orchestrator.start(saga, { sku: 'x' }, { id: 'a b' })).rejects.toThrow(/options\.id must be 1 to 100 of/);
    await expect(orchestrator.start(saga, { sku: 'x' }, { id: 5 as never })).rejects.toThrow(TypeError);
    await expect(orchestrator.start(saga, { sku: 'x' }, null as never)).rejects.toThrow(/options must be an object/);
    await expect(orchestrator.start(saga, { sku: 10n } as never)).rejects.toThrow(/input must be JSON-serializable/);
    await expect(orchestrator.start(saga, (() => 1) as never)).rejects.toThrow(/input must be JSON-serializable/);
    await expect(orchestrator.start(saga, { sku: 'x'.repeat(400) })).rejects.toThrow(/input must encode to at most 300 bytes/);
    expect(() => orchestrator.register(defineSaga({ name: 'v', steps: [{ name: 's', action: () => 1 }] }))).toThrow(/another saga named "v"/);
    expect(() => orchestrator.register({} as never)).toThrow(/^SagaOrchestrator\.register: saga must be a defineSaga\(\) result/);
    expect(() => orchestrator.register(saga)).not.toThrow(); // the same definition again
    const bad: Array<[Partial<SagaOrchestratorOptions>, RegExp]> = [
      [{ log: undefined }, /options\.log must be a RecordLog or a SagaLog/],
      [{ clock: {} as never }, /options\.clock must be a Clock/],
      [{ random: 1 as never }, /options\.random must be a function/],
      [{ maxEndedSagas: -1 }, /options\.maxEndedSagas must be an integer ≥ 0, got -1/],
      [{ compactAfterRecords: 0 }, /options\.compactAfterRecords/],
      [{ maxRecordBytes: 10 }, /options\.maxRecordBytes must be an integer ≥ 256/],
      [{ maxEventsPerSaga: '1' as never }, /options\.maxEventsPerSaga/],
      [{ roundBackoff: {} as never }, /options\.roundBackoff must be a Backoff/],
      [{ sagas: {} as never }, /options\.sagas must be an array/],
      [{ sagas: [{}] as never }, /options\.sagas\[0\] must be a defineSaga\(\) result/],
      [{ records: 'x' as never }, /options\.records must be an array/],
      [{ records: ['x'] as never }, /options\.records\[0\] must be a Uint8Array/],
    ];
    for (const [options, message] of bad) expect(() => new SagaOrchestrator({ log: new MemorySagaLog(), ...options } as SagaOrchestratorOptions)).toThrow(message);
    expect(() => new SagaOrchestrator(null as never)).toThrow(TypeError);
    expect(() => SagaOrchestrator.open(null as never)).toThrow(TypeError);
  });

  it('keeps a retry error as the step failure when retries run out', async () => {
    const { clock, orchestrator } = setup();
    const errors: unknown[] = [];
    const saga = defineSaga<Input>({ name: 'x', steps: [{ name: 's', action: () => Promise.reject(new Error('boom')), compensate: () => undefined }] });
    const outcome = await settle(clock, orchestrator.start(saga, { sku: 'x' }));
    errors.push(outcome.error);
    expect(errors[0]).toMatchObject({ name: 'RetryExhaustedError', code: 'ERETRYEXHAUSTED' });
    expect(isRetryExhaustedError(errors[0])).toBe(false); // it is a record of the error, not the error
  });

  it('open() keeps sagas in a RecordLog on disk, passing the log options through, and closes it on a bad log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saga-open-'));
    try {
      const clock = new ManualClock(0);
      const syncs: number[] = [];
      const saga = defineSaga<Input>({ name: 'disk', steps: [{ name: 'a', action: (c) => c.input.sku.repeat(50) }] });
      const first = SagaOrchestrator.open({ dir, clock, maxSegmentBytes: 256, onSync: (s) => syncs.push(s) });
      await settle(clock, first.start(saga, { sku: 'x' }, { id: 'd1' }));
      await settle(clock, first.start(saga, { sku: 'y' }, { id: 'd2' }));
      first.close();
      first.close(); // idempotent
      expect(syncs.length).toBe(8);
      expect(readdirSync(dir).filter((f) => f.endsWith('.rec')).length).toBeGreaterThan(1); // rolled at 256 bytes
      const other = defineSaga<Input>({ name: 'disk', steps: [{ name: 'b', action: () => 1 }] });
      // 'disk' sagas have ended, so another definition of that name is fine for them
      const second = SagaOrchestrator.open({ dir, clock, sagas: [other] });
      expect(second.get('d2')).toMatchObject({ status: 'completed', results: { a: 'y'.repeat(50) } });
      expect(second.list().map((x) => x.id)).toEqual(['d2', 'd1']);
      second.close();
      // an unfinished saga whose definition changed: open() refuses and leaves the log closed
      const pending = SagaOrchestrator.open({ dir, clock });
      void pending.start(defineSaga<Input>({ name: 'half', steps: [{ name: 'a', action: () => new Promise(() => undefined) }] }), { sku: 'x' }, { id: 'h' }).catch(() => undefined);
      pending.close();
      const changed = defineSaga<Input>({ name: 'half', steps: [{ name: 'z', action: () => 1 }] });
      expect(() => SagaOrchestrator.open({ dir, clock, sagas: [changed] })).toThrow(/cannot be resumed/);
      const third = SagaOrchestrator.open({ dir, clock });
      expect(third.get('h')?.status).toBe('running');
      third.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cancel() abandons the running step and compensates every started step, the running one included', async () => {
    const { clock, calls, orchestrator } = setup();
    const signals: AbortSignal[] = [];
    const saga = defineSaga<Input>({
      name: 'cx',
      steps: [
        step(calls, 'reserve'),
        { ...step(calls, 'charge'), action: (c) => (signals.push(c.signal), new Promise(() => undefined)) },
        step(calls, 'ship'),
      ],
    });
    const pending = orchestrator.start(saga, { sku: 'x' }, { id: 'cx1' });
    await flushPromises();
    expect(orchestrator.get('cx1')?.steps[1]?.status).toBe('running');
    expect(orchestrator.cancel('cx1', 'customer changed their mind')).toBe(true);
    expect(signals[0]?.aborted).toBe(true);
    expect(orchestrator.cancel('cx1')).toBe(false); // already compensating
    const outcome = await settle(clock, pending);
    expect(outcome).toMatchObject({ status: 'compensated', cancelled: 'customer changed their mind', results: { reserve: 'reserve:x' } });
    expect(outcome.failedStep).toBeUndefined();
    expect(calls.filter((c) => c.startsWith('undo'))).toEqual(['undo charge(cx1:1, failed)', 'undo reserve(cx1:0, reserve:x)']);
    const history = orchestrator.get('cx1');
    expect(history?.cancelled).toBe('customer changed their mind');
    expect(history?.events.find((e) => e.type === 'saga-cancelled')).toMatchObject({ reason: 'customer changed their mind' });
    expect(orchestrator.cancel('cx1')).toBe(false); // ended
    expect(() => orchestrator.cancel('nope')).toThrow(RangeError);
    expect(() => orchestrator.cancel('cx1', 5 as never)).toThrow(/reason must be a string/);
  });

  it('cancel() is refused once the pivot has succeeded', async () => {
    const { clock, calls, orchestrator } = setup();
    let release: (() => void) | undefined;
    const saga = defineSaga<Input>({
      name: 'cp',
      steps: [{ ...step(calls, 'charge', { compensate: false }), pivot: true }, { name: 'ship', action: () => new Promise<void>((r) => (release = r)) }],
    });
    const pending = orchestrator.start(saga, { sku: 'x' }, { id: 'cp1' });
    await flushPromises();
    await flushPromises();
    expect(orchestrator.cancel('cp1')).toBe(false);
    release?.();
    expect((await settle(clock, pending)).status).toBe('completed');
  });

  it('a saga deadline cancels it, holds across a restart, and arms no timer past the end', async () => {
    const { clock, log, calls } = setup();
    const saga = defineSaga<Input>({ name: 'dl', steps: [step(calls, 'a'), { ...step(calls, 'b'), action: () => new Promise(() => undefined) }] });
    const first = new SagaOrchestrator({ log, clock });
    void first.start(saga, { sku: 'x' }, { id: 'dl1', timeoutMs: 5_000 }).catch(() => undefined);
    await flushPromises();
    clock.advance(1_000);
    first.close(); // the process dies 1 s in
    expect(clock.pendingTimers).toBe(0);
    clock.advance(1_000);
    const second = new SagaOrchestrator({ log, records: log.records, sagas: [saga], clock });
    expect(second.get('dl1')?.deadline).toBe(6_000);
    second.resume();
    const pending = second.wait('dl1');
    clock.advance(2_999);
    await flushPromises();
    expect(second.get('dl1')?.status).toBe('running');
    const outcome = await settle(clock, pending);
    expect(clock.now()).toBe(6_000);
    expect(outcome).toMatchObject({ status: 'compensated', cancelled: 'deadline passed (5000 ms)' });
    expect(calls).toEqual(['a(dl1:0#1)', 'undo b(dl1:1, failed)', 'undo a(dl1:0, a:x)']);

    const quick = defineSaga<Input>({ name: 'quick', steps: [{ name: 'a', action: () => 1 }] });
    await settle(clock, second.start(quick, { sku: 'x' }, { id: 'q', timeoutMs: 60_000 }));
    expect(clock.pendingTimers).toBe(0);
    await expect(second.start(quick, { sku: 'x' }, { timeoutMs: 0 })).rejects.toThrow(/options\.timeoutMs must be a positive finite number, got 0/);
    await expect(second.start(quick, { sku: 'x' }, { timeoutMs: '1' as never })).rejects.toThrow(TypeError);
  });
});
