import { SagaLogCorruptionError } from './errors/saga-log-corruption-error.js';

/** An error as the saga log keeps it: enough to read in `get(id)`, without a stack. */
export interface SagaErrorInfo {
  readonly name: string;
  readonly message: string;
  /** The error's string `code`, when it has one (`'ETIMEDOUT'`, `'ERETRYEXHAUSTED'`, …). */
  readonly code?: string;
}

/**
 * One record of the saga log (JSON, one per log record). Every record names its saga instance;
 * `at` is the orchestrator clock's time in ms when the record was written. The orchestrator
 * forces each record (append + fsync) before it does what follows it (see design.md).
 */
export type SagaRecord =
  /**
   * A saga instance began; `steps` are its step names, checked against the definition on resume;
   * `deadline` (orchestrator clock, ms), when set, is when it is cancelled if still going forward.
   */
  | {
      readonly type: 'saga-started';
      readonly sagaId: string;
      readonly saga: string;
      readonly steps: readonly string[];
      readonly input: unknown;
      readonly deadline?: number;
      readonly at: number;
    }
  /** The saga was cancelled (by `cancel()` or its deadline) before its pivot succeeded: it compensates. */
  | { readonly type: 'saga-cancelled'; readonly sagaId: string; readonly reason: string; readonly at: number }
  /** Step `step` is about to run for the first time: from here on it may have taken effect. */
  | { readonly type: 'step-started'; readonly sagaId: string; readonly step: number; readonly at: number }
  /** Step `step` succeeded with `result` (absent when the action returned `undefined`) after `attempts` attempts. */
  | { readonly type: 'step-succeeded'; readonly sagaId: string; readonly step: number; readonly result?: unknown; readonly attempts: number; readonly at: number }
  /** Step `step` failed for good (retries exhausted or not retryable): the saga compensates. */
  | { readonly type: 'step-failed'; readonly sagaId: string; readonly step: number; readonly error: SagaErrorInfo; readonly attempts: number; readonly at: number }
  /** Step `step`'s compensation is about to run for the first time. */
  | { readonly type: 'compensation-started'; readonly sagaId: string; readonly step: number; readonly at: number }
  /** Step `step`'s compensation succeeded after `attempts` attempts (in this process). */
  | { readonly type: 'compensation-done'; readonly sagaId: string; readonly step: number; readonly attempts: number; readonly at: number }
  /** The saga ended: every step succeeded, or every started step before the pivot was compensated. */
  | { readonly type: 'saga-ended'; readonly sagaId: string; readonly status: 'completed' | 'compensated'; readonly at: number };

/** The `type` of a {@link SagaRecord}. */
export type SagaRecordType = SagaRecord['type'];

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The record as log bytes (UTF-8 JSON). */
export function encodeSagaRecord(record: SagaRecord): Uint8Array {
  return encoder.encode(JSON.stringify(record));
}

/**
 * Parses and checks one log record.
 *
 * @param index the record's position in the log, for the error
 * @throws SagaLogCorruptionError when the bytes are not UTF-8 JSON or not a well-formed record
 */
export function decodeSagaRecord(bytes: Uint8Array, index = 0): SagaRecord {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new SagaLogCorruptionError(index, 'not UTF-8 JSON');
  }
  const bad = (reason: string): never => {
    throw new SagaLogCorruptionError(index, reason);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('not a JSON object');
  const r = value as Record<string, unknown>;
  if (typeof r.sagaId !== 'string' || r.sagaId === '') bad('sagaId must be a non-empty string');
  if (typeof r.at !== 'number' || !Number.isFinite(r.at)) bad('at must be a finite number');
  const step = (): void => {
    if (typeof r.step !== 'number' || !Number.isInteger(r.step) || r.step < 0) bad(`${String(r.type)}: step must be a non-negative integer`);
  };
  const attempts = (): void => {
    if (typeof r.attempts !== 'number' || !Number.isInteger(r.attempts) || r.attempts < 0) bad(`${String(r.type)}: attempts must be a non-negative integer`);
  };
  switch (r.type) {
    case 'saga-started':
      if (typeof r.saga !== 'string' || r.saga === '') bad('saga-started: saga must be a non-empty string');
      if (!Array.isArray(r.steps) || r.steps.length === 0 || !r.steps.every((s) => typeof s === 'string')) {
        bad('saga-started: steps must be a non-empty array of strings');
      }
      if (!('input' in r)) bad('saga-started: input is missing');
      if (r.deadline !== undefined && (typeof r.deadline !== 'number' || !Number.isFinite(r.deadline))) bad('saga-started: deadline must be a finite number');
      break;
    case 'saga-cancelled':
      if (typeof r.reason !== 'string') bad('saga-cancelled: reason must be a string');
      break;
    case 'step-started':
    case 'compensation-started':
      step();
      break;
    case 'step-succeeded':
    case 'compensation-done':
      step();
      attempts();
      break;
    case 'step-failed': {
      step();
      attempts();
      const e = r.error as Record<string, unknown> | null;
      if (typeof e !== 'object' || e === null || typeof e.name !== 'string' || typeof e.message !== 'string' || (e.code !== undefined && typeof e.code !== 'string')) {
        bad('step-failed: error must be { name, message, code? } strings');
      }
      break;
    }
    case 'saga-ended':
      if (r.status !== 'completed' && r.status !== 'compensated') bad(`saga-ended: status must be 'completed' or 'compensated', got ${JSON.stringify(r.status)}`);
      break;
    default:
      bad(`unknown record type ${JSON.stringify(r.type)}`);
  }
  return value as SagaRecord;
}

const MAX_MESSAGE = 1_000;

/** What the log keeps of a thrown value: its name, message (at most 1,000 characters) and string `code`. */
export function errorInfo(error: unknown): SagaErrorInfo {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const info: { name: string; message: string; code?: string } = { name: error.name, message: error.message.slice(0, MAX_MESSAGE) };
    if (typeof code === 'string') info.code = code;
    return info;
  }
  let message: string;
  try {
    message = String(error);
  } catch {
    message = Object.prototype.toString.call(error);
  }
  return { name: 'NonError', message: message.slice(0, MAX_MESSAGE) };
}
