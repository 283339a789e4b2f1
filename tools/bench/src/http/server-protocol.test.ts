import { isServerMessage, isStatsRequest } from './server-protocol.js';

describe('isServerMessage', () => {
  it('accepts the three messages a server sends', () => {
    expect(isServerMessage({ type: 'ready', port: 40_123 })).toBe(true);
    expect(isServerMessage({ type: 'stats', policies: [] })).toBe(true);
    expect(isServerMessage({ type: 'stats', policies: [{ kind: 'bulkhead', name: 'a', description: 'bulkhead(1)', accepted: 1, rejected: 0 }] })).toBe(true);
    expect(isServerMessage({ type: 'failed', message: 'EADDRINUSE' })).toBe(true);
  });

  it('refuses malformed ones', () => {
    for (const bad of [
      null,
      'ready',
      { type: 'ready' },
      { type: 'ready', port: 0 },
      { type: 'ready', port: 1.5 },
      { type: 'stats' },
      { type: 'stats', policies: [{ kind: 'bulkhead' }] },
      { type: 'failed' },
      { type: 'hello' },
    ]) {
      expect(isServerMessage(bad)).toBe(false);
    }
  });
});

describe('isStatsRequest', () => {
  it('accepts { type: "stats" } only', () => {
    expect(isStatsRequest({ type: 'stats' })).toBe(true);
    expect(isStatsRequest({ type: 'ready' })).toBe(false);
    expect(isStatsRequest(undefined)).toBe(false);
  });
});
