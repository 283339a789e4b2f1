import { show } from '../policies/validate.js';
import type { NodeId } from './entry.js';
import { MESSAGE_TYPES, type Message } from './messages.js';
import type { Snapshot } from './snapshot.js';

/**
 * Checks a message handed to `Raft.step` (it comes from the network: a transport's decoding
 * may be wrong, or a peer misconfigured).
 *
 * @throws {TypeError} when it is not a well-formed message
 * @throws {RangeError} when it is addressed to another node or claims to come from this one
 */
export function checkMessage(message: Message, self: NodeId): void {
  if (typeof message !== 'object' || message === null || !MESSAGE_TYPES.has((message as { type: unknown }).type as string)) {
    throw new TypeError(`Raft: step(message) needs a Raft message with a known type, got ${show(message)}`);
  }
  if (typeof message.from !== 'string' || message.from === '') {
    throw new TypeError(`Raft: message.from must be a non-empty string, got ${show(message.from)}`);
  }
  if (!Number.isInteger(message.term) || message.term < 0) {
    throw new TypeError(`Raft: message.term must be a non-negative integer, got ${show(message.term)}`);
  }
  if (message.type === 'snapshot') checkSnapshot(message.snapshot);
  if (message.to !== self) throw new RangeError(`Raft: message.to is ${show(message.to)}, but this node is ${show(self)}`);
  if (message.from === self) throw new RangeError(`Raft: message.from is this node (${show(self)}); peers only`);
}

function checkSnapshot(snapshot: Snapshot): void {
  const metadata = (snapshot as Partial<Snapshot> | undefined)?.metadata;
  if (
    metadata === undefined ||
    !Number.isInteger(metadata.index) ||
    metadata.index < 1 ||
    !Number.isInteger(metadata.term) ||
    !Array.isArray(metadata.confState?.voters) ||
    !(snapshot.data instanceof Uint8Array)
  ) {
    throw new TypeError(
      `Raft: message.snapshot must be { metadata: { index ≥ 1, term, confState: { voters } }, data: Uint8Array }, got ${show(snapshot)}`,
    );
  }
}
