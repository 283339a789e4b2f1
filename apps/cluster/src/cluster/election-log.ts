/** One change of leadership this member saw. */
export interface ElectionRecord {
  readonly term: number;
  /** The leader of `term`, or null while it was unknown (an election under way). */
  readonly leader: string | null;
  /** When this member noticed, ISO 8601. */
  readonly at: string;
}

/**
 * The last leadership changes this member saw, newest first, for the dashboard: a record each
 * time the term or the known leader changes. Bounded.
 */
export class ElectionLog {
  readonly #records: ElectionRecord[] = [];
  #term = -1;
  #leader: string | null = null;

  /** @param max how many records to keep (default 20) */
  constructor(private readonly max = 20) {}

  /** Notes the member's view now; records it when it differs from the last one. */
  observe(term: number, leader: string | undefined, nowMs: number): void {
    const known = leader ?? null;
    if (term === this.#term && known === this.#leader) return;
    // A term whose leader becomes known replaces its "unknown" record rather than adding one.
    const last = this.#records[0];
    if (last !== undefined && last.term === term && last.leader === null) this.#records.shift();
    this.#term = term;
    this.#leader = known;
    this.#records.unshift({ term, leader: known, at: new Date(nowMs).toISOString() });
    if (this.#records.length > this.max) this.#records.length = this.max;
  }

  /** The records, newest first. */
  recent(): readonly ElectionRecord[] {
    return [...this.#records];
  }
}
