import { parseEdnHistory } from './edn-history.js';

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

  it('reads an empty map and an empty text', () => {
    expect(parseEdnHistory('{}\n')).toEqual([{}]);
    expect(parseEdnHistory('')).toEqual([]);
  });

  it.each([
    ['(:a 1)', "EDN line 1, column 1: expected '{', found \"(\""],
    ['{"a" 1}', 'EDN line 1, column 2: expected a keyword key, found "\\""'],
    ['{:a 1 2 3}', 'EDN line 1, column 7: expected a keyword key, found "2"'],
    ['{:a [1]}', 'EDN line 1, column 5: expected a value, found "["'],
    ['{:a sym}', 'EDN line 1, column 5: expected a string, keyword, number, nil, true or false, found "s"'],
    ['{:a "open', 'EDN line 1, column 10: expected a closing quote, found the end of the line'],
    ['{:a "\\q"}', 'EDN line 1, column 7: expected a known escape (\\" \\\\ \\n \\t \\r), found "q"'],
    ['{:a 1', 'EDN line 1, column 6: expected a value, found the end of the line'],
    ['{:a 1} x', 'EDN line 1, column 8: expected the end of the line, found "x"'],
  ])('rejects %s', (line, message) => {
    expect(() => parseEdnHistory(line)).toThrow(new SyntaxError(message));
  });

  it('names the line of the error', () => {
    expect(() => parseEdnHistory('{:a 1}\n\n{:a}')).toThrow(/^EDN line 3, column 4: expected a value/);
  });
});
