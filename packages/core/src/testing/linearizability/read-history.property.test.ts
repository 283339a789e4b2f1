import fc from 'fast-check';
import type { HistoryScalar } from './history-models.js';
import { operationsFromEvents } from './operations-from-events.js';
import type { HistoryEvent } from './operations-from-events.js';
import { detectHistoryFormat, readHistory } from './read-history.js';
import type { HistoryFormat } from './read-history.js';

/** An event as the three formats write it. */
interface Event {
  readonly process: number;
  readonly type: 'invoke' | 'ok' | 'fail' | 'info';
  readonly f: 'read' | 'write' | 'cas';
  readonly key?: string;
  readonly value: HistoryScalar | readonly HistoryScalar[];
}

/** An EDN value as Jepsen prints it (strings as JSON does; the generated ones need no \u escapes). */
function edn(value: Event['value']): string {
  if (Array.isArray(value)) return `[${value.map(edn).join(' ')}]`;
  return value === null ? 'nil' : JSON.stringify(value);
}

const render: Record<HistoryFormat, (events: readonly Event[]) => string> = {
  jsonl: (events) => events.map((e) => JSON.stringify(e)).join('\n'),
  edn: (events) =>
    events.map((e) => `{:process ${e.process}, :type :${e.type}, :f :${e.f}${e.key === undefined ? '' : `, :key ${edn(e.key)}`}, :value ${edn(e.value)}}`).join('\n'),
  'jepsen-log': (events) => events.map((e) => `INFO  jepsen.util - ${e.process}\t:${e.type}\t:${e.f}\t${edn(e.value)}`).join('\n'),
};

// Strings with what the readers must not trip on: quotes, backslashes, brackets, commas, colons, semicolons, tabs.
const text = fc.string({ unit: fc.constantFrom('a', 'b', ' ', '"', '\\', '{', ']', ',', ':', ';', '\t', 'é'), maxLength: 6 });
const scalar: fc.Arbitrary<HistoryScalar> = fc.oneof(text, fc.integer({ min: -5, max: 5 }), fc.boolean(), fc.constant(null));

/** A step: which process acts, and what it invokes or how it completes (a process with an open operation completes it). */
const step = fc.record({
  process: fc.integer({ min: 0, max: 3 }),
  f: fc.constantFrom('read', 'write', 'cas') as fc.Arbitrary<'read' | 'write' | 'cas'>,
  completion: fc.constantFrom('ok', 'ok', 'ok', 'fail', 'info') as fc.Arbitrary<'ok' | 'fail' | 'info'>,
  a: scalar,
  b: scalar,
  key: fc.constantFrom('x', 'y 1'),
});

describe('readHistory (properties)', () => {
  it('reads a history alike from JSON lines, EDN and jepsen.util log lines, as operationsFromEvents does', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), fc.boolean(), (steps, keyed) => {
        const open = new Map<number, Event>();
        const history: Event[] = [];
        const reference: HistoryEvent<unknown, unknown>[] = [];
        for (const s of steps) {
          const invoked = open.get(s.process);
          const key = keyed ? { key: s.key } : {};
          if (invoked === undefined) {
            const value = s.f === 'cas' ? [s.a, s.b] : s.f === 'write' ? s.a : null;
            const event: Event = { process: s.process, type: 'invoke', f: s.f, ...key, value };
            open.set(s.process, event);
            history.push(event);
            const input = s.f === 'read' ? { op: 'read' } : s.f === 'write' ? { op: 'write', value: s.a } : { op: 'cas', expected: s.a, value: s.b };
            reference.push({ process: s.process, type: 'invoke', input: { ...input, ...key } });
          } else {
            open.delete(s.process);
            history.push({ process: s.process, type: s.completion, f: invoked.f, ...key, value: invoked.f === 'read' ? s.a : invoked.value });
            const output = invoked.f === 'read' ? s.a : invoked.f === 'cas' ? true : undefined;
            reference.push(s.completion === 'ok' ? { process: s.process, type: 'ok', output } : { process: s.process, type: s.completion });
          }
        }
        const expected = operationsFromEvents(reference);
        const formats: HistoryFormat[] = keyed ? ['jsonl', 'edn'] : ['jsonl', 'edn', 'jepsen-log'];
        for (const format of formats) {
          const rendered = render[format](history);
          if (history.length > 0) expect(detectHistoryFormat(rendered)).toBe(format);
          const read = readHistory(rendered, { model: 'cas-register', format });
          expect(read.events).toBe(history.length);
          expect(read.operations).toEqual(expected);
          expect(read.model.partitionKey !== undefined).toBe(keyed && history.length > 0);
        }
      }),
      { numRuns: 300 },
    );
  });
});
