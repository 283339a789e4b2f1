import type { Entry, NodeId } from '../entry.js';
import type { Message, MessageType } from '../messages.js';
import type { ConfState } from '../raft-state.js';
import { FrameError } from './errors/frame-error.js';

// A compact binary frame for Raft messages (the body of one peer request):
//
//   frame   = magic 0xB7 0x52, version 0x01, varint count, message × count
//   message = u8 kind, str from, str to, varint term, then the kind's fields (below)
//   varint  = unsigned LEB128 of a safe integer (≤ 2^53 − 1), minimal (no trailing 0x00 byte)
//   str     = varint length, UTF-8 bytes;  bytes = varint length, raw bytes;  flags = u8 bit set
//
// Decoding is strict: unknown kinds, entry types or flag bits, non-minimal varints, invalid
// UTF-8, empty ids, lengths past the end and bytes left over all throw FrameError, so a bad
// or hostile body is refused whole (400), never half delivered.

const MAGIC0 = 0xb7;
const MAGIC1 = 0x52;
const VERSION = 1;
/** The bytes every frame starts with. */
export const FRAME_HEADER: Uint8Array = Uint8Array.of(MAGIC0, MAGIC1, VERSION);

const KINDS: readonly MessageType[] = [
  'append',
  'append-response',
  'vote',
  'pre-vote',
  'vote-response',
  'pre-vote-response',
  'heartbeat',
  'heartbeat-response',
  'snapshot',
  'read-index',
  'read-index-response',
  'transfer-leader',
  'timeout-now',
];
const KIND_CODE = new Map<MessageType, number>(KINDS.map((kind, i) => [kind, i + 1]));

const encoder = new TextEncoder();
// Node ids repeat in every message: their UTF-8 bytes are kept (a bounded cache).
const ids = new Map<string, Uint8Array>();
function encodeId(value: string): Uint8Array {
  let bytes = ids.get(value);
  if (bytes === undefined) {
    bytes = encoder.encode(value);
    if (ids.size >= 1024) ids.clear();
    if (value.length <= 64) ids.set(value, bytes);
  }
  return bytes;
}
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Encoded messages live until their request is sent; allocating each its own buffer made the
// allocator and the GC a third of the codec's time. Views into 64 KiB slabs instead (a slab is
// freed once every message carved from it is).
const SLAB_BYTES = 64 * 1024;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

/** A growable byte buffer, reused across messages (`reset`), copied out by `done`. */
class Writer {
  buf = new Uint8Array(1024);
  pos = 0;

  reset(): this {
    this.pos = 0;
    return this;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(value: number): void {
    this.room(1);
    this.buf[this.pos++] = value;
  }

  varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`Raft transport: cannot encode ${String(value)} (a non-negative safe integer is needed)`);
    this.room(8);
    while (value >= 0x80) {
      this.buf[this.pos++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.buf[this.pos++] = value;
  }

  bytes(value: Uint8Array): void {
    this.varint(value.byteLength);
    this.room(value.byteLength);
    this.buf.set(value, this.pos);
    this.pos += value.byteLength;
  }

  str(value: string): void {
    this.bytes(encodeId(value));
  }

  /** A copy of what was written: small messages are carved out of a shared slab (one allocation per many). */
  done(): Uint8Array {
    const n = this.pos;
    if (n > SLAB_BYTES / 16) {
      const out = this.buf.slice(0, n);
      if (this.buf.length > 1024 * 1024) this.buf = new Uint8Array(1024); // after a snapshot: give the memory back
      return out;
    }
    if (slabUsed + n > SLAB_BYTES) {
      slab = new Uint8Array(SLAB_BYTES);
      slabUsed = 0;
    }
    slab.set(this.buf.subarray(0, n), slabUsed);
    const out = slab.subarray(slabUsed, slabUsed + n);
    slabUsed += n;
    return out;
  }
}

const shared = new Writer();

class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  fail(reason: string): never {
    throw new FrameError(reason, this.pos);
  }

  get left(): number {
    return this.buf.byteLength - this.pos;
  }

