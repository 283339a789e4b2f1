import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Entry } from '../entry.js';
import type { Message } from '../messages.js';
import type { ConfState } from '../raft-state.js';
import { FrameError, isFrameError } from './errors/frame-error.js';
import { decodeFrame, encodeFrame, encodeMessage, encodeMessages, FRAME_HEADER } from './message-codec.js';

const id = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' });
const num = fc.oneof(fc.nat({ max: 1000 }), fc.maxSafeNat());
const bytes = fc.uint8Array({ maxLength: 64 });
const entry: fc.Arbitrary<Entry> = fc.record({ index: num, term: num, type: fc.constantFrom('normal' as const, 'conf-change' as const), data: bytes });
const confState: fc.Arbitrary<ConfState> = fc.record(
  {
    voters: fc.array(id, { maxLength: 5 }),
    learners: fc.array(id, { maxLength: 3 }),
    votersOutgoing: fc.array(id, { maxLength: 3 }),
    learnersNext: fc.array(id, { maxLength: 3 }),
    autoLeave: fc.boolean(),
  },
  { requiredKeys: ['voters'] },
);
const envelope = fc.record({ from: id, to: id, term: num });

/** Every message kind, with every optional field present or absent. */
const messageArbitrary: fc.Arbitrary<Message> = fc.oneof(
  fc.tuple(envelope, num, num, num, fc.array(entry, { maxLength: 5 })).map(([e, prevLogIndex, prevLogTerm, commit, entries]): Message => ({ type: 'append', ...e, prevLogIndex, prevLogTerm, commit, entries })),
  fc.tuple(envelope, num).map(([e, index]): Message => ({ type: 'append-response', ...e, reject: false, index })),
  fc.tuple(envelope, num, num, num).map(([e, index, hintIndex, hintTerm]): Message => ({ type: 'append-response', ...e, reject: true, index, hintIndex, hintTerm })),
  fc.tuple(envelope, fc.constantFrom('vote' as const, 'pre-vote' as const), num, num, fc.boolean()).map(([e, type, lastLogIndex, lastLogTerm, transfer]): Message =>
    transfer ? { type, ...e, lastLogIndex, lastLogTerm, transfer } : { type, ...e, lastLogIndex, lastLogTerm },
  ),
  fc.tuple(envelope, fc.constantFrom('vote-response' as const, 'pre-vote-response' as const), fc.boolean()).map(([e, type, granted]): Message => ({ type, ...e, granted })),
  fc.tuple(envelope, num, fc.option(bytes, { nil: undefined }), fc.option(num, { nil: undefined })).map(([e, commit, context, sentAt]): Message => ({
    type: 'heartbeat',
    ...e,
    commit,
    ...(context === undefined ? {} : { context }),
    ...(sentAt === undefined ? {} : { sentAt }),
  })),
  fc.tuple(envelope, fc.option(bytes, { nil: undefined }), fc.option(num, { nil: undefined })).map(([e, context, sentAt]): Message => ({
    type: 'heartbeat-response',
    ...e,
    ...(context === undefined ? {} : { context }),
    ...(sentAt === undefined ? {} : { sentAt }),
  })),
  fc.tuple(envelope, num, num, confState, bytes).map(([e, index, term, cs, data]): Message => ({ type: 'snapshot', ...e, snapshot: { metadata: { index, term, confState: cs }, data } })),
  fc.tuple(envelope, bytes, fc.boolean()).map(([e, context, safe]): Message => (safe ? { type: 'read-index', ...e, context, safe } : { type: 'read-index', ...e, context })),
  fc.tuple(envelope, num, bytes).map(([e, index, context]): Message => ({ type: 'read-index-response', ...e, index, context })),
  fc.tuple(envelope, id).map(([e, transferee]): Message => ({ type: 'transfer-leader', ...e, transferee })),
  envelope.map((e): Message => ({ type: 'timeout-now', ...e })),
);

function decodeError(frame: Uint8Array): FrameError {
  try {
    decodeFrame(frame);
  } catch (error) {
    if (isFrameError(error)) return error;
    throw error;
  }
  throw new Error('decoded');
}

const heartbeat: Message = { type: 'heartbeat', from: 'a', to: 'b', term: 3, commit: 7 };

