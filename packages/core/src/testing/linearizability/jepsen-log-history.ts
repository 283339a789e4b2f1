import { EdnReader, splitLines } from './edn-history.js';
import type { EdnValue } from './edn-history.js';
import { HistorySyntaxError } from './history-syntax-error.js';
import type { RecordedEvent } from './recorded-event.js';

/** Where an operation line's fields start: after jepsen.util's logger name. */
export const JEPSEN_UTIL_MARKER = /\bjepsen\.util\s+-\s+/;

/**
 * The events of a Jepsen log (`jepsen.log`, and the etcd histories in Porcupine's
 * `test_data/jepsen`): the lines logged by `jepsen.util`, whose fields after `jepsen.util - ` are
 * the process, type, `f` and value in EDN, separated by tabs or spaces:
 *
 *     INFO  jepsen.util - 3	:invoke	:cas	[1 4]
 *     INFO  jepsen.util - 3	:info	:cas	:timed-out
 *
 * Whatever precedes the logger name (a timestamp, a thread) and follows the value (an error
 * message) is ignored, and so are the lines of other loggers.
 *
 * @throws HistorySyntaxError for a `jepsen.util` line whose fields are not EDN values
 * @example
 * jepsenLogEvents('INFO  jepsen.util - 0\t:ok\t:read\t3');
 * // [{ line: 1, process: 0, type: 'ok', f: 'read', key: undefined, value: 3 }]
 */
export function jepsenLogEvents(text: string): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  splitLines(text).forEach((lineText, index) => {
    const found = JEPSEN_UTIL_MARKER.exec(lineText);
    if (found === null) return;
    const line = index + 1;
    const reader = new EdnReader(lineText, line);
    reader.at = found.index + found[0].length;
    const fields: EdnValue[] = [];
    for (const name of ['process', 'type', 'f', 'value']) {
      if (reader.atEnd()) throw new HistorySyntaxError(`expected the ${name} after "jepsen.util - ", found the end of the line`, line, reader.at + 1);
      fields.push(reader.value());
    }
    const [process, type, f, value] = fields;
    events.push({ line, process, type, f, key: undefined, value });
  });
  return events;
}
