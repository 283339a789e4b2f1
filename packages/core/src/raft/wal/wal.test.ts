import { describe, expect, it } from '@jest/globals';
import { CrashFs } from './crash-fs.js';
import { Wal } from './wal.js';
import { frame } from './wal-record.js';
import type { WalRecord } from './wal-record.js';

const header = (): WalRecord[] => [{ type: 'hard-state', hardState: { term: 0, vote: undefined, commit: 0 } }];
const entries = (index: number): WalRecord => ({ type: 'entries', entries: [{ index, term: 1, type: 'normal', data: new Uint8Array(30) }] });

describe('Wal', () => {
  it('refuses a cut record in a segment before the last, and an unknown record type', () => {
    const disk = new CrashFs();
    const { wal } = Wal.open({ dir: '/w', fs: disk, maxSegmentBytes: 60, header });
    for (let i = 1; i <= 4; i++) {
      wal.append(entries(i));
      wal.sync();
    }
    const files = wal.segmentFiles();
    expect(files.length).toBeGreaterThan(2);
    wal.close();
    const first = files[0] as string;
    const size = disk.readFile(first).byteLength;
    disk.truncate(first, size - 2);
    expect(() => Wal.open({ dir: '/w', fs: disk, maxSegmentBytes: 60, header })).toThrow(
      expect.objectContaining({ code: 'EWALCORRUPT', file: first, reason: 'a record is cut short' }),
    );

    const other = new CrashFs();
    Wal.open({ dir: '/w', fs: other, maxSegmentBytes: 1000, header }).wal.close();
    const fd = other.openAppend('/w/wal-0000000000000000.log');
    other.write(fd, frame(42, new Uint8Array([1])));
    other.write(fd, frame(2, new Uint8Array([1])));
    expect(() => Wal.open({ dir: '/w', fs: other, maxSegmentBytes: 1000, header })).toThrow(/unknown record type 42/);
  });

  it('refuses a flipped byte in a record before the last, naming the offset', () => {
    const disk = new CrashFs();
    const { wal } = Wal.open({ dir: '/w', fs: disk, maxSegmentBytes: 10_000, header });
    wal.append(entries(1));
    wal.sync();
    const offset = disk.readFile('/w/wal-0000000000000000.log').byteLength;
    wal.append(entries(2));
    wal.append(entries(3));
    wal.sync();
    wal.close();
    disk.corrupt('/w/wal-0000000000000000.log', offset + 20);
    expect(() => Wal.open({ dir: '/w', fs: disk, maxSegmentBytes: 10_000, header })).toThrow(
      expect.objectContaining({ code: 'EWALCORRUPT', file: '/w/wal-0000000000000000.log', offset, reason: 'checksum mismatch' }),
    );
  });

  it('refuses writes after close', () => {
    const { wal } = Wal.open({ dir: '/w', fs: new CrashFs(), maxSegmentBytes: 1000, header });
    wal.close();
    wal.close();
    expect(() => wal.append(entries(1))).toThrow(/after close/);
    expect(() => wal.sync()).toThrow(/after close/);
  });
});
