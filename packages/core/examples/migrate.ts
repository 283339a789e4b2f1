// examples/migrate.ts
import CircuitBreaker from '@bulwark/core/opossum'; // was: import CircuitBreaker from 'opossum';
import type { Options } from '@bulwark/core/opossum';

export interface User {
  id: number;
  name: string;
}

/** opossum code, unchanged but for the import: a breaker with a fallback and an event. */
export function userBreaker(fetchUser: (id: number) => Promise<User>, options: Options<[number]> = {}) {
  const breaker = new CircuitBreaker(fetchUser, { timeout: 3000, resetTimeout: 30_000, ...options });
  breaker.fallback((id: number) => ({ id, name: 'unknown' }));
  breaker.on('open', () => console.warn(`${breaker.name} is open: calls fail fast`));
  return breaker;
}
