/**
 * A run of consecutive free TCP ports on 127.0.0.1, for clusters whose members listen on
 * consecutive ports (fixed ports could collide with another run or program).
 */
import { createServer } from 'node:net';

function probe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * The first port of `count` consecutive ports that are free now, trying random bases in
 * 20000–40000 (another process may still take one before the cluster binds it).
 *
 * @throws Error (rejection) after 50 taken bases
 */
export async function findFreePorts(count: number, random: () => number = Math.random): Promise<number> {
  if (!Number.isInteger(count) || count < 1 || count > 1000) throw new RangeError(`findFreePorts: count must be 1–1000, got ${String(count)}`);
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(random() * (20_000 - count));
    let free = true;
    for (let p = base; p < base + count && free; p++) free = await probe(p);
    if (free) return base;
  }
  throw new Error(`findFreePorts: no ${count} consecutive free ports in 20000–40000 after 50 tries`);
}
