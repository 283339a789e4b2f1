import { operationsFromEvents } from './operations-from-events.js';
import type { HistoryEvent } from './operations-from-events.js';

type Event = HistoryEvent<string, number>;

describe('operationsFromEvents', () => {
  it('pairs invocations with completions per process, timed by position, in invocation order', () => {
    const events: Event[] = [
      { process: 'a', type: 'invoke', input: 'read' },
      { process: 'b', type: 'invoke', input: 'write 1' },
      { process: 'b', type: 'ok' },
      { process: 'a', type: 'ok', output: 1 },
    ];
    expect(operationsFromEvents(events)).toEqual([
      { clientId: 'a', input: 'read', output: 1, call: 0, return: 3 },
      { clientId: 'b', input: 'write 1', output: undefined, call: 1, return: 2 },
    ]);
  });

  it('drops failed operations, and gives info and unfinished ones an unknown outcome', () => {
    const events: Event[] = [
      { process: 0, type: 'invoke', input: 'write 1' },
      { process: 1, type: 'invoke', input: 'write 2' },
      { process: 2, type: 'invoke', input: 'write 3' },
      { process: 0, type: 'fail' },
      { process: 1, type: 'info' },
      { process: 1, type: 'invoke', input: 'read' },
    ];
    expect(operationsFromEvents(events)).toEqual([
      { clientId: 1, input: 'write 2', call: 1, return: Infinity, unknown: true },
      { clientId: 2, input: 'write 3', call: 2, return: Infinity, unknown: true },
      { clientId: 1, input: 'read', call: 5, return: Infinity, unknown: true },
    ]);
  });

  it('rejects an invocation while the process has one open', () => {
    expect(() =>
      operationsFromEvents<string, number>([
        { process: 7, type: 'invoke', input: 'a' },
        { process: 7, type: 'invoke', input: 'b' },
      ]),
    ).toThrow(new TypeError('operationsFromEvents: event 1: process 7 invokes while its operation invoked at event 0 is open'));
  });

  it('rejects a completion with nothing open', () => {
    expect(() => operationsFromEvents<string, number>([{ process: 7, type: 'ok', output: 1 }])).toThrow(
      new TypeError('operationsFromEvents: event 0: process 7 completes (ok) with no operation open'),
    );
  });

  it('rejects an unknown event type', () => {
    expect(() => operationsFromEvents([{ process: 7, type: 'done' } as unknown as Event])).toThrow(
      new TypeError('operationsFromEvents: event 0 has type "done"; expected invoke, ok, fail or info'),
    );
  });
});
