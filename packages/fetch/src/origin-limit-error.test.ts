import { OriginLimitError, isOriginLimitError } from './origin-limit-error.js';

describe('OriginLimitError', () => {
  it('names the origin and the bound', () => {
    const error = new OriginLimitError('https://c.example', 2);
    expect(error).toMatchObject({ name: 'OriginLimitError', code: 'EORIGINLIMIT', origin: 'https://c.example', maxOrigins: 2 });
    expect(error.message).toMatch(/^createFetch: options\.maxOrigins \(2\) reached: refused a request to the new origin https:\/\/c\.example/);
    expect(isOriginLimitError(error)).toBe(true);
    expect(isOriginLimitError(new Error(error.message))).toBe(false);
  });
});
