import { tokenMatches } from './operator-token.js';

describe('tokenMatches', () => {
  const token = 'the-cluster-token-123';
  it('accepts exactly Bearer <token>', () => {
    expect(tokenMatches(`Bearer ${token}`, token)).toBe(true);
    expect(tokenMatches(`bearer ${token}`, token)).toBe(true);
  });
  it.each([undefined, '', token, `Bearer ${token}x`, `Bearer ${token.slice(1)}`, 'Bearer ', `Basic ${token}`, `Bearer ${token} extra`])('refuses %j', (header) => {
    expect(tokenMatches(header, token)).toBe(false);
  });
});
