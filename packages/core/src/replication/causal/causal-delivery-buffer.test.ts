import fc from 'fast-check';
import { CausalBufferOverflowError, isCausalBufferOverflowError } from '../errors/causal-buffer-overflow-error.js';
import { VectorClock } from '../clocks/vector-clock.js';
import { CausalDeliveryBuffer } from './causal-delivery-buffer.js';
import type { CausalEvent } from './causal-event.js';
import { compareEvents } from './causal-event.js';

const event = (replica: string, clock: Record<string, number>, payload = `${replica}${clock[replica]}`): CausalEvent<string> => ({
  replica,
  clock: VectorClock.from(clock),
  payload,
});
const payloads = (events: readonly CausalEvent<string>[]) => events.map((e) => e.payload);

describe('CausalDeliveryBuffer', () => {
  it('delivers an event whose dependencies were delivered at once', () => {
    const buffer = new CausalDeliveryBuffer<string>();
    expect(payloads(buffer.receive(event('a', { a: 1 })))).toEqual(['a1']);
    expect(buffer.delivered.toJSON()).toEqual([['a', 1]]);
    expect(buffer.size).toBe(0);
  });

  it("holds an event until its sender's earlier events and what it had seen arrive, then delivers in causal order", () => {
    const buffer = new CausalDeliveryBuffer<string>();
    const reply = event('b', { a: 1, b: 1 }, 'reply');
    const second = event('a', { a: 2 }, 'second');
    expect(buffer.receive(reply)).toEqual([]);
    expect(buffer.receive(second)).toEqual([]);
    expect(buffer.size).toBe(2);
    expect(buffer.isDeliverable(reply)).toBe(false);
    expect(payloads(buffer.pending())).toEqual(['reply', 'second']);
    expect(payloads(buffer.receive(event('a', { a: 1 }, 'question')))).toEqual(['question', 'reply', 'second']);
    expect(buffer.size).toBe(0);
    expect(buffer.delivered.toJSON()).toEqual([['a', 2], ['b', 1]]);
  });

  it('ignores duplicates, delivered or held', () => {
    const buffer = new CausalDeliveryBuffer<string>({ maxBuffered: 1 });
    buffer.receive(event('a', { a: 1 }));
    expect(buffer.receive(event('a', { a: 1 }))).toEqual([]);
    expect(buffer.receive(event('a', { a: 3 }))).toEqual([]);
    expect(buffer.receive(event('a', { a: 3 }))).toEqual([]); // held already: not an overflow
    expect(buffer.size).toBe(1);
  });

  it('refuses an event that would wait beyond maxBuffered, keeping what it holds', () => {
    const buffer = new CausalDeliveryBuffer<string>({ maxBuffered: 2 });
    buffer.receive(event('a', { a: 2 }));
    buffer.receive(event('a', { a: 3 }));
    let error: unknown;
    try {
      buffer.receive(event('b', { a: 3, b: 1 }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CausalBufferOverflowError);
    expect(isCausalBufferOverflowError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ECAUSALBUFFERFULL', maxBuffered: 2, replica: 'b', counter: 1 });
    expect(buffer.size).toBe(2);
    // A deliverable event is still accepted when full, and unblocks the held ones.
    expect(payloads(buffer.receive(event('a', { a: 1 })))).toEqual(['a1', 'a2', 'a3']);
    expect(payloads(buffer.receive(event('b', { a: 3, b: 1 })))).toEqual(['b1']);
  });

  it('with maxBuffered 0, accepts only deliverable events', () => {
    const buffer = new CausalDeliveryBuffer<string>({ maxBuffered: 0 });
    expect(() => buffer.receive(event('a', { a: 2 }))).toThrow(CausalBufferOverflowError);
    expect(payloads(buffer.receive(event('a', { a: 1 })))).toEqual(['a1']);
  });

  it('resumes from a delivered clock, and validates options and events', () => {
    const buffer = new CausalDeliveryBuffer<string>({ delivered: VectorClock.from({ a: 5 }) });
    expect(buffer.receive(event('a', { a: 5 }))).toEqual([]);
    expect(payloads(buffer.receive(event('a', { a: 6 })))).toEqual(['a6']);
    expect(() => new CausalDeliveryBuffer({ maxBuffered: -1 })).toThrow(/maxBuffered must be a non-negative safe integer, got -1/);
    expect(() => new CausalDeliveryBuffer({ delivered: {} as VectorClock })).toThrow(/delivered must be a VectorClock/);
    expect(() => buffer.receive(event('b', { a: 1 }))).toThrow(/does not count it at "b"/);
    expect(() => buffer.receive({ replica: '', clock: VectorClock.empty, payload: '' })).toThrow(/event.replica/);
    expect(() => buffer.receive({ replica: 'a', clock: {} as VectorClock, payload: '' })).toThrow(/event.clock must be a VectorClock/);
  });

  it('every replica delivers every event exactly once, in an order that respects happened-before, whatever the network does', () => {
    // Three replicas broadcast; the network delivers messages to each replica in a random order,
    // with duplicates.
    const action = fc.tuple(fc.nat({ max: 2 }), fc.nat({ max: 1000 }), fc.boolean());
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 80 }), (actions) => {
        const ids = ['a', 'b', 'c'];
        const buffers = ids.map(() => new CausalDeliveryBuffer<string>());
        const delivered: CausalEvent<string>[][] = ids.map(() => []);
        const inbox: CausalEvent<string>[][] = ids.map(() => []);
        const sent: CausalEvent<string>[] = [];
        const deliverTo = (i: number, events: CausalEvent<string>[]) => delivered[i].push(...events);
        for (const [at, pick, send] of actions) {
          if (send || inbox[at].length === 0) {
            const e = event(ids[at], Object.fromEntries(buffers[at].delivered.increment(ids[at]).entries()));
            sent.push(e);
            deliverTo(at, buffers[at].receive(e));
            ids.forEach((_, j) => j !== at && inbox[j].push(e));
          } else {
            const [e] = inbox[at].splice(pick % inbox[at].length, 1);
            deliverTo(at, buffers[at].receive(e));
            if (pick % 3 === 0) inbox[at].push(e); // duplicate
          }
        }
        // Drain every inbox in a worst-case order: newest first.
        ids.forEach((_, i) => {
          for (const e of inbox[i].reverse()) deliverTo(i, buffers[i].receive(e));
        });
        for (const list of delivered) {
          expect(list.length).toBe(sent.length);
          expect(new Set(list).size).toBe(sent.length);
          for (let x = 0; x < list.length; x++) for (let y = x + 1; y < list.length; y++) expect(compareEvents(list[y], list[x])).not.toBe('before');
        }
        for (const buffer of buffers) expect(buffer.size).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
