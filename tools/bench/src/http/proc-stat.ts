/**
 * CPU time of a process, from Linux's /proc/<pid>/stat: `utime` + `stime` (fields 14 and 15,
 * in clock ticks) turned into µs with the kernel's tick rate, `getconf CLK_TCK` (100 on every
 * mainstream Linux, but read rather than assumed where it can be).
 */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU time a process has used, in clock ticks: user mode and kernel mode. */
export interface CpuTicks {
  readonly utime: number;
  readonly stime: number;
}

/**
 * Parses the text of /proc/<pid>/stat. The second field, `(comm)`, may itself hold spaces and
 * parentheses, so the fields are counted from the last `)`: what follows it starts with field 3
 * (`state`), so `utime` (field 14) and `stime` (field 15) are its 12th and 13th fields.
 *
 * @throws Error when the text has no `)` or too few fields, or the fields are not integers
 * @example
 * parseProcStat('42 (node) R 1 42 42 0 -1 4194304 100 0 0 0 250 30 0 0 20 0 7 0 ...'); // { utime: 250, stime: 30 }
 */
export function parseProcStat(text: string): CpuTicks {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error(`/proc/<pid>/stat: no "(comm)" field in ${JSON.stringify(text.slice(0, 80))}`);
  const fields = text.slice(close + 1).trim().split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isSafeInteger(utime) || !Number.isSafeInteger(stime) || utime < 0 || stime < 0) {
    throw new Error(`/proc/<pid>/stat: utime and stime (fields 14 and 15) must be non-negative integers, got ${String(fields[11])} and ${String(fields[12])}`);
  }
  return { utime, stime };
}

/** `utime` + `stime` in µs, for a tick rate in Hz. */
export function cpuMicros(ticks: CpuTicks, ticksPerSecond: number): number {
  return ((ticks.utime + ticks.stime) * 1e6) / ticksPerSecond;
}

/**
 * Reads the CPU ticks of a live process.
 *
 * @throws Error naming the path when /proc is missing (not Linux) or the process is gone
 */
export function readCpuTicks(pid: number): CpuTicks {
  const path = `/proc/${pid}/stat`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: the http suite reads server CPU time from /proc (Linux only), and the process must be alive`, { cause: error });
  }
  return parseProcStat(text);
}

/** The kernel's clock tick rate and where it came from. */
export interface ClockTicks {
  /** Ticks per second (Hz). */
  readonly perSecond: number;
  /** `getconf`: read from `getconf CLK_TCK`; `assumed`: getconf failed, so Linux's usual 100. */
  readonly source: 'getconf' | 'assumed';
}

/** Linux's USER_HZ on every mainstream architecture. */
export const DEFAULT_CLOCK_TICKS = 100;

/**
 * Parses the output of `getconf CLK_TCK`: a positive integer, else `undefined`.
 *
 * @example
 * parseClockTicks('100\n'); // 100
 */
export function parseClockTicks(output: string): number | undefined {
  const text = output.trim();
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value > 0 ? value : undefined;
}

/**
 * Runs `getconf CLK_TCK` once; if it fails or prints something else, assumes
 * {@link DEFAULT_CLOCK_TICKS} and says so in `source`.
 *
 * @param run runs a shell command and returns its stdout (default: `execSync`)
 */
export function clockTicks(run: (command: string) => string = (c) => execSync(c, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })): ClockTicks {
  try {
    const value = parseClockTicks(run('getconf CLK_TCK'));
    if (value !== undefined) return { perSecond: value, source: 'getconf' };
  } catch {
    // Falls through to the assumption below.
  }
  return { perSecond: DEFAULT_CLOCK_TICKS, source: 'assumed' };
}
