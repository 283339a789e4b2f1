import { clockTicks, cpuMicros, DEFAULT_CLOCK_TICKS, parseClockTicks, parseProcStat, readCpuTicks } from './proc-stat.js';

// A real line from /proc/<pid>/stat, with utime 250 and stime 30 put in fields 14 and 15.
const LINE = '1019 (node) R 1015 1015 30090 0 -1 4194304 100 0 0 0 250 30 7 8 20 0 1 0 242058 3133440 386 18446744073709551615 0 0 0';

describe('parseProcStat', () => {
  it('reads utime and stime, fields 14 and 15', () => {
    expect(parseProcStat(LINE)).toEqual({ utime: 250, stime: 30 });
  });

  it('counts fields from the last ")", so a comm with spaces and parentheses does not shift them', () => {
    expect(parseProcStat(LINE.replace('(node)', '(my (odd) name) x)'))).toEqual({ utime: 250, stime: 30 });
  });

  it('accepts a trailing newline', () => {
    expect(parseProcStat(`${LINE}\n`)).toEqual({ utime: 250, stime: 30 });
  });

  it('throws without a "(comm)" field', () => {
    expect(() => parseProcStat('1019 node R 1')).toThrow('no "(comm)" field');
  });

  it('throws when the fields are missing or not integers', () => {
    expect(() => parseProcStat('1019 (node) R 1015')).toThrow('utime and stime (fields 14 and 15) must be non-negative integers, got undefined and undefined');
    expect(() => parseProcStat(LINE.replace(' 250 30 ', ' 2.5 30 '))).toThrow('got 2.5 and 30');
    expect(() => parseProcStat(LINE.replace(' 250 30 ', ' 250 -1 '))).toThrow('got 250 and -1');
  });
});

describe('cpuMicros', () => {
  it('adds user and system ticks and converts them at the tick rate', () => {
    expect(cpuMicros({ utime: 250, stime: 30 }, 100)).toBe(2_800_000);
    expect(cpuMicros({ utime: 1, stime: 1 }, 250)).toBe(8_000);
  });
});

describe('readCpuTicks', () => {
  it('reads this process', () => {
    const ticks = readCpuTicks(process.pid);
    expect(Number.isSafeInteger(ticks.utime) && ticks.utime >= 0).toBe(true);
    expect(Number.isSafeInteger(ticks.stime) && ticks.stime >= 0).toBe(true);
  });

  it('names the path when the process does not exist', () => {
    expect(() => readCpuTicks(-1)).toThrow('cannot read /proc/-1/stat');
  });
});

describe('parseClockTicks / clockTicks', () => {
  it('parses a positive integer and nothing else', () => {
    expect(parseClockTicks('100\n')).toBe(100);
    expect(parseClockTicks(' 1000 ')).toBe(1000);
    expect(parseClockTicks('0')).toBeUndefined();
    expect(parseClockTicks('undefined')).toBeUndefined();
    expect(parseClockTicks('1e2')).toBeUndefined();
    expect(parseClockTicks('')).toBeUndefined();
  });

  it('runs getconf CLK_TCK once and uses its answer', () => {
    const commands: string[] = [];
    expect(clockTicks((c) => (commands.push(c), '250\n'))).toEqual({ perSecond: 250, source: 'getconf' });
    expect(commands).toEqual(['getconf CLK_TCK']);
  });

  it('assumes 100 when getconf fails or prints something else, and says so', () => {
    const fail = (): string => {
      throw new Error('getconf: not found');
    };
    expect(clockTicks(fail)).toEqual({ perSecond: DEFAULT_CLOCK_TICKS, source: 'assumed' });
    expect(clockTicks(() => 'undefined\n')).toEqual({ perSecond: 100, source: 'assumed' });
  });

  it('reads the real tick rate by default', () => {
    const ticks = clockTicks();
    expect(ticks.source).toBe('getconf');
    expect(ticks.perSecond).toBeGreaterThan(0);
  });
});
