import { formatHistoryEvent } from './sim-client.js';

describe('formatHistoryEvent', () => {
  it.each([
    [{ atMs: 5, process: 'c1', type: 'invoke', input: { op: 'get', key: 'k1' } }, '      5ms c1 invoke get(k1)'],
    [{ atMs: 6, process: 'c1', type: 'invoke', input: { op: 'append', key: 'k1', value: '1.2 ' } }, '      6ms c1 invoke append(k1, "1.2 ")'],
    [{ atMs: 7, process: 'c2', type: 'invoke', input: { op: 'cas', key: 'k2', expected: '', value: 'x' } }, '      7ms c2 invoke cas(k2, "", "x")'],
    [{ atMs: 8, process: 'c2', type: 'invoke', input: { op: 'delete', key: 'k2' } }, '      8ms c2 invoke delete(k2)'],
    [{ atMs: 9, process: 'c1', type: 'ok', output: 'ab' }, '      9ms c1 ok "ab"'],
    [{ atMs: 10, process: 'c2', type: 'ok', output: true }, '     10ms c2 ok true'],
    [{ atMs: 11, process: 'c3', type: 'ok' }, '     11ms c3 ok'],
    [{ atMs: 12, process: 'c3', type: 'info' }, '     12ms c3 info'],
    [{ atMs: 13, process: 'c3', type: 'fail' }, '     13ms c3 fail'],
  ] as const)('formats %j', (event, line) => {
    expect(formatHistoryEvent(event)).toBe(line);
  });
});
