import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares a presented token with the cluster token in constant time: both are hashed first
 * (SHA-256), so the comparison takes the same time whatever their lengths and contents, and
 * `timingSafeEqual` never sees buffers of different sizes.
 */
export function tokenMatches(presented: string, expectedDigest: Uint8Array): boolean {
  return timingSafeEqual(digest(presented), expectedDigest);
}

/** The SHA-256 of a token, computed once for {@link tokenMatches}. */
export function digest(token: string): Uint8Array {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The token of an `authorization: Bearer <token>` header, or `''` when there is none. */
export function bearerToken(header: string | string[] | undefined): string {
  if (typeof header !== 'string') return '';
  const match = /^Bearer +(.+)$/i.exec(header.trim());
  return match === null ? '' : (match[1] as string);
}

/** Checks a cluster token option: a non-empty string. */
export function checkToken(where: string, token: unknown): string {
  if (typeof token !== 'string' || token === '') throw new TypeError(`${where}: options.token must be a non-empty string`);
  return token;
}
