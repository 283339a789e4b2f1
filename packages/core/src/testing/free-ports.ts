/**
 * A run of consecutive free TCP ports, for a cluster whose members listen on `basePort`,
 * `basePort + 1`, …: the launcher takes a base port, and fixed ports could collide with
 * another run or another program.
 */
import { createServer } from 'node:net';

function probe(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Finds `count` consecutive ports that can be bound on `host` now, trying random bases in
 * `[from, to - count]`. Another process may still take one before the cluster binds it; the
 * launcher then fails to start, and a rerun picks other ports.
 *
 * @param random uniform in `[0, 1)`, for the bases tried (default `Math.random`)
 * @throws RangeError for a bad count or range
 * @throws Error (rejection) when `attempts` bases were all taken
 * @example
 * const basePort = await findFreePorts(3); // e.g. 31_337: 31_337–31_339 were free
 */
export async function findFreePorts(count: number, options: { readonly host?: string; readonly from?: number; readonly to?: number; readonly attempts?: number; readonly random?: () => number } = {}): Promise<number> {
  const { host = '127.0.0.1', from = 20_000, to = 40_000, attempts = 50, random = Math.random } = options;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`findFreePorts: count must be a positive integer, got ${String(count)}`);
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to > 65_535 || to - from < count) {
    throw new RangeError(`findFreePorts: need 1 ≤ from, to ≤ 65535 and room for ${count} ports, got ${from}–${to}`);
  }
  for (let i = 0; i < attempts; i++) {
    const base = from + Math.floor(random() * (to - from - count + 1));
    let free = true;
    for (let p = base; p < base + count && free; p++) free = await probe(p, host);
    if (free) return base;
  }
  throw new Error(`findFreePorts: no ${count} consecutive free ports on ${host} in ${from}–${to} after ${attempts} tries`);
}
