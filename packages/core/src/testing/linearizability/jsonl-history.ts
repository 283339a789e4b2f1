import { splitLines } from './edn-history.js';
import { HistorySyntaxError } from './history-syntax-error.js';
import type { RecordedEvent } from './recorded-event.js';

/**
 * The events of a JSON-lines history: one JSON object per non-blank line, with the fields
 * `process`, `type`, `f`, and optionally `key` and `value`; other fields (`time`, `index`) are
 * ignored.
 *
 * @throws HistorySyntaxError for a line that is not a JSON object
 * @example
 * jsonlEvents('{"process": 0, "type": "invoke", "f": "put", "key": "x", "value": "1"}');
 * // [{ line: 1, process: 0, type: 'invoke', f: 'put', key: 'x', value: '1' }]
 */
export function jsonlEvents(text: string): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  splitLines(text).forEach((lineText, index) => {
    const line = index + 1;
    if (lineText.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(lineText);
    } catch (error) {
      throw new HistorySyntaxError(`not valid JSON: ${(error as Error).message}`, line);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new HistorySyntaxError(`expected a JSON object, found ${Array.isArray(parsed) ? 'an array' : JSON.stringify(parsed)}`, line);
    }
    const { process, type, f, key, value } = parsed as Record<string, unknown>;
    events.push({ line, process, type, f, key, value });
  });
  return events;
}
