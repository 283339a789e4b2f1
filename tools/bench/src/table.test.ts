import { formatBytes, formatNs, formatOpsPerSec, formatRatio, formatSignedNs, formatTable } from './table.js';

describe('formatTable', () => {
  it('pads columns and marks right-aligned ones in the rule', () => {
    const text = formatTable({
      headers: ['case', 'ns'],
      align: ['left', 'right'],
      rows: [
        ['bare', '71.0'],
        ['opossum', '1,491'],
      ],
    });
    expect(text.split('\n')).toEqual([
      '| case    |    ns |',
      '|---------|------:|',
      '| bare    |  71.0 |',
      '| opossum | 1,491 |',
    ]);
  });

  it('escapes pipes and newlines inside cells', () => {
    const text = formatTable({ headers: ['a|b'], rows: [['x\ny']] });
    expect(text.split('\n')).toEqual(['| a\\|b |', '|------|', '| x y  |']);
  });

  it('fills short rows with empty cells', () => {
    const text = formatTable({ headers: ['a', 'b'], rows: [['1']] });
    expect(text.split('\n')[2]).toBe('| 1   |     |');
  });

  it('rejects rows wider than the header, and tables without columns', () => {
    expect(() => formatTable({ headers: ['a'], rows: [['1', '2']] })).toThrow(RangeError);
    expect(() => formatTable({ headers: [], rows: [] })).toThrow(RangeError);
  });
});

describe('number formats', () => {
  it('formatNs: one decimal under 100, grouped integers above', () => {
    expect(formatNs(71.24)).toBe('71.2');
    expect(formatNs(1491.4)).toBe('1,491');
    expect(formatNs(270_000)).toBe('270,000');
    expect(formatNs(-5)).toBe('-5.0');
    expect(formatNs(-0.01)).toBe('0.0');
    expect(formatNs(Number.NaN)).toBe('n/a');
  });

  it('formatSignedNs always carries a sign', () => {
    expect(formatSignedNs(1423)).toBe('+1,423');
    expect(formatSignedNs(-3.21)).toBe('-3.2');
    expect(formatSignedNs(0)).toBe('+0.0');
    expect(formatSignedNs(Number.POSITIVE_INFINITY)).toBe('n/a');
  });

  it('formatRatio keeps about three significant digits', () => {
    expect(formatRatio(5.214)).toBe('5.21×');
    expect(formatRatio(21.44)).toBe('21.4×');
    expect(formatRatio(1234.5)).toBe('1,235×');
    expect(formatRatio(0.8)).toBe('0.80×');
    expect(formatRatio(Number.NaN)).toBe('n/a');
  });

  it('formatOpsPerSec scales to k and M', () => {
    expect(formatOpsPerSec(71)).toBe('14.1 M');
    expect(formatOpsPerSec(1491)).toBe('671 k');
    expect(formatOpsPerSec(270_000)).toBe('3.70 k');
    expect(formatOpsPerSec(2_000_000)).toBe('500');
    expect(formatOpsPerSec(0)).toBe('n/a');
  });

  it('formatBytes rounds and groups', () => {
    expect(formatBytes(7672.4)).toBe('7,672 B');
    expect(formatBytes(-20.6)).toBe('-21 B');
    expect(formatBytes(Number.NaN)).toBe('n/a');
  });
});
