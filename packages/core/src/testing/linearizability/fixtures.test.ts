import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkLinearizability } from './check-linearizability.js';
import { parseEdnHistory } from './edn-history.js';
import type { EdnMap } from './edn-history.js';
import type { HistoryOperation } from './history-operation.js';
import { kvModel } from './kv-model.js';
import type { KvInput, KvOutput } from './kv-model.js';
import { describeViolation } from './linearizability-violation.js';
import { operationsFromEvents } from './operations-from-events.js';
import type { HistoryEvent } from './operations-from-events.js';

// Porcupine's KV test histories (see the README there), beside the repository: ../shared/ from
// the repository root, in CI as here.
const fixtures = fileURLToPath(new URL('../../../../../../shared/fixtures/linearizability/', import.meta.url));

/** A Jepsen KV event: `:value` is the argument on an invoke, and a get's result on its ok. */
function kvEvent(map: EdnMap): HistoryEvent<KvInput, KvOutput> {
  const { process, type, f, key, value } = map as { process: number; type: 'invoke' | 'ok' | 'fail' | 'info'; f: 'get' | 'put' | 'append'; key: string; value: string | null };
  if (type !== 'invoke') return { process, type, output: f === 'get' ? (value ?? '') : undefined };
  return { process, type, input: f === 'get' ? { op: 'get', key } : { op: f, key, value: value ?? '' } };
}

function load(name: string): HistoryOperation<KvInput, KvOutput>[] {
  return operationsFromEvents(parseEdnHistory(readFileSync(`${fixtures}${name}.edn`, 'utf8')).map(kvEvent));
}

describe("Porcupine's KV histories", () => {
  it.each([
    ['kv-c01-ok', 58, 'ok'],
    ['kv-c01-bad', 38, 'illegal'],
    ['kv-c10-ok', 337, 'ok'],
    ['kv-c10-bad', 405, 'illegal'],
  ])('%s (%i operations) is %s', (name, operations, verdict) => {
    const history = load(name);
    expect(history).toHaveLength(operations);
    expect(checkLinearizability(kvModel(), history).result).toBe(verdict);
  });

  it.each([
    ['kv-c01-bad', 5, 'client 0: get("7") → "x 0 0 y" [call 58, return 59]'],
    ['kv-c10-bad', 33, 'client 8: get("7") → "" [call 153, return 156]'],
  ])('%s: key "7" is the smallest key that is not linearizable, and the explanation says why', (name, keyOperations, blockedLine) => {
    const history = load(name);
    const result = checkLinearizability(kvModel(), history);
    if (result.result !== 'illegal') throw new Error(`expected illegal, got ${result.result}`);
    const { violation } = result;
    expect(violation.key).toBe('7');
    expect(violation.operations).toEqual(history.filter((o) => o.input.key === '7'));
    expect(violation.operations).toHaveLength(keyOperations);
    const text = describeViolation(violation);
    expect(text).toMatch(new RegExp(`^Not linearizable: key "7" \\(model "kv", ${keyOperations} operations\\)\\.`));
    expect(text.split('\n').at(-1)).toBe(`  ${blockedLine}`);
    // Every smaller key is linearizable on its own.
    const sizes = new Map<string, number>();
    for (const o of history) sizes.set(o.input.key, (sizes.get(o.input.key) ?? 0) + 1);
    for (const [key, size] of sizes) {
      if (size > keyOperations || key === '7') continue;
      expect([key, checkLinearizability(kvModel(), history.filter((o) => o.input.key === key)).result]).toEqual([key, 'ok']);
    }
  });

  it('explains kv-c01-bad in full', () => {
    const result = checkLinearizability(kvModel(), load('kv-c01-bad'));
    expect(result.result === 'illegal' && describeViolation(result.violation)).toBe(
      [
        'Not linearizable: key "7" (model "kv", 5 operations).',
        'The longest linearizable prefix found has 3 of them:',
        '  1. client 0: get("7") → "" [call 2, return 3]',
        '  2. client 0: append("7", "x 0 0 y") [call 36, return 37]',
        '  3. client 0: append("7", "x 0 3 y") [call 54, return 55]',
        'After it, in state "x 0 0 yx 0 3 y", one of these had to take effect next (all were called before ' +
          "client 0's operation returned at 59), and the model accepts none of them:",
        '  client 0: get("7") → "x 0 0 y" [call 58, return 59]',
      ].join('\n'),
    );
  });
});