  u8(what: string): number {
    if (this.pos >= this.buf.byteLength) this.fail(`cut short reading ${what}`);
    return this.buf[this.pos++] as number;
  }

  varint(what: string): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (i === 8) this.fail(`${what} is longer than 8 bytes`);
      const byte = this.u8(what);
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        if (byte === 0 && i > 0) this.fail(`${what} is not minimally encoded`);
        break;
      }
      scale *= 0x80;
    }
    if (!Number.isSafeInteger(value)) this.fail(`${what} is past 2^53 − 1`);
    return value;
  }

  bytes(what: string): Uint8Array {
    const length = this.varint(`${what} length`);
    if (length > this.left) this.fail(`${what} length ${length} runs past the end`);
    const out = this.buf.subarray(this.pos, this.pos + length); // a view of decodeFrame's private copy
    this.pos += length;
    return out;
  }

  str(what: string): string {
    const start = this.pos;
    const bytes = this.bytes(what);
    if (bytes.length <= 64) {
      // Node ids are short and ASCII: skip the decoder's call overhead.
      let ascii = true;
      for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) >= 0x80) ascii = false;
      if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
    }
    try {
      return decoder.decode(bytes);
    } catch {
      this.pos = start;
      return this.fail(`${what} is not valid UTF-8`);
    }
  }

  id(what: string): NodeId {
    const value = this.str(what);
    if (value === '') this.fail(`${what} is empty`);
    return value;
  }

  flags(what: string, allowed: number): number {
    const value = this.u8(what);
    if ((value & ~allowed) !== 0) {
      this.pos--;
      this.fail(`${what} has unknown bits 0x${(value & ~allowed).toString(16)}`);
    }
    return value;
  }
}

/**
 * Encodes one message (no frame header): {@link encodeFrame} joins many.
 *
 * @throws {TypeError} when a number field is not a non-negative safe integer, or the type is unknown
 */
export function encodeMessage(message: Message): Uint8Array {
  const w = shared.reset();
  const code = KIND_CODE.get(message.type);
  if (code === undefined) throw new TypeError(`Raft transport: cannot encode a message of type ${JSON.stringify(message.type)}`);
  w.u8(code);
  w.str(message.from);
  w.str(message.to);
  w.varint(message.term);
  switch (message.type) {
    case 'append':
      w.varint(message.prevLogIndex);
      w.varint(message.prevLogTerm);
      w.varint(message.commit);
      w.varint(message.entries.length);
      for (const entry of message.entries) writeEntry(w, entry);
      break;
    case 'append-response':
      w.u8(message.reject ? 1 : 0);
      w.varint(message.index);
      if (message.reject) {
        w.varint(message.hintIndex);
        w.varint(message.hintTerm);
      }
      break;
    case 'vote':
    case 'pre-vote':
      w.varint(message.lastLogIndex);
      w.varint(message.lastLogTerm);
      w.u8(message.transfer === true ? 1 : 0);
      break;
    case 'vote-response':
    case 'pre-vote-response':
      w.u8(message.granted ? 1 : 0);
      break;
    case 'heartbeat':
      w.varint(message.commit);
      writeReadExtras(w, message);
      break;
    case 'heartbeat-response':
      writeReadExtras(w, message);
      break;
    case 'snapshot':
      w.varint(message.snapshot.metadata.index);
      w.varint(message.snapshot.metadata.term);
      writeConfState(w, message.snapshot.metadata.confState);
      w.bytes(message.snapshot.data);
      break;
    case 'read-index':
      w.u8(message.safe === true ? 1 : 0);
      w.bytes(message.context);
      break;
    case 'read-index-response':
      w.varint(message.index);
      w.bytes(message.context);
      break;
    case 'transfer-leader':
      w.str(message.transferee);
      break;
    case 'timeout-now':
      break;
  }
  return w.done();
}

