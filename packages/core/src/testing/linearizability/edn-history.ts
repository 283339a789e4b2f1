import { HistorySyntaxError } from './history-syntax-error.js';
import type { RecordedEvent } from './recorded-event.js';

/**
 * A value of an EDN history line. Keywords and symbols become strings without their colon;
 * vectors, lists and sets become arrays; `nil` is `null`; a tagged value (`#inst "…"`) is the
 * value without its tag.
 */
export type EdnValue = string | number | boolean | null | readonly EdnValue[] | EdnMap;

/** An EDN map, such as `{:process 0, :type :invoke, :f :get, :key "1", :value nil}`: keys as strings. */
export interface EdnMap {
  readonly [key: string]: EdnValue;
}

/**
 * Parses a Jepsen-style history with one EDN map per line (Jepsen's `history.edn`, Porcupine's
 * `test_data/kv`). Keys are keywords, strings or integers; values are strings, keywords,
 * symbols, integers, decimals, `nil`, `true`, `false`, and vectors, lists, sets and maps of
 * those; a tag before a value or before the line's map (`#jepsen.history.Op{…}`) is dropped.
 * Blank lines and `;` comments are skipped.
 *
 * @throws HistorySyntaxError naming the line and column of anything else
 * @example
 * parseEdnHistory('{:process 0, :type :ok, :f :cas, :key "1", :value [1 2]}');
 * // [{ process: 0, type: 'ok', f: 'cas', key: '1', value: [1, 2] }]
 */
export function parseEdnHistory(text: string): EdnMap[] {
  const maps: EdnMap[] = [];
  splitLines(text).forEach((line, index) => {
    const reader = new EdnReader(line, index + 1);
    if (reader.atEnd()) return;
    maps.push(reader.lineMap());
  });
  return maps;
}

/** The lines of a text, without a byte-order mark or the `\r` of CRLF line ends. */
export function splitLines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r?\n/);
}

const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r' };
/** A token: a symbol, keyword, number, `nil`, `true` or `false` (what is left once strings and brackets are taken). */
const TOKEN = /[^\s,{}[\]()";]+/y;
const NUMBER = /^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?[NM]?$/;
const CLOSING: Readonly<Record<string, string>> = { '[': ']', '(': ')', '{': '}' };

/**
 * Reads EDN values from one line, left to right. `at` is the index of the next character; the
 * reader throws {@link HistorySyntaxError} with the line and column of whatever it cannot read.
 */
export class EdnReader {
  at = 0;
  private readonly text: string;
  private readonly line: number;

  /**
   * @param text one line
   * @param line its 1-based line number, for errors
   */
  constructor(text: string, line: number) {
    this.text = text;
    this.line = line;
  }

  /** Skips whitespace, commas and a comment; whether the line is used up. */
  atEnd(): boolean {
    this.skip();
    return this.at >= this.text.length;
  }

  /** A whole line that is one map (optionally tagged), with nothing after it. */
  lineMap(): EdnMap {
    this.skip();
    this.skipTag();
    if (this.text[this.at] !== '{') this.fail("'{'");
    const map = this.map();
    if (!this.atEnd()) this.fail('the end of the line');
    return map;
  }

  /** The next value. */
  value(): EdnValue {
    this.skip();
    this.skipTag();
    const c = this.text[this.at];
    if (c === '"') return this.string();
    if (c === '{') return this.map();
    if (c === '[' || c === '(') return this.sequence(CLOSING[c]);
    if (c === '#' && this.text[this.at + 1] === '{') {
      this.at++;
      return this.sequence('}');
    }
    TOKEN.lastIndex = this.at;
    const token = TOKEN.exec(this.text)?.[0];
    if (token === undefined) return this.fail('a value');
    this.at += token.length;
    if (token === 'nil') return null;
    if (token === 'true' || token === 'false') return token === 'true';
    if (NUMBER.test(token)) return Number(token.replace(/[NM]$/, ''));
    // A keyword (`:invoke`) or a symbol (`java.net.SocketTimeoutException`, `\c`): its name.
    return token.startsWith(':') && token.length > 1 ? token.slice(1) : token;
  }

  private map(): EdnMap {
    this.at++; // '{'
    const map: Record<string, EdnValue> = {};
    for (;;) {
      this.skip();
      if (this.text[this.at] === '}') break;
      const start = this.at;
      const key = this.value();
      if (typeof key !== 'string' && typeof key !== 'number') {
        this.at = start;
        this.fail('a keyword, string or number key');
      }
      this.skip();
      if (this.text[this.at] === '}') this.fail(`a value for key ${JSON.stringify(String(key))}`);
      map[String(key)] = this.value();
    }
    this.at++;
    return map;
  }

  private sequence(closing: string): EdnValue[] {
    this.at++; // the opening bracket
    const items: EdnValue[] = [];
    for (;;) {
      this.skip();
      if (this.text[this.at] === closing) break;
      if (this.at >= this.text.length) this.fail(`'${closing}'`);
      items.push(this.value());
    }
    this.at++;
    return items;
  }

  private string(): string {
    const { text } = this;
    let out = '';
    for (this.at++; this.at < text.length; this.at++) {
      const c = text[this.at];
      if (c === '"') {
        this.at++;
        return out;
      }
      if (c === '\\') {
        const escaped = ESCAPES[text[++this.at]];
        if (escaped === undefined) this.fail('a known escape (\\" \\\\ \\n \\t \\r)');
        out += escaped;
      } else {
        out += c;
      }
    }
    return this.fail('a closing quote');
  }

  /** Skips a tag (`#inst`, `#jepsen.history.Op`) before a value. */
  private skipTag(): void {
    while (this.text[this.at] === '#' && this.text[this.at + 1] !== '{') {
      TOKEN.lastIndex = this.at + 1;
      const tag = TOKEN.exec(this.text)?.[0];
      if (tag === undefined) this.fail('a tag after #');
      this.at += 1 + tag.length;
      this.skip();
    }
  }

  /**
   * Skips whitespace and commas (whitespace in EDN), a `;` comment to the end of the line, and a
   * discarded value (`#_ x`).
   */
  private skip(): void {
    const { text } = this;
    while (this.at < text.length) {
      const c = text[this.at];
      if (c === ';') {
        this.at = text.length;
      } else if (c === ' ' || c === ',' || c === '\t' || c === '\r' || c === '\n' || c === '\f') {
        this.at++;
      } else if (c === '#' && text[this.at + 1] === '_') {
        this.at += 2;
        this.value();
      } else {
        break;
      }
    }
  }

  private fail(expected: string): never {
    const found = this.at < this.text.length ? JSON.stringify(this.text[this.at]) : 'the end of the line';
    throw new HistorySyntaxError(`expected ${expected}, found ${found}`, this.line, this.at + 1);
  }
}

/**
 * The events of an EDN history, one map per non-blank line, with their line numbers (see
 * {@link RecordedEvent}).
 *
 * @throws HistorySyntaxError for a line that is not one map
 */
export function ednEvents(text: string): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  splitLines(text).forEach((lineText, index) => {
    const reader = new EdnReader(lineText, index + 1);
    if (reader.atEnd()) return;
    const map = reader.lineMap();
    events.push({ line: index + 1, process: map.process, type: map.type, f: map.f, key: map.key, value: map.value });
  });
  return events;
}
