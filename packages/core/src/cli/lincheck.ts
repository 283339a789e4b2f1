import { readFile } from 'node:fs/promises';
import type { Clock } from '../time/clock.js';
import { DEFAULT_MAX_CONFIGURATIONS, checkLinearizability } from '../testing/linearizability/check-linearizability.js';
import { HISTORY_MODELS } from '../testing/linearizability/history-models.js';
import { isHistorySyntaxError } from '../testing/linearizability/history-syntax-error.js';
import { describeViolation } from '../testing/linearizability/linearizability-violation.js';
import { HISTORY_FORMATS, detectHistoryFormat, readHistory } from '../testing/linearizability/read-history.js';
import type { HistoryFormat } from '../testing/linearizability/read-history.js';
import { parseLincheckArgs } from './lincheck-args.js';

/** The exit codes of `bulwark-lincheck`. */
export const LINCHECK_EXIT = Object.freeze({
  linearizable: 0,
  notLinearizable: 1,
  /** The time limit passed before the search ended. */
  unknown: 2,
  /** The file could not be read, or is not a history (the message names the line). */
  unreadable: 3,
  /** A bad command line (sysexits' EX_USAGE). */
  usage: 64,
  /** A bug: the message says what failed (sysexits' EX_SOFTWARE). */
  internal: 70,
});

/** Where `bulwark-lincheck` reads and writes; {@link nodeLincheckIo} is the real one. */
export interface LincheckIo {
  readFile(path: string): Promise<string>;
  readStdin(): Promise<string>;
  /** Writes a block of text to standard output (a newline is added). */
  out(text: string): void;
  /** Writes a block of text to standard error (a newline is added). */
  err(text: string): void;
  /** The clock of `--time-limit` (default: `performance.now()`). */
  readonly clock?: Pick<Clock, 'now'>;
}

const FORMAT_NAMES: Readonly<Record<HistoryFormat, string>> = { jsonl: 'JSON lines', edn: 'EDN maps', 'jepsen-log': 'jepsen.util log lines' };

/** The text of `bulwark-lincheck --help`. */
export const LINCHECK_USAGE = `usage: bulwark-lincheck --model ${HISTORY_MODELS.join('|')} [--format ${HISTORY_FORMATS.join('|')}] [--time-limit MS] [--max-configurations N] FILE

Checks whether a recorded history of a concurrent object is linearizable: whether every
operation can be given one instant between its invocation and its completion at which it
took effect, in an order the model accepts. FILE is the history, or - for standard input.

  --model NAME       kv: get, put, append, cas, delete on string values, checked per key
                     (a missing key reads as ""); register: read, write; cas-register:
                     read, write, cas. A register starts as nil; with keys, one per key.
  --format NAME      jsonl, edn or jepsen-log (default: told from the first line)
  --time-limit MS    give up after MS milliseconds and answer unknown (default: none)
  --max-configurations N
                     give up once the search of one key remembers N configurations
                     (its memory bound; default ${DEFAULT_MAX_CONFIGURATIONS.toLocaleString('en-US')})
  -h, --help         print this help

Formats, one event per line: an invoke, then the same process's ok, fail (did not take
effect) or info (may or may not have taken effect).
  jsonl       {"process": 0, "type": "invoke", "f": "cas", "key": "k", "value": ["a", "b"]}
  edn         {:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}
  jepsen-log  INFO  jepsen.util - 3	:invoke	:read	nil

Prints linearizable, not linearizable (with the explanation) or unknown.
Exit status: 0 linearizable, 1 not linearizable, 2 unknown, 3 unreadable input
(the message names the line), 64 bad arguments.`;

/**
 * Runs `bulwark-lincheck` with the arguments after the program name and returns its exit code
 * (see {@link LINCHECK_EXIT}). Never throws: an unexpected error is reported as internal.
 *
 * @example
 * process.exitCode = await runLincheck(process.argv.slice(2), nodeLincheckIo());
 */
export async function runLincheck(argv: readonly string[], io: LincheckIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    io.err(`bulwark-lincheck: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return LINCHECK_EXIT.internal;
  }
}

async function run(argv: readonly string[], io: LincheckIo): Promise<number> {
  const request = parseLincheckArgs(argv);
  if (request.kind === 'help') {
    io.out(LINCHECK_USAGE);
    return 0;
  }
  if (request.kind === 'error') {
    io.err(`bulwark-lincheck: ${request.message}\n${LINCHECK_USAGE.split('\n')[0]}\n(bulwark-lincheck --help says more)`);
    return LINCHECK_EXIT.usage;
  }
  const name = request.file === '-' ? 'standard input' : request.file;
  let text: string;
  try {
    text = request.file === '-' ? await io.readStdin() : await io.readFile(request.file);
  } catch (error) {
    io.err(`bulwark-lincheck: cannot read ${name}: ${readProblem(error)}`);
    return LINCHECK_EXIT.unreadable;
  }
  let format = request.format;
  let history;
  try {
    format ??= detectHistoryFormat(text);
    history = readHistory(text, { model: request.model, format });
  } catch (error) {
    if (!isHistorySyntaxError(error)) throw error;
    io.err(`bulwark-lincheck: ${name}${format === undefined ? '' : ` (read as ${FORMAT_NAMES[format]})`}: ${error.message}`);
    return LINCHECK_EXIT.unreadable;
  }
  if (history.events === 0) {
    io.err(`bulwark-lincheck: ${name} (read as ${FORMAT_NAMES[format]}): no events in it`);
    return LINCHECK_EXIT.unreadable;
  }
  const { model, operations } = history;
  const result = checkLinearizability(model, operations, { timeoutMs: request.timeLimitMs, clock: io.clock, maxConfigurations: request.maxConfigurations });
  const keys = (count: number) => (model.partitionKey === undefined ? '' : ` on ${count} key${count === 1 ? '' : 's'}`);
  switch (result.result) {
    case 'ok':
      io.out(`linearizable\n${operations.length} operations${keys(result.partitions.length)}, read as ${FORMAT_NAMES[format]}`);
      return LINCHECK_EXIT.linearizable;
    case 'illegal':
      io.out(`not linearizable\n${describeViolation(result.violation)}`);
      return LINCHECK_EXIT.notLinearizable;
    default: {
      const part = model.partitionKey === undefined ? '' : `; ${result.partitionsChecked} of ${result.partitionCount} keys were found linearizable before it gave up`;
      const why =
        result.reason === 'timeout'
          ? `no answer within the time limit of ${result.timeoutMs} ms`
          : `no answer within ${result.maxConfigurations.toLocaleString('en-US')} configurations of the search (its memory bound)`;
      io.out(`unknown\n${why}${part}`);
      return LINCHECK_EXIT.unknown;
    }
  }
}

/** A file-system error as a few words, without its stack. */
function readProblem(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

/**
 * The real {@link LincheckIo}: the file system, `process.stdin`, `process.stdout` and
 * `process.stderr`.
 *
 * @example
 * process.exitCode = await runLincheck(process.argv.slice(2), nodeLincheckIo());
 */
export function nodeLincheckIo(): LincheckIo {
  return {
    readFile: (path) => readFile(path, 'utf8'),
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    },
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  };
}
