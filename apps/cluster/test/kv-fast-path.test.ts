import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { installKvFastPath } from '../src/http/kv-fast-path.js';
import type { KvFastPath } from '../src/http/kv-fast-path.js';
import { startInProcessCluster } from './in-process-cluster.js';
import type { InProcessCluster } from './in-process-cluster.js';

/** A raw request (no fetch: it picks its own framing), answered as status and text. */
function send(port: number, method: string, path: string, headers: http.OutgoingHttpHeaders = {}, body?: Buffer | string, chunked = false): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const all = { ...headers };
    if (body !== undefined && !chunked) all['content-length'] = Buffer.byteLength(body);
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: all, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body !== undefined && chunked) req.write(body);
    req.end(chunked ? undefined : body);
  });
}

// The fast path on a server of its own, whose "app" answers 299, over a one-member cluster.
describe('installKvFastPath', () => {
  let cluster: InProcessCluster;
  let server: http.Server;
  let port: number;
  let fast: KvFastPath;
  let appHits = 0;

  beforeAll(async () => {
    cluster = await startInProcessCluster(['a']);
    await cluster.elect('a');
    server = http.createServer((req, res) => {
      appHits++;
      req.resume();
      res.writeHead(299).end('the app');
    });
    fast = installKvFastPath(server, cluster.member('a').runtime);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await cluster?.stop();
  });

  it('answers PUT and GET /kv/:key itself, as the API does', async () => {
    const before = { served: fast.served(), app: appHits };
    const put = await send(port, 'PUT', '/kv/a%2Fb', { 'content-type': 'application/json' }, JSON.stringify({ value: 'v1' }));
    expect(put.status).toBe(200);
    expect(put.headers['content-type']).toBe('application/json; charset=utf-8');
    const { revision } = JSON.parse(put.text) as { revision: number };
    expect(JSON.parse(put.text)).toEqual({ key: 'a/b', revision: expect.any(Number) });
    for (const query of ['', '?consistency=linearizable', '?consistency=lease', '?consistency=stale', '?redirect=1']) {
      const get = await send(port, 'GET', `/kv/a%2Fb${query}`);
      expect([get.status, JSON.parse(get.text)]).toEqual([200, { key: 'a/b', value: 'v1', revision }]);
    }
    const missing = await send(port, 'GET', '/kv/nothing-here');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text)).toMatchObject({ error: { code: 'ENOTFOUND' } });
    const bad = await send(port, 'GET', '/kv/x?consistency=sometimes');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ error: { field: 'consistency' } });
    expect(fast.served() - before.served).toBe(8);
    expect(appHits).toBe(before.app);
  });

  it('answers malformed JSON 400 naming body, an empty body as {} (400 naming value), and keeps x-request-id', async () => {
    const malformed = await send(port, 'PUT', '/kv/k', {}, '{"value": ');
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.text)).toEqual({ error: { code: 'EBADREQUEST', field: 'body', message: expect.stringMatching(/^the body is not valid JSON: /) } });
    const empty = await send(port, 'PUT', '/kv/k', {}, '');
    expect(empty.status).toBe(400);
    expect(JSON.parse(empty.text)).toMatchObject({ error: { field: 'value' } });
    const first = await send(port, 'PUT', '/kv/once', { 'x-request-id': 'req-1' }, JSON.stringify({ value: '1' }));
    const again = await send(port, 'PUT', '/kv/once', { 'x-request-id': 'req-1' }, JSON.stringify({ value: '1' }));
    expect(first.status).toBe(200);
    expect(again.text).toBe(first.text); // applied once, answered with the first answer
  });

  it('leaves every other request to the app', async () => {
    const before = { served: fast.served(), app: appHits };
    const json = JSON.stringify({ value: 'x' });
    const cases: Array<Promise<{ status: number }>> = [
      send(port, 'POST', '/kv/k/cas', {}, JSON.stringify({ expected: null, value: 'x' })),
      send(port, 'DELETE', '/kv/k'),
      send(port, 'HEAD', '/kv/k'),
      send(port, 'GET', '/kv/k?other=1'),
      send(port, 'GET', '/kv/k?consistency=stale&consistency=lease'),
      send(port, 'GET', '/kv/%E0%A4%A'), // a key that does not decode
      send(port, 'GET', '/kv/'),
      send(port, 'GET', '/kv/k', {}, 'a body'),
      send(port, 'PUT', '/kv/k', {}, json, true), // chunked
      send(port, 'PUT', '/kv/k', { 'content-encoding': 'gzip' }, gzipSync(json)),
      send(port, 'PUT', '/kv/k', { 'content-type': 'application/json; charset=latin1' }, json),
      send(port, 'GET', '/cluster/status'),
      send(port, 'PUT', '/kv/k', { 'content-length': String(9 * 1024 * 1024) }), // declared over the limit, never sent
    ];
    const answers = await Promise.allSettled(cases);
    // The oversized one: the app (here) answers without reading; the socket may close first.
    for (const answer of answers.slice(0, -1)) expect(answer.status === 'fulfilled' && answer.value.status).toBe(299);
    expect(fast.served()).toBe(before.served);
    expect(appHits - before.app).toBe(cases.length);
  });
});
