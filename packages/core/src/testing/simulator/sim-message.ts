import type { NodeId } from '../../raft/entry.js';
import type { Message } from '../../raft/messages.js';
import type { SessionId } from '../../raft/sessions/session-table.js';
import type { KvInput, KvOutput } from '../linearizability/kv-model.js';

/** What a client asks a server: open a session, or run an operation in one (without the leader's timestamp). */
export type ClientCall =
  | { readonly type: 'register'; readonly nonce: string }
  | {
      readonly type: 'op';
      readonly session: SessionId;
      readonly seq: number;
      readonly ack: number;
      readonly op: KvInput;
      /** For a `get`: serve it by ReadIndex (thesis §6.4) instead of through the log. */
      readonly readIndex?: boolean;
    };

/**
 * A server's answer:
 * - `registered`, `ok`: the command committed and applied (`ok` may be a cached answer to a retry);
 * - `expired`: the session is unknown; an earlier copy of the request may have run;
 * - `not-leader`: this node did not propose the request (definite: nothing was appended here);
 * - `dropped`: proposed here, but this node lost leadership before it applied (unknown outcome).
 */
export type ServerReply =
  | { readonly status: 'registered'; readonly session: SessionId }
  | { readonly status: 'ok'; readonly output: KvOutput }
  | { readonly status: 'expired' }
  | { readonly status: 'not-leader'; readonly leaderId: NodeId | undefined }
  | { readonly status: 'dropped' };

/** Everything that crosses the simulated network: Raft messages, client requests and replies. */
export type SimMessage =
  | { readonly kind: 'raft'; readonly message: Message }
  | { readonly kind: 'request'; readonly call: ClientCall }
  | { readonly kind: 'reply'; readonly key: string; readonly reply: ServerReply };

/** The key a reply carries: which call it answers (a retry has the same key). */
export function callKey(call: ClientCall): string {
  return call.type === 'register' ? `register:${call.nonce}` : `op:${call.session}:${call.seq}`;
}
