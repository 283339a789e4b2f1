import { EdnReader, ednEvents, parseEdnHistory, splitLines } from './edn-history.js';
import { HistorySyntaxError } from './history-syntax-error.js';

describe('parseEdnHistory', () => {
  it('reads one flat map per line, with keywords as strings and nil as null', () => {
    const text = [
      '{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}',
      '',
      '{:process 12 :type :ok :f :get :key "9" :value nil}',
      '  {:n -3, :x 1.5, :yes true, :no false, :s "a \\"quoted\\" \\\\ line\\n"}  ',
    ].join('\n');
    expect(parseEdnHistory(text)).toEqual([
      { process: 0, type: 'invoke', f: 'append', key: '0', value: 'x 0 0 y' },
      { process: 12, type: 'ok', f: 'get', key: '9', value: null },
      { n: -3, x: 1.5, yes: true, no: false, s: 'a "quoted" \\ line\n' },
    ]);
  });

  it('reads nested vectors, lists, sets and maps, as Jepsen writes cas values and errors', () => {
    expect(parseEdnHistory('{:f :cas, :value [1 2], :error (:timeout "slow"), :s #{:a}, :m {:a [nil]}, :e []}')).toEqual([
      { f: 'cas', value: [1, 2], error: ['timeout', 'slow'], s: ['a'], m: { a: [null] }, e: [] },
    ]);
  });

  it('reads string and number keys, symbols, big numbers, exponents, tags, discards and comments', () => {
    const line = '#jepsen.history.Op{"k" 1, 7 2N, :t #inst "2024-01-01", :d 1.5e3M, :x java.net.SocketTimeout #_ :gone} ; a comment';
    expect(parseEdnHistory(line)).toEqual([{ k: 1, 7: 2, t: '2024-01-01', d: 1500, x: 'java.net.SocketTimeout' }]);
  });

  it('reads an empty map and an empty text, and skips comment lines, a BOM and CRLF line ends', () => {
    expect(parseEdnHistory('{}\n')).toEqual([{}]);
    expect(parseEdnHistory('')).toEqual([]);
    expect(parseEdnHistory('\uFEFF; history\r\n{:a 1}\r\n')).toEqual([{ a: 1 }]);
  });

  it.each([
    ['(:a 1)', "line 1, column 1: expected '{', found \"(\""],
    ['{[1] 1}', 'line 1, column 2: expected a keyword, string or number key, found "["'],
    ['{:a [1}', 'line 1, column 7: expected a value, found "}"'],
    ['{:a [1', "line 1, column 7: expected ']', found the end of the line"],
    ['{:a "open', 'line 1, column 10: expected a closing quote, found the end of the line'],
    ['{:a "\\q"}', 'line 1, column 7: expected a known escape (\\" \\\\ \\n \\t \\r), found "q"'],
    ['{:a 1', 'line 1, column 6: expected a value, found the end of the line'],
    ['{:a}', 'line 1, column 4: expected a value for key "a", found "}"'],
    ['{:a 1} x', 'line 1, column 8: expected the end of the line, found "x"'],
    ['{:a # 1}', 'line 1, column 5: expected a tag after #, found "#"'],
  ])('rejects %s', (line, message) => {
    expect(() => parseEdnHistory(line)).toThrow(new SyntaxError(message));
  });

  it('throws a HistorySyntaxError, a SyntaxError, with the line and column', () => {
    let thrown: unknown;
    try {
      parseEdnHistory('{:a 1}\n\n{:a}');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(HistorySyntaxError);
    expect(thrown).toBeInstanceOf(SyntaxError);
    expect(thrown).toMatchObject({ line: 3, column: 4, code: 'EHISTORYSYNTAX', name: 'HistorySyntaxError' });
  });
});

describe('ednEvents', () => {
  it('gives each map its line and Jepsen fields, missing ones undefined', () => {
    expect(ednEvents('\n{:process 0, :type :invoke, :f :read, :time 5}\n{:process :nemesis, :type :info, :f :start, :value nil}')).toEqual([
      { line: 2, process: 0, type: 'invoke', f: 'read', key: undefined, value: undefined },
      { line: 3, process: 'nemesis', type: 'info', f: 'start', key: undefined, value: null },
    ]);
  });
});

describe('EdnReader', () => {
  it('reads values one after the other from a position, and tells the end of the line', () => {
    const reader = new EdnReader('x - 3\t:invoke\t[1 2] more', 1);
    reader.at = 4;
    expect([reader.value(), reader.value(), reader.value()]).toEqual([3, 'invoke', [1, 2]]);
    expect(reader.atEnd()).toBe(false);
    expect(reader.value()).toBe('more');
    expect(reader.atEnd()).toBe(true);
  });
});

describe('splitLines', () => {
  it('splits on LF and CRLF and drops a byte-order mark', () => {
    expect(splitLines('\uFEFFa\r\nb\nc')).toEqual(['a', 'b', 'c']);
  });
});
