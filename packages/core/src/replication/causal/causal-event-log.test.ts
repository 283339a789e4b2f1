import { VectorClock } from '../clocks/vector-clock.js';
import { CausalBufferOverflowError } from '../errors/causal-buffer-overflow-error.js';
import { CausalEventLog } from './causal-event-log.js';
import { causalEventFromJSON, causalEventToJSON, compareEvents, eventDot } from './causal-event.js';

describe('CausalEventLog', () => {
  function chat() {
    const a = new CausalEventLog<string>({ replica: 'a' });
    const b = new CausalEventLog<string>({ replica: 'b' });
    const question = a.recordLocal('lunch?');
    b.receive(question);
    const answer = b.recordLocal('yes');
    const aside = a.recordLocal('or later');
    return { a, b, question, answer, aside };
  }

  it('stamps local events with the clock of everything recorded, plus one', () => {
    const { a, b, question, answer, aside } = chat();
    expect(question.clock.toJSON()).toEqual([['a', 1]]);
    expect(answer.clock.toJSON()).toEqual([['a', 1], ['b', 1]]);
    expect(aside.clock.toJSON()).toEqual([['a', 2]]);
    expect(a.clock.toJSON()).toEqual([['a', 2]]);
    expect(b.clock.toJSON()).toEqual([['a', 1], ['b', 1]]);
    expect(Object.isFrozen(question)).toBe(true);
    expect(a.replica).toBe('a');
  });

  it('answers happened-before and concurrency for events or their dots', () => {
    const { a, question, answer, aside } = chat();
    a.receive(answer);
    expect(a.happenedBefore(question, answer)).toBe(true);
    expect(a.compare(answer, question)).toBe('after');
    expect(a.isConcurrent(answer, aside)).toBe(true);
    expect(a.isConcurrent({ replica: 'b', counter: 1 }, { replica: 'a', counter: 2 })).toBe(true);
    expect(a.compare(question, { replica: 'a', counter: 1 })).toBe('equal');
    expect(() => a.compare(question, { replica: 'z', counter: 1 })).toThrow(/b \(z:1\) is not recorded in this log/);
    expect(a.get({ replica: 'b', counter: 1 })?.payload).toBe('yes');
    expect(a.get({ replica: 'b', counter: 2 })).toBeUndefined();
  });

  it("gives an event's causal history in a causal order, without the event", () => {
    const { a, b, answer, aside } = chat();
    a.receive(answer);
    const decision = a.recordLocal('12:30 then');
    expect(a.causalHistory(decision).map((e) => e.payload)).toEqual(['lunch?', 'or later', 'yes']);
    expect(a.causalHistory(answer).map((e) => e.payload)).toEqual(['lunch?']);
    expect(a.causalHistory(eventDot(aside)).map((e) => e.payload)).toEqual(['lunch?']);
    expect(() => b.causalHistory(aside)).toThrow(RangeError);
    expect(a.events().map((e) => e.payload)).toEqual(['lunch?', 'or later', 'yes', '12:30 then']);
  });

  it('delivers received events in causal order, ignoring duplicates and its own echoes', () => {
    const { a, b, question, answer, aside } = chat();
    const c = new CausalEventLog<string>({ replica: 'c', maxBuffered: 5 });
    expect(c.receive(answer)).toEqual([]);
    expect(c.pending).toBe(1);
    expect(c.receive(aside)).toEqual([]);
    expect(c.receive(question).map((e) => e.payload)).toEqual(['lunch?', 'yes', 'or later']);
    expect(c.receive(question)).toEqual([]);
    expect(c.pending).toBe(0);
    expect(a.receive(question)).toEqual([]); // a's own event, echoed back
    expect(b.receive(answer)).toEqual([]);
  });

  it('refuses an event of its own replica that it never recorded, and overflows with a typed error', () => {
    const a = new CausalEventLog<string>({ replica: 'a', maxBuffered: 0 });
    expect(() => a.receive({ replica: 'a', clock: VectorClock.from({ a: 1 }), payload: 'x' })).toThrow(/was not recorded here/);
    expect(() => a.receive({ replica: 'b', clock: VectorClock.from({ b: 2 }), payload: 'x' })).toThrow(CausalBufferOverflowError);
    expect(() => new CausalEventLog({ replica: '' })).toThrow(/CausalEventLog: replica/);
    expect(() => new CausalEventLog({ replica: 'a', maxBuffered: 1.5 })).toThrow(RangeError);
  });
});

describe('causal events', () => {
  const e = { replica: 'b', clock: VectorClock.from({ a: 1, b: 2 }), payload: { text: 'hi' } };

  it('round-trip through JSON, validated, with an optional payload parser', () => {
    const json = JSON.parse(JSON.stringify(causalEventToJSON(e))) as unknown;
    expect(json).toEqual({ replica: 'b', clock: [['a', 1], ['b', 2]], payload: { text: 'hi' } });
    const back = causalEventFromJSON(json);
    expect(compareEvents(back, e)).toBe('equal');
    expect(back.payload).toEqual({ text: 'hi' });
    expect(causalEventFromJSON(json, (p) => String((p as { text: string }).text)).payload).toBe('hi');
    expect(() => causalEventFromJSON({ ...(json as object), replica: 'c' })).toThrow(/causalEventFromJSON: clock: must count the event at "c"/);
    expect(() => causalEventFromJSON({ replica: 1, clock: [] })).toThrow(/causalEventFromJSON: replica/);
    expect(() => causalEventFromJSON([])).toThrow(/must be an object/);
  });

  it('compareEvents and eventDot', () => {
    const f = { replica: 'a', clock: VectorClock.from({ a: 2, b: 2 }), payload: null };
    const g = { replica: 'a', clock: VectorClock.from({ a: 3 }), payload: null };
    expect(compareEvents(e, f)).toBe('before');
    expect(compareEvents(f, e)).toBe('after');
    expect(compareEvents(e, g)).toBe('concurrent');
    expect(eventDot(f)).toEqual({ replica: 'a', counter: 2 });
  });
});
