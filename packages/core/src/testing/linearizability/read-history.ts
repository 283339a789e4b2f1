import type { CasRegisterOutput } from './cas-register-model.js';
import { ednEvents, splitLines } from './edn-history.js';
import type { ClientId, HistoryOperation } from './history-operation.js';
import { HISTORY_MODEL_READERS, HISTORY_MODELS } from './history-models.js';
import type { HistoryModelName, HistoryModelReader, HistoryScalar, KeyedCasRegisterInput, KeyedRegisterInput } from './history-models.js';
import { HistorySyntaxError } from './history-syntax-error.js';
import { JEPSEN_UTIL_MARKER, jepsenLogEvents } from './jepsen-log-history.js';
import { jsonlEvents } from './jsonl-history.js';
import type { KvInput, KvOutput } from './kv-model.js';
import { describeValue } from './linearizability-model.js';
import type { LinearizabilityModel } from './linearizability-model.js';
import type { RecordedEvent } from './recorded-event.js';

/** The text formats of a recorded history; see {@link readHistory}. */
export type HistoryFormat = 'jsonl' | 'edn' | 'jepsen-log';

/** Every {@link HistoryFormat}. */
export const HISTORY_FORMATS: readonly HistoryFormat[] = Object.freeze(['jsonl', 'edn', 'jepsen-log']);

/** Options of {@link readHistory}. */
export interface ReadHistoryOptions<M extends HistoryModelName = HistoryModelName> {
  /** What the history is of; decides which operations and values are accepted. Required. */
  readonly model: M;
  /** The text's format (default: {@link detectHistoryFormat}). */
  readonly format?: HistoryFormat;
}

/** What {@link readHistory} read: the operations and the model to check them against. */
export interface ReadHistoryResult<S, I, O> {
  /** The format read (detected, or the one given). */
  readonly format: HistoryFormat;
  /**
   * The model to pass to {@link checkLinearizability} with `operations`: `kvModel()`, or
   * `registerModel(null)` / `casRegisterModel(null)`, split per key when some operation had one.
   */
  readonly model: LinearizabilityModel<S, I, O>;
  /** The operations in invocation order: `fail`ed ones left out, `info` and unfinished ones unknown. */
  readonly operations: HistoryOperation<I, O>[];
  /** How many events (invocations and completions) the text held, not counting the nemesis's. */
  readonly events: number;
}

/**
 * Tells a history's format from its first non-blank line: a JSON object (`{"…`) is `jsonl`, an
 * EDN map (`{:…`, or a tagged `#…{`) is `edn`; otherwise a text with a `jepsen.util - ` line is a
 * `jepsen-log`.
 *
 * @throws HistorySyntaxError if the text is blank or is none of these
 * @example
 * detectHistoryFormat('{:process 0, :type :invoke, :f :read, :value nil}'); // 'edn'
 */
export function detectHistoryFormat(text: string): HistoryFormat {
  const lines = splitLines(text);
  const index = lines.findIndex((line) => line.trim() !== '');
  if (index < 0) throw new HistorySyntaxError('the history is empty');
  const first = lines[index].trim();
  if (first.startsWith('{')) return first.slice(1).trimStart().startsWith('"') ? 'jsonl' : 'edn';
  if (first.startsWith('#')) return 'edn';
  if (lines.some((line) => JEPSEN_UTIL_MARKER.test(line))) return 'jepsen-log';
  throw new HistorySyntaxError(
    `cannot tell the history's format: the line is not a JSON object, not an EDN map, and no line is a jepsen.util log line; name the format (${HISTORY_FORMATS.join(', ')})`,
    index + 1,
  );
}

/**
 * Reads a recorded history, one event per line, into operations for {@link checkLinearizability}.
 * Three formats (see {@link detectHistoryFormat}), all with Jepsen's fields: `process`, `type`
 * (`invoke`, then `ok`, `fail` or `info` from the same process), `f` (the operation), `value`, and,
 * optionally, `key`:
 *
 * - `jsonl`: `{"process": 0, "type": "invoke", "f": "put", "key": "x", "value": "1"}`
 * - `edn`: `{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}`
 * - `jepsen-log`: `INFO  jepsen.util - 3	:invoke	:cas	[1 4]` (fields after the logger name)
 *
 * An invocation carries the argument (`put`'s value, a cas's `[expected new]`), the `ok` a read's
 * result; an `ok` cas swapped. `fail` drops the operation (it did not take effect), `info` and an
 * invocation left open make its outcome unknown. The `kv` model reads `get`/`read`, `put`/`write`,
 * `append`, `cas` and `delete` on string values (a `nil` result reads as `''`) and needs keys;
 * `register` reads `read`/`get` and `write`/`put`, `cas-register` also `cas`, on scalar values
 * starting from `nil`, one register per key when the events have keys. Events of the `nemesis`
 * process are skipped. An event's position is its time.
 *
 * @throws TypeError if `options.model` or `options.format` is not one of the names above
 * @throws HistorySyntaxError naming the line of an event that cannot be read, or that does not
 *   fit (a second invocation while one is open, a completion with none open, an operation the
 *   model does not have, a value of the wrong kind)
 * @example
 * const { model, operations } = readHistory(readFileSync('history.edn', 'utf8'), { model: 'kv' });
 * checkLinearizability(model, operations).result; // 'ok'
 */
