import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { findFreePorts } from './free-ports.js';

const listen = (port: number): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

describe('findFreePorts', () => {
  it('finds consecutive ports that can all be bound', async () => {
    const base = await findFreePorts(3);
    const servers = await Promise.all([0, 1, 2].map((i) => listen(base + i)));
    expect(servers.map((s) => (s.address() as AddressInfo).port)).toEqual([base, base + 1, base + 2]);
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('skips a base whose run holds a taken port', async () => {
    const taken = await listen(0);
    const port = (taken.address() as AddressInfo).port;
    // The first base tried covers the taken port; the others are drawn at random.
    let call = 0;
    const from = port - 1;
    const to = Math.min(65_535, port + 10_000);
    const random = (): number => (call++ === 0 ? 0 : Math.random());
    const found = await findFreePorts(2, { from, to, random, attempts: 20 });
    expect(call).toBeGreaterThan(1);
    expect(found).not.toBe(port - 1);
    expect(found === port || found + 1 === port).toBe(false);
    await new Promise((resolve) => taken.close(resolve));
  });

  it('refuses a bad count or range, and gives up after the attempts', async () => {
    await expect(findFreePorts(0)).rejects.toThrow('count must be a positive integer, got 0');
    await expect(findFreePorts(5, { from: 100, to: 102 })).rejects.toThrow('room for 5 ports');
    const taken = await listen(0);
    const port = (taken.address() as AddressInfo).port;
    await expect(findFreePorts(1, { from: port, to: port + 1, attempts: 3 })).rejects.toThrow('after 3 tries');
    await new Promise((resolve) => taken.close(resolve));
  });
});
