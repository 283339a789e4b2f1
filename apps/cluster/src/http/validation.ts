import { badRequest } from './reply.js';
import type { Reply } from './reply.js';

/** The longest key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;
/** The longest value, in UTF-8 bytes. */
export const MAX_VALUE_BYTES = 1024 * 1024;
/** The largest JSON body accepted, in bytes: a 1 MiB value fits even when JSON escapes every character of it. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;
/** The longest `x-request-id`. */
export const MAX_REQUEST_ID_LENGTH = 128;

/** The read consistencies of `GET /kv/:key`. */
export const CONSISTENCIES = ['linearizable', 'lease', 'stale'] as const;
/** A read consistency of `GET /kv/:key`. */
export type Consistency = (typeof CONSISTENCIES)[number];

/** A validated value or the 400/413 to answer. */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reply: Reply };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const fail = (reply: Reply): Checked<never> => ({ ok: false, reply });

/** A key from the URL (already percent-decoded): non-empty, at most {@link MAX_KEY_BYTES} bytes (413 beyond). */
export function checkKey(key: unknown): Checked<string> {
  if (typeof key !== 'string' || key === '') return fail(badRequest('key', 'key must be a non-empty string'));
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) return fail(badRequest('key', `key must be at most ${MAX_KEY_BYTES} bytes, got ${bytes}`, 413));
  return ok(key);
}

function checkValueField(body: Record<string, unknown>, field: string): Checked<string> {
  const value = body[field];
  if (typeof value !== 'string') return fail(badRequest(field, `${field} must be a string, got ${value === undefined ? 'nothing' : JSON.stringify(value)?.slice(0, 40) ?? typeof value}`));
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_VALUE_BYTES) return fail(badRequest(field, `${field} must be at most ${MAX_VALUE_BYTES} bytes, got ${bytes}`, 413));
  return ok(value);
}

function checkObject(body: unknown, allowed: readonly string[]): Checked<Record<string, unknown>> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return fail(badRequest('body', `the body must be a JSON object with ${allowed.map((f) => JSON.stringify(f)).join(' and ')}`));
  }
  for (const field of Object.keys(body)) {
    if (!allowed.includes(field)) return fail(badRequest(field, `unknown field ${JSON.stringify(field)} (the fields are ${allowed.join(', ')})`));
  }
  return ok(body as Record<string, unknown>);
}

/** The body of `PUT /kv/:key`: `{ "value": string }`. */
export function checkPutBody(body: unknown): Checked<{ value: string }> {
  const object = checkObject(body, ['value']);
  if (!object.ok) return object;
  const value = checkValueField(object.value, 'value');
  return value.ok ? ok({ value: value.value }) : value;
}

/** The body of `POST /kv/:key/cas`: `{ "expected": string | null, "value": string }` (`null`: the key must not exist). */
export function checkCasBody(body: unknown): Checked<{ expected: string | null; value: string }> {
  const object = checkObject(body, ['expected', 'value']);
  if (!object.ok) return object;
  let expected: string | null = null;
  if (object.value.expected !== null) {
    if (object.value.expected === undefined) return fail(badRequest('expected', 'expected is required: the current value, or null for "the key must not exist"'));
    const checked = checkValueField(object.value, 'expected');
    if (!checked.ok) return checked;
    expected = checked.value;
  }
  const value = checkValueField(object.value, 'value');
  return value.ok ? ok({ expected, value: value.value }) : value;
}

/** `?consistency=` (default linearizable). */
export function checkConsistency(raw: unknown): Checked<Consistency> {
  if (raw === undefined) return ok('linearizable');
  if (typeof raw === 'string' && (CONSISTENCIES as readonly string[]).includes(raw)) return ok(raw as Consistency);
  return fail(badRequest('consistency', `consistency must be one of ${CONSISTENCIES.join(', ')}, got ${JSON.stringify(raw)}`));
}

/** The `x-request-id` header: absent, or 1–128 printable ASCII characters. */
export function checkRequestId(raw: unknown): Checked<string | undefined> {
  if (raw === undefined) return ok(undefined);
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_REQUEST_ID_LENGTH || !/^[\x21-\x7e]+$/.test(raw)) {
    return fail(badRequest('x-request-id', `x-request-id must be 1 to ${MAX_REQUEST_ID_LENGTH} printable ASCII characters without spaces`));
  }
  return ok(raw);
}
