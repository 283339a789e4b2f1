import fc from 'fast-check';
import { ManualClock } from '../../testing/manual-clock.js';
import { ClockDriftError, isClockDriftError } from '../errors/clock-drift-error.js';
import { compareHlc, hlcFromJSON, hlcToJSON } from './hlc-timestamp.js';
import type { HlcTimestamp } from './hlc-timestamp.js';
import { HybridLogicalClock } from './hybrid-logical-clock.js';

const ts = (wallMs: number, logical: number): HlcTimestamp => ({ wallMs, logical });

describe('HybridLogicalClock', () => {
  it('follows the physical clock and counts events within one millisecond', () => {
    const clock = new ManualClock(1000);
    const hlc = new HybridLogicalClock({ clock });
    expect(hlc.last).toEqual(ts(0, 0));
    expect(hlc.now()).toEqual(ts(1000, 0));
    expect(hlc.now()).toEqual(ts(1000, 1));
    clock.advance(0.5); // read as whole milliseconds
    expect(hlc.now()).toEqual(ts(1000, 2));
    clock.advance(4.5);
    expect(hlc.now()).toEqual(ts(1005, 0));
    expect(Object.isFrozen(hlc.now())).toBe(true);
  });

  it('never goes back when the physical clock does', () => {
    let physical = 2000;
    const hlc = new HybridLogicalClock({ clock: { now: () => physical } });
    hlc.now();
    physical = 1500;
    expect(hlc.now()).toEqual(ts(2000, 1));
    expect(hlc.now()).toEqual(ts(2000, 2));
  });

  it('receive returns a timestamp after both clocks (Kulkarni et al., Figure 5)', () => {
    const clock = new ManualClock(100);
    const hlc = new HybridLogicalClock({ clock });
    hlc.now(); // (100, 0)
    expect(hlc.receive(ts(150, 4))).toEqual(ts(150, 5)); // remote ahead: take its time, count on
    expect(hlc.receive(ts(150, 9))).toEqual(ts(150, 10)); // same time as ours and theirs: max + 1
    expect(hlc.receive(ts(120, 50))).toEqual(ts(150, 11)); // remote behind: count on ours
    clock.advance(100);
    expect(hlc.receive(ts(120, 50))).toEqual(ts(200, 0)); // physical ahead of both
  });

  it('refuses a remote timestamp too far ahead with ClockDriftError, and is unchanged', () => {
    const clock = new ManualClock(10_000);
    const hlc = new HybridLogicalClock({ clock, maxDriftMs: 500 });
    hlc.now();
    expect(hlc.receive(ts(10_500, 0))).toEqual(ts(10_500, 1)); // exactly at the bound: accepted
    let error: unknown;
    try {
      hlc.receive(ts(10_501 + 10, 0));
    } catch (caught) {
      error = caught;
    }
    expect(isClockDriftError(error)).toBe(true);
    expect(error).toBeInstanceOf(ClockDriftError);
    expect(error).toMatchObject({ code: 'ECLOCKDRIFT', driftMs: 511, maxDriftMs: 500, localWallMs: 10_000, remote: ts(10_511, 0) });
    expect((error as Error).message).toMatch(/511 ms ahead of the local clock, more than maxDriftMs \(500 ms\)/);
    expect(hlc.last).toEqual(ts(10_500, 1));
  });

  it('defaults maxDriftMs to one minute; Infinity accepts anything', () => {
    const clock = new ManualClock(0);
    expect(new HybridLogicalClock({ clock }).maxDriftMs).toBe(60_000);
    expect(() => new HybridLogicalClock({ clock }).receive(ts(60_001, 0))).toThrow(ClockDriftError);
    expect(new HybridLogicalClock({ clock, maxDriftMs: Infinity }).receive(ts(1e12, 0))).toEqual(ts(1e12, 1));
  });

  it('resumes after a restart from the last timestamp', () => {
    const hlc = new HybridLogicalClock({ clock: new ManualClock(5), last: ts(900, 3) });
    expect(hlc.now()).toEqual(ts(900, 4));
  });

  it('validates its options and the timestamps it receives', () => {
    const clock = new ManualClock(0);
    expect(() => new HybridLogicalClock({} as never)).toThrow(/clock must have a now\(\) method/);
    expect(() => new HybridLogicalClock({ clock, maxDriftMs: -1 })).toThrow(/maxDriftMs must be a non-negative number, got -1/);
    expect(() => new HybridLogicalClock({ clock, last: ts(-1, 0) })).toThrow(/HybridLogicalClock: last: wallMs/);
    const hlc = new HybridLogicalClock({ clock });
    expect(() => hlc.receive(ts(1.5, 0))).toThrow(/receive: remote: wallMs: must be a non-negative safe integer, got 1.5/);
    expect(() => hlc.receive(null as never)).toThrow(TypeError);
    expect(() => new HybridLogicalClock({ clock: { now: () => NaN } }).now()).toThrow(/clock.now\(\) returned NaN/);
    expect(() => new HybridLogicalClock({ clock, last: ts(0, Number.MAX_SAFE_INTEGER) }).now()).toThrow(/logical counter passed/);
    expect(() => hlc.receive(ts(0, Number.MAX_SAFE_INTEGER))).toThrow(/logical counter passed/);
  });

  it('every timestamp is after every one issued or received before it, whatever the clocks do', () => {
    const event = fc.oneof(
      fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: -50, max: 50 }) }),
      fc.record({ kind: fc.constant('now' as const) }),
      fc.record({ kind: fc.constant('receive' as const), wallMs: fc.nat({ max: 400 }), logical: fc.nat({ max: 5 }) }),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (events) => {
        let physical = 200;
        const hlc = new HybridLogicalClock({ clock: { now: () => physical }, maxDriftMs: 100 });
        let previous = hlc.last;
        for (const e of events) {
          if (e.kind === 'tick') {
            physical = Math.max(0, physical + e.ms);
            continue;
          }
          let next: HlcTimestamp;
          if (e.kind === 'now') next = hlc.now();
          else {
            const remote = ts(e.wallMs, e.logical);
            try {
              next = hlc.receive(remote);
            } catch (error) {
              expect(isClockDriftError(error)).toBe(true);
              expect(remote.wallMs - physical).toBeGreaterThan(100);
              continue;
            }
            expect(compareHlc(next, remote)).toBeGreaterThan(0);
          }
          expect(compareHlc(next, previous)).toBeGreaterThan(0);
          expect(next.wallMs).toBeGreaterThanOrEqual(physical); // never behind the physical clock
          previous = next;
        }
      }),
    );
  });
});

describe('HLC timestamps', () => {
  it('compareHlc orders by wall time, then the logical counter', () => {
    expect([ts(2, 0), ts(1, 5), ts(1, 2)].sort(compareHlc)).toEqual([ts(1, 2), ts(1, 5), ts(2, 0)]);
    expect(compareHlc(ts(1, 1), ts(1, 1))).toBe(0);
  });

  it('serialise as [wallMs, logical] and parse arrays or objects, validated', () => {
    expect(hlcToJSON(ts(7, 2))).toEqual([7, 2]);
    expect(hlcFromJSON([7, 2])).toEqual(ts(7, 2));
    expect(hlcFromJSON({ wallMs: 7, logical: 2 })).toEqual(ts(7, 2));
    expect(() => hlcFromJSON([7])).toThrow(/hlcFromJSON: a timestamp must be \[wallMs, logical\]/);
    expect(() => hlcFromJSON('7')).toThrow(/must be an object/);
    expect(() => hlcFromJSON([7, -1], 'token.ts')).toThrow(/token.ts: logical: must be a non-negative safe integer, got -1/);
  });
});