describe('message codec', () => {
  it('round-trips frames of every message kind exactly (property)', () => {
    fc.assert(
      fc.property(fc.array(messageArbitrary, { maxLength: 8 }), (messages) => {
        const decoded = decodeFrame(encodeMessages(messages));
        // toStrictEqual: optional fields absent stay absent, and byte fields come back as plain Uint8Arrays.
        expect(decoded).toStrictEqual(structuredClone(messages)); // plain prototypes (fast-check builds records without one)
      }),
      { numRuns: 500 },
    );
  });

  it('decodes a frame joined from separately encoded messages, and reads from a Buffer slice', () => {
    const parts = [encodeMessage(heartbeat), encodeMessage({ type: 'timeout-now', from: 'b', to: 'a', term: 4 })];
    const frame = encodeFrame(parts);
    expect(Array.from(frame.subarray(0, 3))).toEqual(Array.from(FRAME_HEADER));
    const pooled = Buffer.concat([Buffer.from([9, 9]), Buffer.from(frame)]).subarray(2);
    const decoded = decodeFrame(pooled);
    expect(decoded).toEqual([heartbeat, { type: 'timeout-now', from: 'b', to: 'a', term: 4 }]);
    const append = decodeFrame(encodeMessages([{ type: 'append', from: 'a', to: 'b', term: 1, prevLogIndex: 0, prevLogTerm: 0, commit: 0, entries: [{ index: 1, term: 1, type: 'normal', data: Buffer.from('x') }] }]));
    expect(Object.getPrototypeOf((append[0] as unknown as { entries: Entry[] }).entries[0]?.data)).toBe(Uint8Array.prototype);
  });

  it('is compact: a heartbeat between one-letter ids takes a few bytes', () => {
    expect(encodeMessage(heartbeat).byteLength).toBeLessThanOrEqual(8);
  });

  it('refuses to encode a number that is not a non-negative safe integer, or an unknown type', () => {
    expect(() => encodeMessage({ ...heartbeat, term: -1 })).toThrow(TypeError);
    expect(() => encodeMessage({ ...heartbeat, commit: 1.5 })).toThrow(TypeError);
    expect(() => encodeMessage({ ...heartbeat, type: 'gossip' } as unknown as Message)).toThrow(/type "gossip"/);
  });

  it('throws FrameError naming the offset for a bad magic, version or trailing bytes', () => {
    expect(decodeError(Uint8Array.of(1, 2, 3, 0))).toMatchObject({ offset: 0, reason: expect.stringContaining('bad magic') });
    expect(decodeError(Uint8Array.of(0xb7, 0x52, 9, 0))).toMatchObject({ offset: 2, reason: 'unsupported frame version 9' });
    const frame = encodeMessages([heartbeat]);
    const extra = new Uint8Array([...frame, 0]);
    expect(decodeError(extra)).toMatchObject({ offset: frame.byteLength, reason: '1 bytes left over after 1 messages' });
    const error = decodeError(new Uint8Array(0));
    expect(error).toBeInstanceOf(FrameError);
    expect(error).toMatchObject({ name: 'FrameError', code: 'ERAFTFRAME' });
    expect(error.message).toMatch(/^Raft transport: bad message frame at byte 0: /);
  });

  it('refuses every cut-short prefix of a valid frame', () => {
    const frame = encodeMessages([
      heartbeat,
      { type: 'append', from: 'a', to: 'b', term: 2, prevLogIndex: 1, prevLogTerm: 1, commit: 1, entries: [{ index: 2, term: 2, type: 'normal', data: Uint8Array.of(1, 2) }] },
      { type: 'snapshot', from: 'a', to: 'b', term: 2, snapshot: { metadata: { index: 5, term: 2, confState: { voters: ['a', 'b'], learners: ['c'] } }, data: Uint8Array.of(7) } },
    ]);
    for (let cut = 0; cut < frame.byteLength; cut++) expect(isFrameError(decodeError(frame.subarray(0, cut)))).toBe(true);
  });

  it('refuses unknown kinds, entry types and flag bits, non-minimal varints, empty ids and invalid UTF-8', () => {
    const frame = (...body: number[]): Uint8Array => Uint8Array.of(0xb7, 0x52, 1, 1, ...body);
    const a = [1, 0x61];
    const b = [1, 0x62];
    expect(decodeError(frame(99)).reason).toBe('unknown message kind 99');
    expect(decodeError(frame(0)).reason).toBe('unknown message kind 0');
    // append with one entry of type 2
    expect(decodeError(frame(1, ...a, ...b, 1, 0, 0, 0, 1, 1, 1, 2, 0)).reason).toBe('unknown entry type 2');
    // vote with transfer flag 2
    expect(decodeError(frame(3, ...a, ...b, 1, 0, 0, 2)).reason).toMatch(/unknown bits 0x2/);
    // heartbeat with read flags 4
    expect(decodeError(frame(7, ...a, ...b, 1, 0, 4)).reason).toMatch(/the read flags has unknown bits/);
    // term 0 written as 0x80 0x00
    expect(decodeError(frame(13, ...a, ...b, 0x80, 0x00)).reason).toBe('term is not minimally encoded');
    // a term of 9 bytes
    expect(decodeError(frame(13, ...a, ...b, ...Array(8).fill(0xff), 1)).reason).toBe('term is longer than 8 bytes');
    // 2^56 - 1 > 2^53 - 1
    expect(decodeError(frame(13, ...a, ...b, ...Array(7).fill(0xff), 0x7f)).reason).toBe('term is past 2^53 − 1');
    expect(decodeError(frame(13, 0, ...b, 1)).reason).toBe('from is empty');
    expect(decodeError(frame(13, 1, 0xff, ...b, 1)).reason).toBe('from is not valid UTF-8');
    expect(decodeError(frame(13, 5, 0x61)).reason).toBe('from length 5 runs past the end');
    // snapshot whose autoLeave value bit lacks its presence bit
    expect(decodeError(frame(9, ...a, ...b, 1, 1, 1, 16, 0)).reason).toMatch(/autoLeave/);
    // a count larger than the messages present
    expect(decodeError(Uint8Array.of(0xb7, 0x52, 1, 0xff, 0xff, 0x03)).reason).toBe('cut short reading a message kind');
  });

  it('throws nothing but FrameError on random bytes and on valid frames with a byte flipped (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (junk) => {
        try {
          decodeFrame(Uint8Array.of(0xb7, 0x52, 1, ...junk));
        } catch (error) {
          expect(isFrameError(error)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.array(messageArbitrary, { minLength: 1, maxLength: 3 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (messages, at, flip) => {
        const frame = encodeMessages(messages);
        const i = at % frame.byteLength;
        frame[i] = (frame[i] as number) ^ flip;
        try {
          decodeFrame(frame);
        } catch (error) {
          expect(isFrameError(error)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
