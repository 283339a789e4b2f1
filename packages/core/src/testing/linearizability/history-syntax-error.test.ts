import { HistorySyntaxError, isHistorySyntaxError } from './history-syntax-error.js';

describe('HistorySyntaxError', () => {
  it('puts the place in front of the problem, and keeps both as data', () => {
    expect(new HistorySyntaxError('expected a value', 3, 7)).toMatchObject({
      message: 'line 3, column 7: expected a value',
      line: 3,
      column: 7,
      code: 'EHISTORYSYNTAX',
      name: 'HistorySyntaxError',
    });
    expect(new HistorySyntaxError('bad type', 2).message).toBe('line 2: bad type');
    expect(new HistorySyntaxError('the history is empty')).toMatchObject({ message: 'the history is empty', line: undefined, column: undefined });
  });

  it('is a SyntaxError, and the guard tells it from other errors', () => {
    const error = new HistorySyntaxError('x', 1);
    expect(error).toBeInstanceOf(SyntaxError);
    expect(String(error)).toBe('HistorySyntaxError: line 1: x');
    expect(isHistorySyntaxError(error)).toBe(true);
    expect(isHistorySyntaxError(new SyntaxError('x'))).toBe(false);
    expect(isHistorySyntaxError({ code: 'EHISTORYSYNTAX' })).toBe(false);
    expect(isHistorySyntaxError(undefined)).toBe(false);
  });
});
