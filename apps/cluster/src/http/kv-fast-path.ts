import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { KvApi } from './kv-api.js';
import type { KvRequest } from './kv-api.js';
import type { Reply } from './reply.js';
import { MAX_BODY_BYTES } from './validation.js';

/** `/kv/<key>` with an optional query; the key is one path segment (`/kv/<key>/cas` is not). */
const KV_PATH = /^\/kv\/([^/?#]+)(?:\?([^#]*))?$/;
/** The query parameters the KV API reads; any other one sends the request the framework's way. */
const QUERY_NAMES = new Set(['consistency', 'redirect']);
/** Charsets Express's JSON parser takes (it answers 415 to others: that stays its job). */
const UTF8 = /^utf-?8$/i;

/** What {@link installKvFastPath} returns. */
export interface KvFastPath {
  /** Requests answered by the fast path so far (the rest went to Nest). */
  readonly served: () => number;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Answers the hot requests — `GET /kv/:key` and `PUT /kv/:key` — on the member's `http.Server`
 * ahead of Express and Nest, through the same framework-neutral {@link KvApi} the controller
 * uses, so the answers are the same; every other request (and any of these it is not sure
 * of: another query parameter, a key that does not decode, a compressed, chunked or oversized
 * body, a declared charset other than UTF-8, a body on a GET) goes to the app as before. Bytes
 * that are not valid UTF-8 in a UTF-8 body are decoded with replacement characters, as
 * Express's JSON parser does. Express's router, Nest's route
 * handling and the JSON body parser cost ~0.15 ms of CPU per request on the leader, on the
 * critical path of every put; this path parses the body with `JSON.parse` (an empty body is
 * `{}`, as the parser's), answers malformed JSON 400 naming `body` with the parser's message,
 * and an unexpected error 500 `EINTERNAL`, like the exception filter.
 *
 * Call it once the server exists (after `NestFactory.create`), before `listen`.
 *
 * @example
 * const app = await NestFactory.create(AppModule.forRuntime(runtime), new ExpressAdapter());
 * installKvFastPath(app.getHttpServer(), runtime);
 */
export function installKvFastPath(server: Server, runtime: ClusterRuntime): KvFastPath {
  const api = new KvApi(runtime);
  const app = server.listeners('request') as Listener[];
  server.removeAllListeners('request');
  let served = 0;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const request = fastRequest(req);
    if (request === undefined) {
      for (const listener of app) listener.call(server, req, res);
      return;
    }
    served++;
    if (request.method === 'GET') {
      answer(res, () => api.get(request));
      return;
    }
    readJson(req, res, (body) => answer(res, () => api.put({ ...request, body })));
  });
  return { served: () => served };
}

// The request as KvApi takes it, or undefined to leave it to the app.
function fastRequest(req: IncomingMessage): KvRequest | undefined {
  const method = req.method;
  if (method !== 'GET' && method !== 'PUT') return undefined;
  const url = req.url ?? '';
  const match = KV_PATH.exec(url);
  if (match === null) return undefined;
  let key: string;
  try {
    key = decodeURIComponent(match[1] as string);
  } catch {
    return undefined; // the app answers a malformed encoding 400
  }
  const query: Record<string, string> = {};
  if (match[2] !== undefined && match[2] !== '') {
    for (const [name, value] of new URLSearchParams(match[2])) {
      if (!QUERY_NAMES.has(name) || name in query) return undefined;
      query[name] = value;
    }
  }
  const headers = req.headers;
  const length = headers['content-length'];
  if (headers['transfer-encoding'] !== undefined) return undefined;
  if (method === 'GET') {
    if (length !== undefined && length !== '0') return undefined;
  } else {
    if (length === undefined || !/^\d+$/.test(length) || Number(length) > MAX_BODY_BYTES) return undefined;
    const encoding = headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return undefined;
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(headers['content-type'] ?? '')?.[1];
    if (charset !== undefined && !UTF8.test(charset)) return undefined;
  }
  return { method, url, key, query, headers };
}

// Reads the (declared, bounded) body and parses it as Express's JSON parser would (strict: false).
function readJson(req: IncomingMessage, res: ServerResponse, then: (body: unknown) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('error', () => res.destroy());
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = {};
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch (error) {
        write(res, { status: 400, body: { error: { code: 'EBADREQUEST', message: `the body is not valid JSON: ${(error as Error).message}`, field: 'body' } } });
        return;
      }
    }
    then(body);
  });
}

function answer(res: ServerResponse, reply: () => Promise<Reply>): void {
  reply().then(
    (r) => write(res, r),
    () => write(res, { status: 500, body: { error: { code: 'EINTERNAL', message: 'internal error' } } }),
  );
}

/** Writes a {@link Reply} as `sendReply` does through Express (JSON, UTF-8, a content length). */
function write(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  res.statusCode = reply.status;
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  const text = reply.raw ?? (reply.body === undefined ? undefined : JSON.stringify(reply.body));
  if (text === undefined) {
    res.end();
    return;
  }
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}
