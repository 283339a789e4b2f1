// examples/linearizability.ts
import { checkLinearizability, describeViolation, kvModel } from '@bulwark/core/testing';
import type { HistoryOperation, KvInput, KvOutput } from '@bulwark/core/testing';

type Op = HistoryOperation<KvInput, KvOutput>;

/** Checks what clients saw of a key-value store: 'ok', or why no order of it is possible. */
export function audit(history: readonly Op[]): string {
  const result = checkLinearizability(kvModel(), history, { timeoutMs: 10_000 });
  if (result.result === 'illegal') return describeViolation(result.violation);
  return result.result; // 'ok', or 'unknown' if the search ran out of time
}

// b read "1" after a's put of "2" had returned: a stale read. c's put timed out (it may
// or may not have taken effect).
export const staleRead: Op[] = [
  { clientId: 'a', input: { op: 'put', key: 'x', value: '1' }, call: 0, return: 10 },
  { clientId: 'a', input: { op: 'put', key: 'x', value: '2' }, call: 20, return: 30 },
  { clientId: 'c', input: { op: 'put', key: 'y', value: '3' }, call: 25, return: Infinity },
  { clientId: 'b', input: { op: 'get', key: 'x' }, output: '1', call: 40, return: 50 },
];
