/**
 * Checks a recorded chaos history exactly as `bulwark-lincheck --model kv FILE` would: the
 * JSON-lines text is read back with `readHistory`, then checked per key.
 */
import { checkLinearizability, describeViolation, readHistory } from '@bulwark/core/testing';

/** The checker's verdict on a history. */
export type HistoryVerdict =
  | { readonly result: 'ok'; readonly operations: number; readonly unknown: number; readonly keys: number; readonly checkMs: number }
  | { readonly result: 'illegal'; readonly operations: number; readonly unknown: number; readonly keys: number; readonly checkMs: number; readonly explanation: string }
  | { readonly result: 'unknown'; readonly operations: number; readonly unknown: number; readonly keys: number; readonly checkMs: number; readonly explanation: string };

/**
 * Reads `jsonl` as a kv history and checks it.
 *
 * @param options.timeoutMs give up after this long and answer `unknown` (default 120 000)
 * @param options.now the clock for `checkMs` (default `performance.now()`)
 * @throws HistorySyntaxError if the text is not a well-formed history (a recorder bug)
 * @example
 * checkHistory(recorder.toJsonl()).result; // 'ok'
 */
export function checkHistory(jsonl: string, options: { readonly timeoutMs?: number; readonly now?: () => number } = {}): HistoryVerdict {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const { model, operations } = readHistory(jsonl, { model: 'kv', format: 'jsonl' });
  const shape = {
    operations: operations.length,
    unknown: operations.filter((o) => o.unknown === true).length,
    keys: new Set(operations.map((o) => o.input.key)).size,
  };
  const verdict = checkLinearizability(model, operations, { timeoutMs: options.timeoutMs ?? 120_000, clock: { now } });
  const checkMs = now() - started;
  switch (verdict.result) {
    case 'ok':
      return { result: 'ok', ...shape, checkMs };
    case 'illegal':
      return { result: 'illegal', ...shape, checkMs, explanation: describeViolation(verdict.violation) };
    default:
      return {
        result: 'unknown',
        ...shape,
        checkMs,
        explanation:
          verdict.reason === 'timeout'
            ? `the search gave up after ${verdict.timeoutMs} ms (${verdict.partitionsChecked} of ${verdict.partitionCount} keys checked)`
            : `the search reached ${verdict.maxConfigurations} configurations on one key (${verdict.partitionsChecked} of ${verdict.partitionCount} keys checked)`,
      };
  }
}
