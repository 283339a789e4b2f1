/**
 * The requests the raft suite sends, for each system: Bulwark's client API (apps/cluster:
 * `PUT /kv/:key` with `{ "value" }`, `GET /kv/:key?consistency=linearizable`) and etcd's v3 JSON
 * gateway (`POST /v3/kv/put` and `POST /v3/kv/range` with base64 keys and values; a range is
 * linearizable unless it asks `serializable`). Pure, so each shape is tested without a server.
 */

/** The systems the suite loads. */
export type KvSystem = 'bulwark' | 'etcd';

/** The operations it measures. */
export type KvBenchOp = 'put' | 'get';

/** One HTTP request, as autocannon's `requests` entries take it. */
export interface KvHttpRequest {
  readonly method: 'GET' | 'PUT' | 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/** Base64 of a UTF-8 string, as etcd's gateway encodes bytes. */
export const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** The request that writes `value` under `key`. */
export function putRequest(system: KvSystem, key: string, value: string): KvHttpRequest {
  if (system === 'bulwark') return { method: 'PUT', path: `/kv/${encodeURIComponent(key)}`, headers: JSON_HEADERS, body: JSON.stringify({ value }) };
  return { method: 'POST', path: '/v3/kv/put', headers: JSON_HEADERS, body: JSON.stringify({ key: base64(key), value: base64(value) }) };
}

/** The request that reads `key` linearizably. */
export function getRequest(system: KvSystem, key: string): KvHttpRequest {
  if (system === 'bulwark') return { method: 'GET', path: `/kv/${encodeURIComponent(key)}?consistency=linearizable`, headers: {} };
  return { method: 'POST', path: '/v3/kv/range', headers: JSON_HEADERS, body: JSON.stringify({ key: base64(key) }) };
}

/**
 * The value a successful read's body holds, or `undefined` when the body holds none (a missing
 * key, or not a read's answer).
 *
 * @example
 * readValue('etcd', '{"header":{},"kvs":[{"key":"YQ==","value":"MQ=="}],"count":"1"}'); // '1'
 */
export function readValue(system: KvSystem, body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  if (system === 'bulwark') {
    const { value } = parsed as { value?: unknown };
    return typeof value === 'string' ? value : undefined;
  }
  const { kvs } = parsed as { kvs?: unknown };
  if (!Array.isArray(kvs) || kvs.length === 0) return undefined;
  const { value } = kvs[0] as { value?: unknown };
  // etcd leaves out an empty value.
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : '';
}

/** A value of `bytes` ASCII characters that names its key's number (100 B, as perf-anchors §C). */
export function valueOf(n: number, bytes = 100): string {
  const head = `v${n}-`;
  return head + 'x'.repeat(Math.max(0, bytes - head.length));
}
