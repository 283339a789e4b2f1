/**
 * The contract between the CLI and a benchmark suite.
 */

/** What a suite gets from the runner. */
export interface SuiteContext {
  /** Writes report text (markdown) to stdout. */
  readonly out: (text: string) => void;
  /** Writes progress notes to stderr. */
  readonly progress: (note: string) => void;
  /** `--quick`: a short smoke run with fewer rounds; its numbers are not to be quoted. */
  readonly quick: boolean;
}

/** A suite module exports `run`. */
export interface SuiteModule {
  run(ctx: SuiteContext): Promise<void>;
}

/** A registry entry: a one-line description plus a lazy loader, so a suite's imports load only when it runs. */
export interface SuiteEntry {
  readonly description: string;
  readonly load: () => Promise<SuiteModule>;
}

/** Suite name → entry. Names are what the CLI accepts. */
export type SuiteRegistry = Readonly<Record<string, SuiteEntry>>;
