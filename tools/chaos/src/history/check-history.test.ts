import { checkHistory } from './check-history.js';
import { HistoryRecorder } from './history-recorder.js';
import type { KvOperation, KvOutcome } from './history-recorder.js';

/** Runs operations one after the other (no concurrency) and returns the history text. */
function sequential(steps: ReadonlyArray<[number, KvOperation, KvOutcome]>, clients = 2): string {
  const history = new HistoryRecorder({ clients, now: () => 0 });
  for (const [client, operation, outcome] of steps) history.complete(history.invoke(client, operation), outcome);
  return history.toJsonl();
}

describe('checkHistory', () => {
  it('accepts a linearizable history and counts its operations, unknown outcomes and keys', () => {
    const text = sequential([
      [0, { f: 'put', key: 'a', value: '0.1' }, { type: 'ok' }],
      [1, { f: 'put', key: 'b', value: '1.1' }, { type: 'info', reason: 'timeout' }],
      [0, { f: 'get', key: 'a' }, { type: 'ok', value: '0.1' }],
      [0, { f: 'get', key: 'b' }, { type: 'ok', value: '1.1' }],
    ]);
    const verdict = checkHistory(text);
    expect(verdict).toMatchObject({ result: 'ok', operations: 4, unknown: 1, keys: 2 });
    expect(verdict.checkMs).toBeGreaterThanOrEqual(0);
  });

  it('finds a stale read and explains it', () => {
    const text = sequential([
      [0, { f: 'put', key: 'a', value: '0.1' }, { type: 'ok' }],
      [0, { f: 'put', key: 'a', value: '0.2' }, { type: 'ok' }],
      [1, { f: 'get', key: 'a' }, { type: 'ok', value: '0.1' }],
    ]);
    const verdict = checkHistory(text);
    expect(verdict.result).toBe('illegal');
    if (verdict.result !== 'illegal') return;
    expect(verdict.explanation).toContain('Not linearizable: key "a"');
    expect(verdict.explanation).toContain('get("a") → "0.1"');
  });

  it('finds a lost acknowledged write: a read of a missing key after the put returned', () => {
    const text = sequential([
      [0, { f: 'put', key: 'a', value: '0.1' }, { type: 'ok' }],
      [1, { f: 'get', key: 'a' }, { type: 'ok', value: '' }],
    ]);
    expect(checkHistory(text).result).toBe('illegal');
  });

  it('answers unknown when the time limit passes first', () => {
    // Long enough for the search to look at the clock (once per 1024 steps).
    const text = sequential(Array.from({ length: 3000 }, (_, i): [number, KvOperation, KvOutcome] => [0, { f: 'put', key: 'a', value: `0.${i}` }, { type: 'ok' }]));
    // A clock that jumps an hour per read: the limit has passed at the first look.
    let now = 0;
    const verdict = checkHistory(text, { timeoutMs: 1, now: () => (now += 3_600_000) });
    expect(verdict.result).toBe('unknown');
    if (verdict.result === 'unknown') expect(verdict.explanation).toContain('gave up after 1 ms');
  });
});