export function readHistory(text: string, options: ReadHistoryOptions<'kv'>): ReadHistoryResult<string, KvInput, KvOutput>;
export function readHistory(text: string, options: ReadHistoryOptions<'register'>): ReadHistoryResult<HistoryScalar, KeyedRegisterInput, HistoryScalar | undefined>;
export function readHistory(
  text: string,
  options: ReadHistoryOptions<'cas-register'>,
): ReadHistoryResult<HistoryScalar, KeyedCasRegisterInput, CasRegisterOutput<HistoryScalar>>;
export function readHistory(text: string, options: ReadHistoryOptions): ReadHistoryResult<unknown, unknown, unknown>;
export function readHistory(text: string, options: ReadHistoryOptions): ReadHistoryResult<unknown, unknown, unknown> {
  if (typeof text !== 'string') throw new TypeError(`readHistory: text must be a string, got ${typeof text}`);
  const { model, format } = options ?? {};
  if (!HISTORY_MODELS.includes(model)) {
    throw new TypeError(`readHistory: options.model must be one of ${HISTORY_MODELS.join(', ')}, got ${describeValue(model)}`);
  }
  if (format !== undefined && !HISTORY_FORMATS.includes(format)) {
    throw new TypeError(`readHistory: options.format must be one of ${HISTORY_FORMATS.join(', ')}, got ${describeValue(format)}`);
  }
  const read = format ?? detectHistoryFormat(text);
  const events = read === 'jsonl' ? jsonlEvents(text) : read === 'edn' ? ednEvents(text) : jepsenLogEvents(text);
  const reader = HISTORY_MODEL_READERS[model] as HistoryModelReader<unknown, unknown, unknown>;
  return { format: read, ...pairEvents(reader, events) };
}

interface Open<I> {
  readonly f: string;
  readonly input: I;
  readonly line: number;
  readonly call: number;
  readonly slot: number;
}

const TYPES: readonly unknown[] = ['invoke', 'ok', 'fail', 'info'];

/** Pairs each invocation with its process's next completion, checking every event on the way. */
function pairEvents<S, I, O>(
  reader: HistoryModelReader<S, I, O>,
  events: readonly RecordedEvent[],
): Omit<ReadHistoryResult<S, I, O>, 'format'> {
  const open = new Map<ClientId, Open<I>>();
  const slots: Array<HistoryOperation<I, O> | undefined> = [];
  let keyed = false;
  let time = 0;
  for (const event of events) {
    const { line } = event;
    const process = processOf(event);
    if (process === 'nemesis') continue;
    if (!TYPES.includes(event.type)) {
      throw new HistorySyntaxError(`type must be invoke, ok, fail or info, got ${describeValue(event.type ?? null)}`, line);
    }
    if (typeof event.f !== 'string') throw new HistorySyntaxError(`f must name the operation, got ${describeValue(event.f ?? null)}`, line);
    const { f } = event;
    const now = time++;
    const pending = open.get(process);
    if (event.type === 'invoke') {
      if (pending !== undefined) {
        throw new HistorySyntaxError(`process ${describeValue(process)} invokes while its operation invoked on line ${pending.line} is open`, line);
      }
      const key = keyOf(event);
      keyed ||= key !== undefined;
      open.set(process, { f, input: reader.input(f, key, event.value, line), line, call: now, slot: slots.length });
      slots.push(undefined);
      continue;
    }
    if (pending === undefined) throw new HistorySyntaxError(`process ${describeValue(process)} completes (${event.type}) with no operation open`, line);
    if (pending.f !== f) {
      throw new HistorySyntaxError(`process ${describeValue(process)} completes ${describeValue(f)}, but the operation it invoked on line ${pending.line} is ${describeValue(pending.f)}`, line);
    }
    open.delete(process);
    const base = { clientId: process, input: pending.input, call: pending.call };
    if (event.type === 'ok') slots[pending.slot] = { ...base, output: reader.output(pending.input, event.value, line), return: now };
    else if (event.type === 'info') slots[pending.slot] = { ...base, return: Infinity, unknown: true };
  }
  for (const [process, pending] of open) {
    slots[pending.slot] = { clientId: process, input: pending.input, call: pending.call, return: Infinity, unknown: true };
  }
  return { model: reader.model(keyed), operations: slots.filter((operation) => operation !== undefined), events: time };
}

function processOf(event: RecordedEvent): ClientId {
  const { process } = event;
  if (typeof process === 'string' || (typeof process === 'number' && Number.isFinite(process))) return process;
  throw new HistorySyntaxError(`process must be a number or a string, got ${describeValue(process ?? null)}`, event.line);
}

function keyOf(event: RecordedEvent): string | undefined {
  const { key } = event;
  if (key === undefined || key === null) return undefined;
  if (typeof key === 'string') return key;
  if (typeof key === 'number' && Number.isFinite(key)) return String(key);
  throw new HistorySyntaxError(`key must be a string or a number, got ${describeValue(key)}`, event.line);
}
