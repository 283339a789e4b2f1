import { jepsenLogEvents } from './jepsen-log-history.js';

describe('jepsenLogEvents', () => {
  it("reads jepsen.util's fields after the logger name, skipping other lines and trailing text", () => {
    const text = [
      'INFO  jepsen.util - 3\t:invoke\t:cas\t[1 4]',
      '2017-03-01 12:00:00,001{clojure-agent-send-off-pool-1} INFO  jepsen.core - Running test',
      '',
      '2017-03-01 12:00:00,002{pool-2} INFO jepsen.util - 3 :info :cas :timed-out indeterminate: Read timed out',
      'INFO  jepsen.util - :nemesis\t:info\t:start\tnil',
      'INFO  jepsen.util - 4\t:ok\t:read\t"x 1 y"',
    ].join('\n');
    expect(jepsenLogEvents(text)).toEqual([
      { line: 1, process: 3, type: 'invoke', f: 'cas', key: undefined, value: [1, 4] },
      { line: 4, process: 3, type: 'info', f: 'cas', key: undefined, value: 'timed-out' },
      { line: 5, process: 'nemesis', type: 'info', f: 'start', key: undefined, value: null },
      { line: 6, process: 4, type: 'ok', f: 'read', key: undefined, value: 'x 1 y' },
    ]);
  });

  it.each([
    ['INFO  jepsen.util - 3\t:invoke\t:read', 'line 1, column 36: expected the value after "jepsen.util - ", found the end of the line'],
    ['INFO  jepsen.util - ', 'line 1, column 21: expected the process after "jepsen.util - ", found the end of the line'],
    ['INFO  jepsen.util - 3\t:invoke\t:cas\t[1 4', "line 1, column 40: expected ']', found the end of the line"],
  ])('rejects %j, naming the line and column', (line, message) => {
    expect(() => jepsenLogEvents(line)).toThrow(new SyntaxError(message));
  });
});
