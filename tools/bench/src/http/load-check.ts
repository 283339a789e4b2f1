/**
 * What one load run measured, and the check that nothing went wrong in it.
 */

/** The counts of one autocannon run that the suite keeps. */
export interface LoadCounts {
  /** Responses received. */
  readonly completed: number;
  readonly status2xx: number;
  readonly non2xx: number;
  /** Connection errors (timeouts included). */
  readonly errors: number;
  readonly timeouts: number;
  /** Responses whose body was not `hello`. */
  readonly mismatches: number;
  /** Responses by status code. */
  readonly statusCodes: Readonly<Record<string, number>>;
}

/**
 * Throws, naming the run and every count that is off, unless the run got at least one
 * response and every response was a 2xx with the expected body, with no error or timeout.
 * A benchmark that shed or failed requests would be measuring something else.
 *
 * @param what names the run in the message, e.g. `Nest, round 2, measured`
 */
export function checkLoad(counts: LoadCounts, what: string): void {
  const problems: string[] = [];
  if (counts.completed <= 0) problems.push('no response at all');
  if (counts.non2xx !== 0) problems.push(`${counts.non2xx} non-2xx responses (by status: ${JSON.stringify(counts.statusCodes)})`);
  if (counts.errors !== 0) problems.push(`${counts.errors} errors`);
  if (counts.timeouts !== 0) problems.push(`${counts.timeouts} timeouts`);
  if (counts.mismatches !== 0) problems.push(`${counts.mismatches} bodies other than expected`);
  if (counts.status2xx !== counts.completed) problems.push(`${counts.status2xx} 2xx responses out of ${counts.completed}`);
  if (problems.length > 0) throw new Error(`${what}: ${problems.join('; ')}`);
}
