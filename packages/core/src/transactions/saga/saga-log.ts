/**
 * Where a `SagaOrchestrator` forces its records. `RecordLog` (transactions/log) is one, and the
 * usual choice (`SagaOrchestrator.open({ dir })` opens it); {@link MemorySagaLog} is one for tests
 * and demos that need no disk. The orchestrator calls `append` then `sync` for every record and
 * does nothing that depends on the record before `sync` returns.
 */
export interface SagaLog {
  /** Buffers one record (opaque bytes). */
  append(record: Uint8Array): void;
  /** Makes every appended record durable; throws if it cannot (the orchestrator then stops). */
  sync(): void;
  /**
   * Replaces the whole log by `live`, atomically with respect to a crash (optional: without it,
   * the log only grows). Called by the orchestrator to drop the records of forgotten sagas.
   */
  compact?(live: readonly Uint8Array[]): void;
}

/**
 * A {@link SagaLog} in memory: `records` holds what was synced. Nothing survives the process;
 * hand `records` to a new orchestrator to model a restart.
 *
 * @example
 * const log = new MemorySagaLog();
 * const orchestrator = new SagaOrchestrator({ log, sagas: [orders] });
 * // ...later, "after a crash":
 * const again = new SagaOrchestrator({ log, records: log.records, sagas: [orders] });
 * again.resume();
 */
export class MemorySagaLog implements SagaLog {
  /** The synced records, oldest first. */
  records: Uint8Array[] = [];
  private pending: Uint8Array[] = [];
  /** Syncs that wrote something. */
  syncCount = 0;

  append(record: Uint8Array): void {
    this.pending.push(record.slice());
  }

  sync(): void {
    if (this.pending.length === 0) return;
    this.records.push(...this.pending);
    this.pending = [];
    this.syncCount++;
  }

  compact(live: readonly Uint8Array[]): void {
    this.pending = [];
    this.records = live.map((r) => r.slice());
  }
}
