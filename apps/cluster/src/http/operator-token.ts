import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether an `authorization` header carries `Bearer <token>`. Both sides are hashed (SHA-256)
 * before `timingSafeEqual`, so the comparison takes the same time whatever the length or the
 * first differing byte.
 */
export function tokenMatches(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  const presented = createHash('sha256').update(match?.[1] ?? '').digest();
  const expected = createHash('sha256').update(token).digest();
  return timingSafeEqual(presented, expected) && match !== null;
}
