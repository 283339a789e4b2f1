import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeRecord, decodeSnapshotFile, encodeRecord, encodeSnapshotFile, frame, readFrame, type WalRecord } from './wal-record.js';

const roundTrip = (record: WalRecord): WalRecord | undefined => {
  const bytes = encodeRecord(record);
  const read = readFrame(bytes, 0);
  if (read.status !== 'ok') throw new Error(read.status);
  expect(read.next).toBe(bytes.byteLength);
  return decodeRecord(read.typeCode, read.payload);
};

describe('WAL records', () => {
  it('round-trips every record type', () => {
    const records: WalRecord[] = [
      { type: 'entries', entries: [{ index: 2 ** 40, term: 7, type: 'conf-change', data: new Uint8Array([1, 2, 3]) }] },
      { type: 'hard-state', hardState: { term: 3, vote: undefined, commit: 9 } },
      { type: 'hard-state', hardState: { term: 3, vote: 'n1', commit: 9 } },
      { type: 'conf-state', confState: { voters: ['a'], learners: ['b'], votersOutgoing: ['c'], autoLeave: true } },
      { type: 'snapshot', kind: 'applied', metadata: { index: 5, term: 2, confState: { voters: ['a'] } } },
    ];
    for (const record of records) expect(roundTrip(record)).toEqual(record);
  });

  it('round-trips any batch of entries', () => {
    const entry = fc.record({
      term: fc.nat(),
      type: fc.constantFrom('normal' as const, 'conf-change' as const),
      data: fc.uint8Array({ maxLength: 40 }),
    });
    fc.assert(
      fc.property(fc.nat(), fc.array(entry, { maxLength: 10 }), (first, list) => {
        const entries = list.map((e, i) => ({ ...e, index: first + i }));
        expect(roundTrip({ type: 'entries', entries })).toEqual({ type: 'entries', entries });
      }),
    );
  });

  it('tells a cut frame from a damaged one', () => {
    const bytes = frame(1, new Uint8Array([0, 0, 0, 0]));
    expect(readFrame(bytes.subarray(0, 5), 0).status).toBe('short');
    expect(readFrame(bytes.subarray(0, bytes.byteLength - 1), 0).status).toBe('short');
    const damaged = bytes.slice();
    damaged[10] = 9;
    expect(readFrame(damaged, 0)).toEqual({ status: 'bad-checksum', end: bytes.byteLength });
    expect(decodeRecord(99, new Uint8Array())).toBeUndefined();
  });

  it('reads a snapshot file back and rejects a damaged one', () => {
    const metadata = { index: 4, term: 2, confState: { voters: ['a'] } };
    const bytes = encodeSnapshotFile(metadata, new Uint8Array([7, 8]));
    expect(decodeSnapshotFile(bytes)).toEqual({ metadata, data: new Uint8Array([7, 8]) });
    expect(decodeSnapshotFile(bytes.subarray(0, bytes.byteLength - 1))).toBeUndefined();
    expect(decodeSnapshotFile(new Uint8Array())).toBeUndefined();
    expect(decodeSnapshotFile(encodeRecord({ type: 'conf-state', confState: { voters: [] } }))).toBeUndefined();
  });
});
