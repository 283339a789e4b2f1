import fc from 'fast-check';
import { SessionTable } from './session-table.js';

describe('SessionTable (Raft thesis §6.3)', () => {
  it('runs a request once and answers its retries from the cache', () => {
    const table = new SessionTable<string>({ expireAfterMs: 1000 });
    table.register(1, 0);
    let runs = 0;
    const run = () => `r${++runs}`;
    expect(table.apply({ session: 1, seq: 1, ack: 0 }, 10, run)).toEqual({ status: 'applied', response: 'r1' });
    expect(table.apply({ session: 1, seq: 1, ack: 0 }, 20, run)).toEqual({ status: 'duplicate', response: 'r1' });
    expect(table.apply({ session: 1, seq: 2, ack: 1 }, 30, run)).toEqual({ status: 'applied', response: 'r2' });
    expect(runs).toBe(2);
  });

  it('caches an undefined response as well', () => {
    const table = new SessionTable<undefined>({ expireAfterMs: 1000 });
    table.register(1, 0);
    let runs = 0;
    table.apply({ session: 1, seq: 1, ack: 0 }, 0, () => void runs++);
    expect(table.apply({ session: 1, seq: 1, ack: 0 }, 0, () => void runs++)).toEqual({ status: 'duplicate', response: undefined });
    expect(runs).toBe(1);
  });

  it('accepts pipelined requests in any order, and drops responses once acknowledged', () => {
    const table = new SessionTable<number>({ expireAfterMs: 1000 });
    table.register(5, 0);
    expect(table.apply({ session: 5, seq: 3, ack: 0 }, 1, () => 3).status).toBe('applied');
    expect(table.apply({ session: 5, seq: 1, ack: 0 }, 2, () => 1).status).toBe('applied');
    expect(table.apply({ session: 5, seq: 2, ack: 0 }, 3, () => 2).status).toBe('applied');
    expect(table.snapshot().sessions[0]?.responses.map(([seq]) => seq)).toEqual([3, 1, 2]);
    // seq 4 arrives with ack 2: the answers to 1 and 2 can go; a late copy of 2 is stale.
    expect(table.apply({ session: 5, seq: 4, ack: 2 }, 4, () => 4).status).toBe('applied');
    expect(table.apply({ session: 5, seq: 2, ack: 0 }, 5, () => -1)).toEqual({ status: 'stale' });
    expect(table.apply({ session: 5, seq: 3, ack: 0 }, 6, () => -1)).toEqual({ status: 'duplicate', response: 3 });
    expect(table.snapshot().sessions[0]).toMatchObject({ ack: 2, responses: [[3, 3], [4, 4]] });
  });

  it('expires a session idle for longer than expireAfterMs, in log time', () => {
    const table = new SessionTable<number>({ expireAfterMs: 100 });
    table.register(1, 0);
    table.register(2, 50);
    table.apply({ session: 1, seq: 1, ack: 0 }, 100, () => 1); // 1 is active at 100
    expect(table.expire(151)).toEqual([2]);
    expect(table.has(2)).toBe(false);
    expect(table.apply({ session: 2, seq: 1, ack: 0 }, 152, () => 1)).toEqual({ status: 'expired' });
    expect(table.has(1)).toBe(true);
    expect(table.expire(200)).toEqual([]); // exactly expireAfterMs idle: still held
    expect(table.expire(201)).toEqual([1]);
    expect(table.size).toBe(0);
  });

  it('never moves its time back, whatever the leaders’ clocks say', () => {
    const table = new SessionTable<number>({ expireAfterMs: 100 });
    table.register(1, 1000);
    table.register(2, 500); // a new leader with a slower clock
    expect(table.timeMs).toBe(1000);
    expect(table.expire(1101)).toEqual([1, 2]);
  });

  it('evicts the least recently used session when full', () => {
    const table = new SessionTable<number>({ expireAfterMs: 1000, maxSessions: 2 });
    table.register(1, 0);
    table.register(2, 1);
    table.apply({ session: 1, seq: 1, ack: 0 }, 2, () => 1);
    table.register(3, 3);
    expect([table.has(1), table.has(2), table.has(3)]).toEqual([true, false, true]);
  });

  it('restores from its snapshot and goes on deciding alike', () => {
    const table = new SessionTable<string>({ expireAfterMs: 100 });
    table.register(1, 0);
    table.register(2, 10);
    table.apply({ session: 1, seq: 1, ack: 0 }, 20, () => 'a');
    const snapshot = JSON.parse(JSON.stringify(table.snapshot())) as ReturnType<typeof table.snapshot>;
    const copy = SessionTable.restore(snapshot, { expireAfterMs: 100 });
    expect(copy.snapshot()).toEqual(table.snapshot());
    expect(copy.apply({ session: 1, seq: 1, ack: 0 }, 30, () => 'again')).toEqual({ status: 'duplicate', response: 'a' });
    expect(copy.expire(115)).toEqual(table.expire(115));
  });

  it('runs each request at most once, and answers every copy alike, under any delivery order (property)', () => {
    // Requests of 3 sessions, each retried and duplicated, delivered in a random order: every
    // request runs at most once, and every copy that is not stale gets the first response.
    const copies = fc.array(fc.record({ session: fc.integer({ min: 1, max: 3 }), seq: fc.integer({ min: 1, max: 6 }), ackLag: fc.nat(3) }), {
      maxLength: 80,
    });
    fc.assert(
      fc.property(copies, (requests) => {
        const table = new SessionTable<string>({ expireAfterMs: 1_000_000 });
        for (const id of [1, 2, 3]) table.register(id, 0);
        const runs = new Map<string, number>();
        const first = new Map<string, string>();
        requests.forEach(({ session, seq, ackLag }, time) => {
          const key = `${session}:${seq}`;
          const outcome = table.apply({ session, seq, ack: Math.max(0, seq - 1 - ackLag) }, time, () => {
            runs.set(key, (runs.get(key) ?? 0) + 1);
            return `${key}@${time}`;
          });
          if (outcome.status === 'applied') first.set(key, outcome.response);
          if (outcome.status === 'duplicate' && outcome.response !== first.get(key)) throw new Error(`${key} answered differently`);
          if (outcome.status === 'expired') throw new Error('no session may expire here');
        });
        return [...runs.values()].every((n) => n === 1);
      }),
    );
  });

  it.each<[string, () => unknown, ErrorConstructor, RegExp]>([
    ['no options', () => new SessionTable(undefined as never), TypeError, /options must be an object/],
    ['a missing expireAfterMs', () => new SessionTable({} as never), TypeError, /expireAfterMs must be a number/],
    ['a zero expireAfterMs', () => new SessionTable({ expireAfterMs: 0 }), RangeError, /expireAfterMs must be positive/],
    ['a fractional maxSessions', () => new SessionTable({ expireAfterMs: 1, maxSessions: 1.5 }), RangeError, /maxSessions/],
    ['a string maxSessions', () => new SessionTable({ expireAfterMs: 1, maxSessions: '2' as never }), TypeError, /maxSessions/],
  ])('rejects %s', (_label, build, type, message) => {
    expect(build).toThrow(type);
    expect(build).toThrow(message);
  });

  it('rejects bad ids, requests and times', () => {
    const table = new SessionTable<number>({ expireAfterMs: 10 });
    table.register(1, 0);
    expect(() => table.register(1, 0)).toThrow('session 1 exists already');
    expect(() => table.register(0, 0)).toThrow(RangeError);
    expect(() => table.apply({ session: 1, seq: 0, ack: 0 }, 0, () => 1)).toThrow(/request\.seq must be an integer ≥ 1/);
    expect(() => table.apply({ session: 1, seq: 1, ack: -1 }, 0, () => 1)).toThrow(/request\.ack/);
    expect(() => table.apply(null as never, 0, () => 1)).toThrow(TypeError);
    expect(() => table.expire(Number.NaN)).toThrow(/log time/);
    expect(() => SessionTable.restore({} as never, { expireAfterMs: 1 })).toThrow(/restore\(\)/);
  });
});
