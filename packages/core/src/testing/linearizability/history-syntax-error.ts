/**
 * A history text that cannot be read: a line that is not an event of its format, or an event
 * that does not fit the history (a completion with no operation open, an operation the model
 * does not have). The message starts with the place: `line 12, column 5: …`, or has no place when
 * the problem is the whole text (an empty history).
 *
 * It extends `SyntaxError`, as `JSON.parse`'s errors do, rather than `BulwarkError`: it is about
 * the input, and `instanceof SyntaxError` is what callers of a parser test for.
 *
 * @example
 * try {
 *   readHistory(text, { model: 'kv' });
 * } catch (error) {
 *   if (isHistorySyntaxError(error)) console.error(`history.edn: ${error.message}`); // history.edn: line 3: …
 * }
 */
export class HistorySyntaxError extends SyntaxError {
  readonly code = 'EHISTORYSYNTAX' as const;
  /** The 1-based line of the problem; `undefined` when it is the whole text. */
  readonly line: number | undefined;
  /** The 1-based column, where the parser knows it. */
  readonly column: number | undefined;

  /**
   * @param problem what is wrong, without the place (the message gets it in front)
   * @param line 1-based line, or `undefined` for the whole text
   * @param column 1-based column, if known
   */
  constructor(problem: string, line?: number, column?: number) {
    const place = line === undefined ? '' : column === undefined ? `line ${line}: ` : `line ${line}, column ${column}: `;
    super(`${place}${problem}`);
    this.line = line;
    this.column = column;
  }
}
Object.defineProperty(HistorySyntaxError.prototype, 'name', { value: 'HistorySyntaxError', configurable: true, writable: true });

/**
 * True when `value` is a {@link HistorySyntaxError} (checked by `code`, so it holds across two
 * copies of the package).
 *
 * @example
 * isHistorySyntaxError(new HistorySyntaxError('expected a value', 3)); // true
 */
export function isHistorySyntaxError(value: unknown): value is HistorySyntaxError {
  return value instanceof SyntaxError && (value as { code?: unknown }).code === 'EHISTORYSYNTAX';
}
