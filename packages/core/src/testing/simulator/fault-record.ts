/**
 * What a fault record says happened. The network records its own kinds; protocol faults
 * recorded through {@link SimNetwork.recordFault} may use any name (`'transfer-leader'`).
 */
export type FaultKind =
  | 'partition'
  | 'isolate'
  | 'one-way'
  | 'bridge'
  | 'heal'
  | 'link'
  | 'pause'
  | 'resume'
  | 'crash'
  | 'restart'
  | (string & {});

/** One entry of the fault trace: when, what, to whom. */
export interface FaultRecord {
  readonly atMs: number;
  readonly kind: FaultKind;
  readonly nodes: readonly string[];
  readonly detail: string;
}

/** Formats a fault record as one line: `  120ms partition a b | c d e`. */
export function formatFault(record: FaultRecord): string {
  const detail = record.detail === '' ? '' : ` ${record.detail}`;
  return `${String(record.atMs).padStart(7)}ms ${record.kind}${detail}`;
}
