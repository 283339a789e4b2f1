import { describe, expect, it } from '@jest/globals';
import { callgrindWrapper, parseCallgrindTotal } from './callgrind.js';

describe('parseCallgrindTotal', () => {
  it('reads the totals line of a dump', () => {
    const dump = ['# callgrind format', 'version: 1', 'events: Ir', 'summary: 0', '', 'fn=(1) main', '3 12', '', 'totals: 759642258', ''].join('\n');
    expect(parseCallgrindTotal(dump)).toBe(759_642_258);
  });

  it('falls back to the summary line of older dumps', () => {
    expect(parseCallgrindTotal('events: Ir\nsummary: 4242\n')).toBe(4242);
  });

  it('refuses a file that is not a dump', () => {
    expect(() => parseCallgrindTotal('hello')).toThrow(/totals/);
  });
});

describe('callgrindWrapper', () => {
  it('starts with instrumentation off, writes where asked and runs node on one thread', () => {
    const w = callgrindWrapper('/tmp/x/callgrind.out');
    expect(w.command).toBe('valgrind');
    expect(w.args).toEqual(expect.arrayContaining(['--tool=callgrind', '--instr-atstart=no', '--callgrind-out-file=/tmp/x/callgrind.out']));
    expect(w.nodeArgs).toEqual(['--single-threaded']);
  });
});
