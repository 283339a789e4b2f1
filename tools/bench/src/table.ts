/**
 * Markdown table printer and the number formats the reports use. Pure: no I/O.
 */

/** Column alignment in a markdown table. */
export type Align = 'left' | 'right';

/** A table: a header row, body rows, and optional per-column alignment (default left). */
export interface Table {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly align?: readonly Align[];
}

function escapeCell(cell: string): string {
  return cell.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * Renders a GitHub-flavoured markdown table with the columns padded to a common width,
 * so it reads well both raw in a terminal and rendered. Rows shorter than the header are
 * padded with empty cells; longer rows are an error.
 */
export function formatTable(table: Table): string {
  const { headers, rows } = table;
  const width = headers.length;
  if (width === 0) throw new RangeError('a table needs at least one column');
  for (const row of rows) {
    if (row.length > width) {
      throw new RangeError(`row has ${row.length} cells but the table has ${width} columns`);
    }
  }
  const align = headers.map((_, i) => table.align?.[i] ?? 'left');
  const body = rows.map((row) => headers.map((_, i) => escapeCell(row[i] ?? '')));
  const head = headers.map(escapeCell);
  const widths = head.map((h, i) => Math.max(3, h.length, ...body.map((r) => r[i].length)));
  const pad = (cell: string, i: number): string =>
    align[i] === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i]);
  const line = (cells: readonly string[]): string => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (align[i] === 'right' ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(head), rule, ...body.map(line)].join('\n');
}

function group(int: string): string {
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * Formats a duration in ns for a table: thousands separators, no decimals from 100 up,
 * one decimal below 100 (a bare await is ~70 ns, so the decimal matters there).
 * NaN and infinities print as "n/a".
 */
export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return 'n/a';
  const abs = Math.abs(ns);
  const text = abs >= 100 ? group(Math.round(abs).toString()) : abs.toFixed(1);
  return ns < 0 && text !== '0.0' ? `-${text}` : text;
}

/** Like {@link formatNs} but always signed: "+1,423", "-3.2", "+0.0". */
export function formatSignedNs(ns: number): string {
  if (!Number.isFinite(ns)) return 'n/a';
  const text = formatNs(ns);
  return text.startsWith('-') ? text : `+${text}`;
}

/** A ratio as "5.21×" (three significant digits, at most two decimals); "n/a" if not finite. */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return 'n/a';
  const abs = Math.abs(ratio);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  const [int, frac] = ratio.toFixed(digits).split('.');
  return `${group(int)}${frac === undefined ? '' : `.${frac}`}×`;
}

/** Operations per second for a cost in ns/op: "14.2 M", "671 k", "3.7 k", "950". */
export function formatOpsPerSec(nsPerOp: number): string {
  if (!Number.isFinite(nsPerOp) || nsPerOp <= 0) return 'n/a';
  const ops = 1e9 / nsPerOp;
  if (ops >= 1e6) return `${(ops / 1e6).toFixed(ops >= 1e8 ? 0 : ops >= 1e7 ? 1 : 2)} M`;
  if (ops >= 1e3) return `${(ops / 1e3).toFixed(ops >= 1e5 ? 0 : ops >= 1e4 ? 1 : 2)} k`;
  return Math.round(ops).toString();
}

/** A byte count with thousands separators, rounded to whole bytes: "7,672 B". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'n/a';
  const rounded = Math.round(bytes);
  return `${rounded < 0 ? '-' : ''}${group(Math.abs(rounded).toString())} B`;
}
