/**
 * The commands the KV state machine replicates, and their byte encoding (JSON, UTF-8). A command
 * carries the client's request id when it has one, so that a retry is answered from the
 * request table instead of running twice.
 */
export type KvCommand =
  | { readonly op: 'put'; readonly key: string; readonly value: string; readonly requestId?: string }
  | { readonly op: 'delete'; readonly key: string; readonly requestId?: string }
  | { readonly op: 'cas'; readonly key: string; readonly expected: string | null; readonly value: string; readonly requestId?: string }
  /** Records a member's base URL in the replicated state, so every node can reach a member added at run time. */
  | { readonly op: 'member-url'; readonly id: string; readonly url: string | null };

/** What applying a command answered. `revision` is the Raft index of the change. */
export type KvResult =
  | { readonly type: 'ok'; readonly key: string; readonly revision: number }
  | { readonly type: 'not-found'; readonly key: string }
  | { readonly type: 'mismatch'; readonly key: string; readonly current: { readonly value: string; readonly revision: number } | null }
  /** The request id was used before for another operation or key: nothing ran. */
  | { readonly type: 'request-id-reused'; readonly requestId: string }
  /** The entry could not be decoded as a command: nothing ran (never produced by this app's own proposals). */
  | { readonly type: 'invalid' }
  | { readonly type: 'member-url'; readonly id: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The bytes of a command, for `RaftNode.propose`. */
export function encodeCommand(command: KvCommand): Uint8Array {
  return encoder.encode(JSON.stringify(command));
}

const isString = (value: unknown): value is string => typeof value === 'string';
const optionalString = (value: unknown): boolean => value === undefined || typeof value === 'string';

/** The command in `bytes`, or `undefined` when they are not one (bad UTF-8, bad JSON, wrong fields). */
export function decodeCommand(bytes: Uint8Array): KvCommand | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const c = parsed as Record<string, unknown>;
  switch (c.op) {
    case 'put':
      return isString(c.key) && isString(c.value) && optionalString(c.requestId) ? (c as KvCommand) : undefined;
    case 'delete':
      return isString(c.key) && optionalString(c.requestId) ? (c as KvCommand) : undefined;
    case 'cas':
      return isString(c.key) && isString(c.value) && (c.expected === null || isString(c.expected)) && optionalString(c.requestId)
        ? (c as KvCommand)
        : undefined;
    case 'member-url':
      return isString(c.id) && (c.url === null || isString(c.url)) ? (c as KvCommand) : undefined;
    default:
      return undefined;
  }
}
