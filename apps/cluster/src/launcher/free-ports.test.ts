import { type Server, createServer } from 'node:net';
import { findFreePortRange, isPortFree } from './free-ports.js';

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** The draw that makes findFreePortRange pick `base` for `count` ports. */
const drawFor = (base: number, count: number): number => (base - 20_000 + 0.5) / (12_000 - count);

describe('findFreePortRange', () => {
  it('returns the first of `count` consecutive free ports below the ephemeral range', async () => {
    const base = await findFreePortRange(4);
    expect(base).toBeGreaterThanOrEqual(20_000);
    expect(base + 3).toBeLessThan(32_000);
    for (let port = base; port < base + 4; port++) expect(await isPortFree(port, '127.0.0.1')).toBe(true);
  });

  it('draws again when a port of the range is taken', async () => {
    const taken = await findFreePortRange(3); // taken+1 and taken+2 were free too
    const server = await listen(taken);
    try {
      expect(await isPortFree(taken, '127.0.0.1')).toBe(false);
      const draws = [drawFor(taken - 1, 2), drawFor(taken + 1, 2)];
      let i = 0;
      const base = await findFreePortRange(2, '127.0.0.1', () => draws[i++] ?? 0);
      expect(i).toBe(2);
      // taken-1..taken overlaps the listener; taken+1..taken+2 is free.
      expect(base).toBe(taken + 1);
      await expect(findFreePortRange(1, '127.0.0.1', () => drawFor(taken, 1))).rejects.toThrow(/found no 1 consecutive free ports on 127\.0\.0\.1 in 50 draws/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('validates the count', async () => {
    for (const count of [0, 101, 2.5]) {
      await expect(findFreePortRange(count)).rejects.toThrow(`count must be an integer from 1 to 100, got ${count}`);
    }
  });
});
