import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postJson, send } from './http-json.js';

let server: Server;
let base: string;
const seen: string[] = [];

beforeEach(async () => {
  seen.length = 0;
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${req.headers['content-type'] ?? '-'} ${req.headers['content-length'] ?? '-'} ${body}`);
      res.writeHead(201);
      res.end('made');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('send / postJson', () => {
  it('sends the method, path, headers and body, and resolves with status and body', async () => {
    expect(await send(base, { method: 'PUT', path: '/kv/a?x=1', headers: { 'content-type': 'application/json' }, body: '{"value":"é"}' }, 5000)).toEqual({ status: 201, body: 'made' });
    expect(await postJson(`${base}/v3/kv/range`, { key: 'YQ==' }, 5000)).toEqual({ status: 201, body: 'made' });
    expect(seen).toEqual(['PUT /kv/a?x=1 application/json 14 {"value":"é"}', 'POST /v3/kv/range application/json 14 {"key":"YQ=="}']);
  });

  it('rejects when nothing listens', async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server = createServer();
    server.listen(0, '127.0.0.1');
    await expect(send(base, { method: 'GET', path: '/', headers: {} }, 5000)).rejects.toThrow('ECONNREFUSED');
  });
});