/** Joins messages encoded by {@link encodeMessage} into one frame (a request body). */
export function encodeFrame(messages: readonly Uint8Array[]): Uint8Array {
  const count = shared.reset();
  count.varint(messages.length);
  const head = count.done();
  let size = FRAME_HEADER.byteLength + head.byteLength;
  for (const m of messages) size += m.byteLength;
  const out = new Uint8Array(size);
  out.set(FRAME_HEADER, 0);
  out.set(head, FRAME_HEADER.byteLength);
  let at = FRAME_HEADER.byteLength + head.byteLength;
  for (const m of messages) {
    out.set(m, at);
    at += m.byteLength;
  }
  return out;
}

/** Encodes messages into one frame. */
export function encodeMessages(messages: readonly Message[]): Uint8Array {
  return encodeFrame(messages.map(encodeMessage));
}

/**
 * Decodes a frame into its messages.
 *
 * @throws {FrameError} when the frame is malformed in any way (the error names the byte offset)
 */
export function decodeFrame(frame: Uint8Array): Message[] {
  // One private copy of the frame (a plain Uint8Array, not the socket's pooled Buffer): the
  // byte fields decoded are views of it, so decoding allocates once per frame, not per entry.
  const copy = new Uint8Array(frame.byteLength);
  copy.set(frame);
  const r = new Reader(copy);
  if (r.u8('the magic') !== MAGIC0 || r.u8('the magic') !== MAGIC1) {
    r.pos = 0;
    r.fail('not a Raft message frame (bad magic)');
  }
  const version = r.u8('the version');
  if (version !== VERSION) {
    r.pos--;
    r.fail(`unsupported frame version ${version}`);
  }
  const count = r.varint('the message count');
  const messages: Message[] = [];
  for (let i = 0; i < count; i++) messages.push(readMessage(r));
  if (r.left > 0) r.fail(`${r.left} bytes left over after ${count} messages`);
  return messages;
}

function writeEntry(w: Writer, entry: Entry): void {
  w.varint(entry.index);
  w.varint(entry.term);
  w.u8(entry.type === 'conf-change' ? 1 : 0);
  w.bytes(entry.data);
}

function writeReadExtras(w: Writer, m: { readonly context?: Uint8Array; readonly sentAt?: number }): void {
  w.u8((m.context === undefined ? 0 : 1) | (m.sentAt === undefined ? 0 : 2));
  if (m.context !== undefined) w.bytes(m.context);
  if (m.sentAt !== undefined) w.varint(m.sentAt);
}

const CS_LEARNERS = 1;
const CS_OUTGOING = 2;
const CS_NEXT = 4;
const CS_AUTO = 8;
const CS_AUTO_TRUE = 16;

function writeConfState(w: Writer, cs: ConfState): void {
  w.u8(
    (cs.learners === undefined ? 0 : CS_LEARNERS) |
      (cs.votersOutgoing === undefined ? 0 : CS_OUTGOING) |
      (cs.learnersNext === undefined ? 0 : CS_NEXT) |
      (cs.autoLeave === undefined ? 0 : CS_AUTO) |
      (cs.autoLeave === true ? CS_AUTO_TRUE : 0),
  );
  writeIds(w, cs.voters);
  if (cs.learners !== undefined) writeIds(w, cs.learners);
  if (cs.votersOutgoing !== undefined) writeIds(w, cs.votersOutgoing);
  if (cs.learnersNext !== undefined) writeIds(w, cs.learnersNext);
}

function writeIds(w: Writer, ids: readonly NodeId[]): void {
  w.varint(ids.length);
  for (const id of ids) w.str(id);
}

function readIds(r: Reader, what: string): NodeId[] {
  const n = r.varint(`${what} count`);
  const ids: NodeId[] = [];
  for (let i = 0; i < n; i++) ids.push(r.id(what));
  return ids;
}

