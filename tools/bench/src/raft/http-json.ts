/**
 * One HTTP request with a bounded wait, for the raft suite's setup and checks (not its load,
 * which autocannon makes).
 */
import { request } from 'node:http';
import type { KvHttpRequest } from './kv-requests.js';

/** Status and body text of one response. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/**
 * Sends `req` to `base` (e.g. `http://127.0.0.1:7001`) on a fresh connection.
 *
 * @throws Error (rejection) on a connection error or when no answer came within `timeoutMs`
 */
export function send(base: string, req: KvHttpRequest, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
    const r = request(new URL(req.path, base), { method: req.method, headers, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(new Error(`${req.method} ${base}${req.path}: no answer within ${timeoutMs} ms`)));
    r.on('error', reject);
    r.end(req.body);
  });
}

/** `POST url` with a JSON body. */
export function postJson(url: string, body: unknown, timeoutMs: number): Promise<HttpAnswer> {
  const u = new URL(url);
  return send(u.origin, { method: 'POST', path: u.pathname + u.search, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, timeoutMs);
}
