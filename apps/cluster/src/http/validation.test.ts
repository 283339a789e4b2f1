import { MAX_KEY_BYTES, MAX_VALUE_BYTES, checkCasBody, checkConsistency, checkKey, checkPutBody, checkRequestId } from './validation.js';
import type { Checked } from './validation.js';

function refusal<T>(checked: Checked<T>): { status: number; field: string | undefined } {
  if (checked.ok) throw new Error('expected a refusal');
  const body = checked.reply.body as { error: { field?: string } };
  return { status: checked.reply.status, field: body.error.field };
}

describe('validation', () => {
  it('accepts keys up to 1 KiB of UTF-8, refusing longer ones with 413 and empty ones with 400', () => {
    expect(checkKey('a')).toEqual({ ok: true, value: 'a' });
    expect(checkKey('é'.repeat(MAX_KEY_BYTES / 2))).toEqual({ ok: true, value: 'é'.repeat(MAX_KEY_BYTES / 2) });
    expect(refusal(checkKey('é'.repeat(MAX_KEY_BYTES / 2 + 1)))).toEqual({ status: 413, field: 'key' });
    expect(refusal(checkKey(''))).toEqual({ status: 400, field: 'key' });
    expect(checkKey('__proto__')).toEqual({ ok: true, value: '__proto__' });
  });

  it('accepts a put body with a string value up to 1 MiB, naming the field of anything else', () => {
    expect(checkPutBody({ value: 'x' })).toEqual({ ok: true, value: { value: 'x' } });
    expect(checkPutBody({ value: 'x'.repeat(MAX_VALUE_BYTES) }).ok).toBe(true);
    expect(refusal(checkPutBody({ value: 'x'.repeat(MAX_VALUE_BYTES + 1) }))).toEqual({ status: 413, field: 'value' });
    expect(refusal(checkPutBody({ value: 1 }))).toEqual({ status: 400, field: 'value' });
    expect(refusal(checkPutBody({}))).toEqual({ status: 400, field: 'value' });
    expect(refusal(checkPutBody({ value: 'x', extra: 1 }))).toEqual({ status: 400, field: 'extra' });
    expect(refusal(checkPutBody([1]))).toEqual({ status: 400, field: 'body' });
    expect(refusal(checkPutBody('x'))).toEqual({ status: 400, field: 'body' });
    expect(refusal(checkPutBody(undefined))).toEqual({ status: 400, field: 'body' });
    expect(refusal(checkPutBody(JSON.parse('{"__proto__":"x"}')))).toEqual({ status: 400, field: '__proto__' });
  });

  it('accepts a CAS body with expected as a string or null, and names a missing or bad expected', () => {
    expect(checkCasBody({ expected: null, value: 'v' })).toEqual({ ok: true, value: { expected: null, value: 'v' } });
    expect(checkCasBody({ expected: 'a', value: 'v' })).toEqual({ ok: true, value: { expected: 'a', value: 'v' } });
    expect(refusal(checkCasBody({ value: 'v' }))).toEqual({ status: 400, field: 'expected' });
    expect(refusal(checkCasBody({ expected: 3, value: 'v' }))).toEqual({ status: 400, field: 'expected' });
    expect(refusal(checkCasBody({ expected: 'x'.repeat(MAX_VALUE_BYTES + 1), value: 'v' }))).toEqual({ status: 413, field: 'expected' });
    expect(refusal(checkCasBody({ expected: 'a' }))).toEqual({ status: 400, field: 'value' });
  });

  it('reads the consistency, default linearizable', () => {
    expect(checkConsistency(undefined)).toEqual({ ok: true, value: 'linearizable' });
    for (const c of ['linearizable', 'lease', 'stale']) expect(checkConsistency(c)).toEqual({ ok: true, value: c });
    expect(refusal(checkConsistency('eventual'))).toEqual({ status: 400, field: 'consistency' });
    expect(refusal(checkConsistency(['stale', 'lease']))).toEqual({ status: 400, field: 'consistency' });
  });

  it('accepts request ids of 1 to 128 printable characters', () => {
    expect(checkRequestId(undefined)).toEqual({ ok: true, value: undefined });
    expect(checkRequestId('req-1:a/b')).toEqual({ ok: true, value: 'req-1:a/b' });
    expect(checkRequestId('x'.repeat(128)).ok).toBe(true);
    expect(refusal(checkRequestId('x'.repeat(129)))).toEqual({ status: 400, field: 'x-request-id' });
    expect(refusal(checkRequestId(''))).toEqual({ status: 400, field: 'x-request-id' });
    expect(refusal(checkRequestId('has space'))).toEqual({ status: 400, field: 'x-request-id' });
  });
});