function readConfState(r: Reader): ConfState {
  const flags = r.flags('the membership flags', CS_LEARNERS | CS_OUTGOING | CS_NEXT | CS_AUTO | CS_AUTO_TRUE);
  if ((flags & CS_AUTO_TRUE) !== 0 && (flags & CS_AUTO) === 0) {
    r.pos--;
    r.fail('the membership flags set autoLeave without its presence bit');
  }
  const voters = readIds(r, 'a voter');
  const cs: { -readonly [K in keyof ConfState]: ConfState[K] } = { voters };
  if ((flags & CS_LEARNERS) !== 0) cs.learners = readIds(r, 'a learner');
  if ((flags & CS_OUTGOING) !== 0) cs.votersOutgoing = readIds(r, 'an outgoing voter');
  if ((flags & CS_NEXT) !== 0) cs.learnersNext = readIds(r, 'a next learner');
  if ((flags & CS_AUTO) !== 0) cs.autoLeave = (flags & CS_AUTO_TRUE) !== 0;
  return cs;
}

function readBool(r: Reader, what: string): boolean {
  return r.flags(what, 1) === 1;
}

function readMessage(r: Reader): Message {
  const code = r.u8('a message kind');
  const type = KINDS[code - 1];
  if (type === undefined) {
    r.pos--;
    r.fail(`unknown message kind ${code}`);
  }
  const from = r.id('from');
  const to = r.id('to');
  const term = r.varint('term');
  const base = { from, to, term };
  switch (type) {
    case 'append': {
      const prevLogIndex = r.varint('prevLogIndex');
      const prevLogTerm = r.varint('prevLogTerm');
      const commit = r.varint('commit');
      const n = r.varint('the entry count');
      const entries: Entry[] = [];
      for (let i = 0; i < n; i++) {
        const index = r.varint('an entry index');
        const entryTerm = r.varint('an entry term');
        const kind = r.u8('an entry type');
        if (kind > 1) {
          r.pos--;
          r.fail(`unknown entry type ${kind}`);
        }
        entries.push({ index, term: entryTerm, type: kind === 1 ? 'conf-change' : 'normal', data: r.bytes('entry data') });
      }
      return { type, ...base, prevLogIndex, prevLogTerm, commit, entries };
    }
    case 'append-response': {
      const reject = readBool(r, 'the reject flag');
      const index = r.varint('index');
      if (!reject) return { type, ...base, reject, index };
      return { type, ...base, reject, index, hintIndex: r.varint('hintIndex'), hintTerm: r.varint('hintTerm') };
    }
    case 'vote':
    case 'pre-vote': {
      const lastLogIndex = r.varint('lastLogIndex');
      const lastLogTerm = r.varint('lastLogTerm');
      const transfer = readBool(r, 'the transfer flag');
      return transfer ? { type, ...base, lastLogIndex, lastLogTerm, transfer } : { type, ...base, lastLogIndex, lastLogTerm };
    }
    case 'vote-response':
    case 'pre-vote-response':
      return { type, ...base, granted: readBool(r, 'the granted flag') };
    case 'heartbeat': {
      const commit = r.varint('commit');
      return { type, ...base, commit, ...readReadExtras(r) };
    }
    case 'heartbeat-response':
      return { type, ...base, ...readReadExtras(r) };
    case 'snapshot': {
      const index = r.varint('the snapshot index');
      const snapTerm = r.varint('the snapshot term');
      const confState = readConfState(r);
      const data = r.bytes('snapshot data');
      return { type, ...base, snapshot: { metadata: { index, term: snapTerm, confState }, data } };
    }
    case 'read-index': {
      const safe = readBool(r, 'the safe flag');
      const context = r.bytes('context');
      return safe ? { type, ...base, context, safe } : { type, ...base, context };
    }
    case 'read-index-response':
      return { type, ...base, index: r.varint('index'), context: r.bytes('context') };
    case 'transfer-leader':
      return { type, ...base, transferee: r.id('transferee') };
    case 'timeout-now':
      return { type, ...base };
  }
}

function readReadExtras(r: Reader): { context?: Uint8Array; sentAt?: number } {
  const flags = r.flags('the read flags', 3);
  const out: { context?: Uint8Array; sentAt?: number } = {};
  if ((flags & 1) !== 0) out.context = r.bytes('context');
  if ((flags & 2) !== 0) out.sentAt = r.varint('sentAt');
  return out;
}
