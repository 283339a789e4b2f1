import { BulwarkError, errorGuard, nameErrorClass } from '../../../errors/bulwark-error.js';

/**
 * A {@link RaftNode} was stopped (by `stop()`, or because its storage or state machine failed:
 * then `cause` holds that error) with the request pending, or the request came after it.
 *
 * @example
 * await node.stop();
 * await node.propose(command).catch((error) => isNodeStoppedError(error)); // true
 */
export class NodeStoppedError extends BulwarkError {
  readonly code = 'ENODESTOPPED' as const;

  /** @param cause the failure that stopped the node, if it did not stop on request */
  constructor(cause?: unknown) {
    super(cause === undefined ? 'Raft node is stopped' : `Raft node stopped after a failure: ${String(cause)}`, { cause });
  }
}
nameErrorClass(NodeStoppedError);

/** True when `value` is a {@link NodeStoppedError} from any copy of Bulwark. */
export const isNodeStoppedError = errorGuard<NodeStoppedError>('ENODESTOPPED');
