import { createServer } from 'node:net';
import { LauncherError } from './launcher-error.js';

/** Bases are drawn below Linux's ephemeral range (32768–60999), where outgoing connections take their ports. */
const LOWEST_BASE = 20_000;
const HIGHEST_END = 32_000;

/** True when a listener can bind `host:port` right now. */
export function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Finds `count` consecutive ports that are free on `host`, for a cluster's `basePort` in tests
 * (members need their peers' URLs before they start, so port 0 will not do). The base is drawn
 * at random from 20000–32000, so two test files probing at once rarely meet; a port taken
 * between this probe and the member's listen makes that member exit, which
 * {@link startCluster} reports.
 *
 * @param count how many consecutive ports, 1–100
 * @param host where the members will listen; default `'127.0.0.1'`
 * @param random a source of [0, 1) numbers; default `Math.random`
 * @returns the first port of the range
 * @throws {LauncherError} `'invalidOptions'` for a bad count; `'invalidOptions'` too when 50 draws found no free range
 */
export async function findFreePortRange(count: number, host = '127.0.0.1', random: () => number = Math.random): Promise<number> {
  if (!Number.isInteger(count) || count < 1 || count > 100) {
    throw new LauncherError('invalidOptions', `count must be an integer from 1 to 100, got ${String(count)}`);
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = LOWEST_BASE + Math.floor(random() * (HIGHEST_END - LOWEST_BASE - count));
    let free = true;
    for (let port = base; port < base + count && free; port++) free = await isPortFree(port, host);
    if (free) return base;
  }
  throw new LauncherError('invalidOptions', `found no ${count} consecutive free ports on ${host} in 50 draws`);
}
