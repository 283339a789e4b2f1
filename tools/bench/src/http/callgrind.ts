/**
 * Counting the instructions a server process executes with valgrind's callgrind, for the
 * `http-instructions` suite: instrumentation starts off (`--instr-atstart=no`), is switched on
 * for the measured requests with `callgrind_control -i on`, off again, and the counts are
 * dumped (`callgrind_control -d`) into `<out>.<n>`, whose `totals:` line is the instruction
 * count (event `Ir`). Instruction counts do not depend on what else the machine is doing, so
 * they compare two servers to a fraction of a percent where CPU time on a shared 2-core
 * machine drifts by several.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The valgrind command line for a server whose counts go to `outFile` (node runs after it with `--single-threaded`). */
export function callgrindWrapper(outFile: string): { command: string; args: string[]; nodeArgs: string[] } {
  return {
    command: 'valgrind',
    // --smc-check: V8 writes and rewrites machine code on the heap; valgrind must see it change.
    args: ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${outFile}`, '--smc-check=all-non-file'],
    // One thread: the garbage collector and the compiler run on the main thread, so their work
    // is counted with the requests that caused it, and the count repeats from run to run.
    nodeArgs: ['--single-threaded'],
  };
}

/**
 * The instruction count of a callgrind dump: its `totals:` line, or its `summary:` line when
 * it has none, first event.
 *
 * @throws Error when the text has neither
 */
export function parseCallgrindTotal(text: string): number {
  const line = /^totals:\s+(\d+)/m.exec(text) ?? /^summary:\s+(\d+)/m.exec(text);
  if (line === null) throw new Error('callgrind dump without a totals: or summary: line');
  return Number(line[1]);
}

/** Whether valgrind runs here; the message says how to get it when it does not. */
export async function checkValgrind(): Promise<{ ok: true; version: string } | { ok: false; message: string }> {
  try {
    const { stdout } = await run('valgrind', ['--version']);
    await run('callgrind_control', ['--version']);
    return { ok: true, version: stdout.trim() };
  } catch (error) {
    return { ok: false, message: `valgrind and callgrind_control must be on the PATH (Debian: apt-get install valgrind): ${(error as Error).message}` };
  }
}

/** Switches the instrumentation of the callgrind process `pid` on or off. */
export async function setInstrumentation(pid: number, on: boolean): Promise<void> {
  await run('callgrind_control', ['-i', on ? 'on' : 'off', String(pid)]);
}

/**
 * Dumps the counts of `pid` (callgrind_control waits until callgrind has written them) and
 * returns the instruction count of the newest dump next to `outFile`.
 */
export async function dumpTotal(pid: number, outFile: string): Promise<number> {
  await run('callgrind_control', ['-d', String(pid)]);
  const dir = path.dirname(outFile);
  const base = path.basename(outFile);
  const parts = (await readdir(dir))
    .map((name) => ({ name, part: name.startsWith(`${base}.`) ? Number(name.slice(base.length + 1)) : Number.NaN }))
    .filter((f) => Number.isInteger(f.part))
    .sort((a, b) => b.part - a.part);
  const newest = parts[0];
  if (newest === undefined) throw new Error(`callgrind wrote no dump next to ${outFile}`);
  return parseCallgrindTotal(await readFile(path.join(dir, newest.name), 'utf8'));
}
