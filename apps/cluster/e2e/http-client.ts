import { type IncomingHttpHeaders, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** A reply as the e2e tests look at it. */
export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  readonly body: unknown;
}

/**
 * One HTTP request over a fresh connection (no keep-alive: members get killed under it).
 * Rejects on a connection error or after `timeoutMs`.
 */
export function http(method: string, url: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      url,
      {
        method,
        agent: false,
        timeout: timeoutMs,
        headers: { accept: 'application/json', ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} took more than ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * Calls `attempt` every 100 ms until it returns something other than `undefined`, and returns
 * that; fails after `timeoutMs` with `what` and the last error or reply seen.
 */
export async function eventually<T>(what: string, timeoutMs: number, attempt: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: unknown;
    try {
      const value = await attempt();
      if (value !== undefined) return value;
      last = 'not yet';
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) throw new Error(`${what}: not within ${timeoutMs} ms (last: ${last instanceof Error ? last.message : String(last)})`);
    await sleep(100);
  }
}

/** `PUT /kv/:key` until a member answers 200 (a 503 while no leader is known is retried). */
export async function putKey(url: string, key: string, value: string, timeoutMs = 10_000): Promise<Reply> {
  return eventually(`PUT ${key} at ${url}`, timeoutMs, async () => {
    const reply = await http('PUT', `${url}/kv/${encodeURIComponent(key)}`, { value }, { 'x-request-id': `${key}-${value}` });
    if (reply.status === 503) return undefined;
    return reply;
  });
}

/** `GET /kv/:key` until the answer is not 503 (no leader known yet). */
export async function getKey(url: string, key: string, consistency = 'linearizable', timeoutMs = 10_000): Promise<Reply> {
  return eventually(`GET ${key} at ${url}`, timeoutMs, async () => {
    const reply = await http('GET', `${url}/kv/${encodeURIComponent(key)}?consistency=${consistency}`);
    return reply.status === 503 ? undefined : reply;
  });
}
