import { request } from 'node:http';

/** What the launcher reads of a member's `GET /cluster/status` (the app answers more). */
export interface MemberStatus {
  readonly id: string;
  readonly role: string;
  readonly term: number;
  /** The leader the member knows of, or `null`. */
  readonly leader: string | null;
}

/** Answers larger than this are not a status (the launcher stops reading). */
const MAX_STATUS_BYTES = 1 << 20;

/**
 * Reads `GET <url>/cluster/status` over a fresh connection (no keep-alive, so a poller leaves no
 * socket behind) and checks the fields the launcher relies on.
 *
 * @param url the member's base URL, e.g. `http://127.0.0.1:7001`
 * @param timeoutMs how long the whole request may take; a paused (SIGSTOP) member never answers
 * @returns the status, or `undefined` when the member did not answer in time, refused the
 *   connection, answered non-200 or answered something that is not a status
 */
export function fetchMemberStatus(url: string, timeoutMs: number): Promise<MemberStatus | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (status: MemberStatus | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(status);
    };
    const req = request(new URL('/cluster/status', url), { method: 'GET', agent: false, headers: { accept: 'application/json' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        done(undefined);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_STATUS_BYTES) done(undefined);
        else chunks.push(chunk);
      });
      res.on('end', () => done(parseMemberStatus(Buffer.concat(chunks).toString('utf8'))));
      res.on('error', () => done(undefined));
    });
    const timer = setTimeout(() => done(undefined), timeoutMs);
    req.on('error', () => done(undefined));
    req.end();
  });
}

/** Parses a status body; `undefined` unless it has a string `id` and `role`, a numeric `term` and a string-or-null `leader`. */
export function parseMemberStatus(body: string): MemberStatus | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { id, role, term, leader } = value as Record<string, unknown>;
  if (typeof id !== 'string' || typeof role !== 'string' || typeof term !== 'number') return undefined;
  if (leader !== null && typeof leader !== 'string') return undefined;
  return { id, role, term, leader };
}
