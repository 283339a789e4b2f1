/**
 * The IPC messages between the http suite (parent) and a server process (child).
 */
import type { PolicySnapshot } from './policy-snapshot.js';

/** Parent → child: asks for a {@link PolicySnapshot} of every policy in the server's registry. */
export interface StatsRequest {
  readonly type: 'stats';
}

/** Child → parent. */
export type ServerMessage =
  /** Listening on 127.0.0.1:`port`. */
  | { readonly type: 'ready'; readonly port: number }
  /** The answer to a {@link StatsRequest}. */
  | { readonly type: 'stats'; readonly policies: readonly PolicySnapshot[] }
  /** The server could not start. */
  | { readonly type: 'failed'; readonly message: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Whether an IPC message is a well-formed {@link ServerMessage}. */
export function isServerMessage(value: unknown): value is ServerMessage {
  if (!isRecord(value)) return false;
  switch (value.type) {
    case 'ready':
      return Number.isInteger(value.port) && (value.port as number) > 0;
    case 'stats':
      return Array.isArray(value.policies) && value.policies.every((p) => isRecord(p) && typeof p.kind === 'string' && typeof p.name === 'string');
    case 'failed':
      return typeof value.message === 'string';
    default:
      return false;
  }
}

/** Whether an IPC message is a {@link StatsRequest}. */
export function isStatsRequest(value: unknown): value is StatsRequest {
  return isRecord(value) && value.type === 'stats';
}
