/** A scalar value of an EDN history line; keywords become strings without their colon. */
export type EdnValue = string | number | boolean | null;

/** One EDN map of a history line, such as `{:process 0, :type :invoke, :f :get, :key "1", :value nil}`. */
export type EdnMap = Record<string, EdnValue>;

/**
 * Parses a Jepsen-style history with one flat EDN map per line (Porcupine's `test_data/kv`
 * format): keyword keys; values that are strings, keywords, integers, decimals, `nil`, `true` or
 * `false`. Blank lines are skipped. Only this subset of EDN is read: no nested collections.
 *
 * @throws SyntaxError naming the line and column of anything else
 * @example
 * parseEdnHistory('{:process 0, :type :ok, :f :get, :key "1", :value ""}');
 * // [{ process: 0, type: 'ok', f: 'get', key: '1', value: '' }]
 */
export function parseEdnHistory(text: string): EdnMap[] {
  const maps: EdnMap[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() !== '') maps.push(new LineParser(line, index + 1).map());
  });
  return maps;
}

const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r' };
const SYMBOL = /[^\s,{}[\]()"]+/y;

class LineParser {
  private at = 0;

  constructor(
    private readonly text: string,
    private readonly line: number,
  ) {}

  map(): EdnMap {
    this.expect('{');
    const map: EdnMap = {};
    for (this.skip(); this.text[this.at] !== '}'; this.skip()) {
      const start = this.at;
      const key = this.value();
      if (typeof key !== 'string' || !this.wasKeyword) {
        this.at = start;
        this.fail('a keyword key');
      }
      this.skip();
      map[key] = this.value();
    }
    this.at++;
    this.skip();
    if (this.at < this.text.length) this.fail('the end of the line');
    return map;
  }

  private wasKeyword = false;

  private value(): EdnValue {
    this.wasKeyword = false;
    const { text } = this;
    if (text[this.at] === '"') return this.string();
    SYMBOL.lastIndex = this.at;
    const token = SYMBOL.exec(text)?.[0];
    if (token === undefined) this.fail('a value');
    this.at += token.length;
    if (token.startsWith(':') && token.length > 1) {
      this.wasKeyword = true;
      return token.slice(1);
    }
    if (token === 'nil') return null;
    if (token === 'true' || token === 'false') return token === 'true';
    if (/^[-+]?\d+(\.\d+)?$/.test(token)) return Number(token);
    this.at -= token.length;
    return this.fail('a string, keyword, number, nil, true or false');
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

  /** Skips whitespace and commas (whitespace in EDN). */
  private skip(): void {
    while (this.at < this.text.length && /[\s,]/.test(this.text[this.at])) this.at++;
  }

  private expect(c: string): void {
    this.skip();
    if (this.text[this.at] !== c) this.fail(`'${c}'`);
    this.at++;
  }

  private fail(expected: string): never {
    const found = this.at < this.text.length ? JSON.stringify(this.text[this.at]) : 'the end of the line';
    throw new SyntaxError(`EDN line ${this.line}, column ${this.at + 1}: expected ${expected}, found ${found}`);
  }
}
