import type { Message } from '../messages.js';

/**
 * How a {@link RaftNode} reaches its peers. `send` hands over the messages of one Ready, after
 * their state is durable; it must not block or throw for an unreachable peer: Raft tolerates
 * lost, duplicated and reordered messages and retries by itself. The other direction is the
 * node's `receive(message)`, which the transport calls for each message addressed to it.
 *
 * @example
 * const transport: Transport = { send: (messages) => messages.forEach((m) => peers.get(m.to)?.receive(m)) };
 */
export interface Transport {
  /** Sends each message to `message.to`, best effort. */
  send(messages: readonly Message[]): void;
}
