import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { percentile, runKvLoad } from './kv-load.js';
import type { KvLoadRequest } from './kv-load.js';

let server: Server;
let url: string;
const seen: string[] = [];
let status = 200;

beforeEach(async () => {
  seen.length = 0;
  status = 200;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ echo: req.url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
});

const put = (n: number, verify: (body: string) => boolean = () => true): KvLoadRequest => ({
  method: 'PUT',
  path: `/kv/k${n}`,
  headers: { 'content-type': 'application/json' },
  body: `{"value":"v${n}"}`,
  verify,
  written: { key: `k${n}`, value: `v${n}` },
});

describe('percentile', () => {
  it('takes the nearest rank of sorted values', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([0.4], 99)).toBe(0.4);
    expect(percentile([1, 2, 3], 0)).toBe(1);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('runKvLoad', () => {
  it('sends a freshly generated request each time and reports every verified answer', async () => {
    let n = 0;
    const acked: string[] = [];
    const result = await runKvLoad({ url, connections: 2, durationS: 10, amount: 40, next: () => put(++n), onAck: (r) => acked.push(r.written?.key ?? '?'), what: 'test' });
    expect(result.completed).toBe(40);
    expect(result.status2xx).toBe(40);
    expect(result.mismatches).toBe(0);
    expect(result.latencyP50Ms).toBeGreaterThan(0);
    expect(result.latencyP99Ms).toBeGreaterThanOrEqual(result.latencyP50Ms);
    expect(result.requestsPerSecond).toBeGreaterThan(0);
    // Every request the server saw is a distinct generated one.
    expect(seen).toHaveLength(40);
    expect(new Set(seen).size).toBe(40);
    expect(seen.every((s) => /^PUT \/kv\/k\d+ \{"value":"v\d+"\}$/.test(s))).toBe(true);
    expect(acked).toHaveLength(40);
    expect(new Set(acked).size).toBe(40);
  });

  it('fails a run with a wrong body, naming the count', async () => {
    let n = 0;
    await expect(runKvLoad({ url, connections: 1, durationS: 10, amount: 10, next: () => put(++n, (body) => !body.includes('k3"')), what: 'bodies' })).rejects.toThrow(
      'bodies: 1 bodies other than expected',
    );
  });

  it('fails a run with non-2xx answers', async () => {
    status = 503;
    await expect(runKvLoad({ url, connections: 1, durationS: 10, amount: 5, next: () => put(1), what: 'refused' })).rejects.toThrow('refused: 5 non-2xx responses');
  });
});
