import fc from 'fast-check';
import { isSagaLogCorruptionError } from './errors/saga-log-corruption-error.js';
import { decodeSagaRecord, encodeSagaRecord, errorInfo, type SagaRecord } from './saga-record.js';

const records: SagaRecord[] = [
  { type: 'saga-started', sagaId: 's1', saga: 'orders', steps: ['a', 'b'], input: { sku: 'x', n: [1, 2] }, at: 5 },
  { type: 'step-started', sagaId: 's1', step: 0, at: 6 },
  { type: 'step-succeeded', sagaId: 's1', step: 0, result: { id: 'r' }, attempts: 2, at: 7 },
  { type: 'step-succeeded', sagaId: 's1', step: 1, attempts: 1, at: 7 },
  { type: 'step-failed', sagaId: 's1', step: 1, error: { name: 'Error', message: 'no', code: 'EX' }, attempts: 3, at: 8 },
  { type: 'compensation-started', sagaId: 's1', step: 0, at: 9 },
  { type: 'compensation-done', sagaId: 's1', step: 0, attempts: 1, at: 10 },
  { type: 'saga-ended', sagaId: 's1', status: 'compensated', at: 11 },
  { type: 'saga-started', sagaId: 's2', saga: 'orders', steps: ['a'], input: null, deadline: 100, at: 5 },
  { type: 'saga-cancelled', sagaId: 's2', reason: 'deadline', at: 6 },
];

function corruption(bytes: Uint8Array, index = 4): string {
  try {
    decodeSagaRecord(bytes, index);
  } catch (error) {
    expect(isSagaLogCorruptionError(error)).toBe(true);
    expect((error as { index: number }).index).toBe(index);
    return (error as { reason: string }).reason;
  }
  throw new Error('no error');
}
const bytesOf = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

describe('saga records', () => {
  it.each(records)('round-trips $type', (record) => {
    expect(decodeSagaRecord(encodeSagaRecord(record))).toEqual(record);
  });

  it('round-trips any JSON input and result (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (input, result) => {
        const started: SagaRecord = { type: 'saga-started', sagaId: 'x', saga: 'y', steps: ['a'], input, at: 1 };
        const succeeded: SagaRecord = { type: 'step-succeeded', sagaId: 'x', step: 0, result, attempts: 1, at: 2 };
        // JSON has no -0: compare with what JSON gives back
        expect(decodeSagaRecord(encodeSagaRecord(started))).toEqual(JSON.parse(JSON.stringify(started)));
        expect(decodeSagaRecord(encodeSagaRecord(succeeded))).toEqual(JSON.parse(JSON.stringify(succeeded)));
      }),
      { numRuns: 100 },
    );
  });

  it.each<[string, Uint8Array, RegExp]>([
    ['not UTF-8', new Uint8Array([0xff, 0xfe]), /not UTF-8 JSON/],
    ['not JSON', new TextEncoder().encode('{'), /not UTF-8 JSON/],
    ['an array', bytesOf([1]), /not a JSON object/],
    ['no saga id', bytesOf({ type: 'step-started', step: 0, at: 1 }), /sagaId/],
    ['no time', bytesOf({ type: 'step-started', sagaId: 's', step: 0 }), /at must be a finite number/],
    ['an unknown type', bytesOf({ type: 'step-exploded', sagaId: 's', at: 1 }), /unknown record type "step-exploded"/],
    ['a bad step', bytesOf({ type: 'step-started', sagaId: 's', step: -1, at: 1 }), /step-started: step must be a non-negative integer/],
    ['bad attempts', bytesOf({ type: 'step-succeeded', sagaId: 's', step: 0, attempts: 1.5, at: 1 }), /attempts must be a non-negative integer/],
    ['a bad error', bytesOf({ type: 'step-failed', sagaId: 's', step: 0, attempts: 1, error: { name: 'E' }, at: 1 }), /error must be/],
    ['a bad error code', bytesOf({ type: 'step-failed', sagaId: 's', step: 0, attempts: 1, error: { name: 'E', message: 'm', code: 3 }, at: 1 }), /error must be/],
    ['no saga name', bytesOf({ type: 'saga-started', sagaId: 's', steps: ['a'], input: 1, at: 1 }), /saga must be a non-empty string/],
    ['no steps', bytesOf({ type: 'saga-started', sagaId: 's', saga: 'x', steps: [], input: 1, at: 1 }), /steps must be a non-empty array of strings/],
    ['no input', bytesOf({ type: 'saga-started', sagaId: 's', saga: 'x', steps: ['a'], at: 1 }), /input is missing/],
    ['a bad deadline', bytesOf({ type: 'saga-started', sagaId: 's', saga: 'x', steps: ['a'], input: 1, deadline: 'soon', at: 1 }), /deadline must be a finite number/],
    ['a cancellation without a reason', bytesOf({ type: 'saga-cancelled', sagaId: 's', at: 1 }), /reason must be a string/],
    ['a bad status', bytesOf({ type: 'saga-ended', sagaId: 's', status: 'done', at: 1 }), /status must be 'completed' or 'compensated', got "done"/],
  ])('rejects %s with SagaLogCorruptionError and the record index', (_what, bytes, reason) => {
    expect(corruption(bytes)).toMatch(reason);
  });

  it('errorInfo() keeps name, message (capped) and a string code, and copes with non-errors', () => {
    expect(errorInfo(Object.assign(new TypeError('bad'), { code: 'EBAD' }))).toEqual({ name: 'TypeError', message: 'bad', code: 'EBAD' });
    expect(errorInfo(Object.assign(new Error('x'), { code: 5 }))).toEqual({ name: 'Error', message: 'x' });
    expect(errorInfo(new Error('y'.repeat(5000))).message).toHaveLength(1000);
    expect(errorInfo('boom')).toEqual({ name: 'NonError', message: 'boom' });
    expect(errorInfo(Object.create(null))).toEqual({ name: 'NonError', message: '[object Object]' });
  });
});
