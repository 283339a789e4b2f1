import type { SessionId } from '../../raft/sessions/session-table.js';
import type { KvInput, KvOutput } from '../linearizability/kv-model.js';

/**
 * A command of the simulator's KV state machine, as it sits in a log entry. Every command carries
 * the proposing leader's clock (`timeMs`): session expiry runs on it, so replicas agree.
 *
 * - `register` opens a client session; its id is the entry's index. `nonce` lets the proposer
 *   recognise its own entry when it applies.
 * - `op` runs a KV operation once per `(session, seq)` (see `SessionTable`).
 */
export type KvCommand =
  | { readonly type: 'register'; readonly nonce: string; readonly timeMs: number }
  | {
      readonly type: 'op';
      readonly session: SessionId;
      readonly seq: number;
      readonly ack: number;
      readonly op: KvInput;
      readonly timeMs: number;
    };

/**
 * What applying a {@link KvCommand} gave: a session, an operation's output (first run or cached),
 * or why it did not run (`expired`: unknown session; `stale`: already acknowledged).
 */
export type KvResult =
  | { readonly status: 'registered'; readonly session: SessionId }
  | { readonly status: 'ok'; readonly output: KvOutput }
  | { readonly status: 'expired' }
  | { readonly status: 'stale' };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The bytes of a command, for `Raft.propose`. */
export function encodeKvCommand(command: KvCommand): Uint8Array {
  return encoder.encode(JSON.stringify(command));
}

/**
 * The command in an entry's bytes, or `undefined` for an empty entry (a new leader's no-op).
 *
 * @throws {TypeError} when the bytes are not a command
 */
export function decodeKvCommand(data: Uint8Array): KvCommand | undefined {
  if (data.byteLength === 0) return undefined;
  const parsed: unknown = JSON.parse(decoder.decode(data));
  const type = (parsed as { type?: unknown } | null)?.type;
  if (type !== 'register' && type !== 'op') throw new TypeError(`decodeKvCommand: not a KV command: ${decoder.decode(data)}`);
  return parsed as KvCommand;
}
