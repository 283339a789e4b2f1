import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkLinearizability } from './check-linearizability.js';
import type { HistoryOperation } from './history-operation.js';
import { kvModel } from './kv-model.js';
import type { KvInput, KvOutput } from './kv-model.js';
import { describeViolation } from './linearizability-violation.js';
import { readHistory } from './read-history.js';

// The shared histories (Porcupine's KV test data, see the README there), beside the repository:
// ../shared/ from the repository root, in CI as here.
const fixtures = fileURLToPath(new URL('../../../../../../shared/fixtures/linearizability/', import.meta.url));

function load(name: string): HistoryOperation<KvInput, KvOutput>[] {
  return readHistory(readFileSync(`${fixtures}${name}.edn`, 'utf8'), { model: 'kv' }).operations;
}

/** `<model>-<anything>-<ok|bad>.<format>`: the model and the verdict a fixture's name states. */
function fixtureVerdict(file: string): { model: 'kv' | 'register' | 'cas-register'; linearizable: boolean } | undefined {
  const match = /^(kv|register|cas-register)-.*-(ok|bad)\.(edn|jsonl|log)$/.exec(file);
  return match === null ? undefined : { model: match[1] as 'kv' | 'register' | 'cas-register', linearizable: match[2] === 'ok' };
}

describe('every shared history', () => {
  const files = readdirSync(fixtures).filter((file) => !/\.md$/.test(file));

  it('is named for its model and verdict', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
    expect(files.filter((file) => fixtureVerdict(file) === undefined)).toEqual([]);
  });

  it.each(files.filter((file) => fixtureVerdict(file) !== undefined))('%s gets the verdict its name states', (file) => {
    const { model, linearizable } = fixtureVerdict(file) ?? { model: 'kv', linearizable: false };
    const history = readHistory(readFileSync(`${fixtures}${file}`, 'utf8'), { model });
    expect(checkLinearizability(history.model, history.operations).result).toBe(linearizable ? 'ok' : 'illegal');
  });
});

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
