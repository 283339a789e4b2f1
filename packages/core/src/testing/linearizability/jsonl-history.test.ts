import { jsonlEvents } from './jsonl-history.js';

describe('jsonlEvents', () => {
  it('reads one object per non-blank line, keeping the Jepsen fields and the line', () => {
    const text = '\n{"process": 0, "type": "invoke", "f": "cas", "key": "k", "value": ["a", "b"], "time": 12}\r\n  \n{"process": "p", "type": "ok"}';
    expect(jsonlEvents(text)).toEqual([
      { line: 2, process: 0, type: 'invoke', f: 'cas', key: 'k', value: ['a', 'b'] },
      { line: 4, process: 'p', type: 'ok', f: undefined, key: undefined, value: undefined },
    ]);
  });

  it.each([
    ['{"process": 0,', /^line 2: not valid JSON: /],
    ['[1, 2]', 'line 2: expected a JSON object, found an array'],
    ['"text"', 'line 2: expected a JSON object, found "text"'],
    ['null', 'line 2: expected a JSON object, found null'],
  ])('rejects %s, naming its line', (line, message) => {
    expect(() => jsonlEvents(`{"process": 1}\n${line}`)).toThrow(typeof message === 'string' ? new SyntaxError(message) : message);
  });
});
