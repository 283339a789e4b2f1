import type { Disposable, Event, NodeStoppedError } from '@bulwark/core';

/** What {@link exitOnNodeFailure} needs of a `RaftNode`. */
export interface StoppableNode {
  readonly id: string;
  readonly onStop: Event<NodeStoppedError>;
}

/** Options of {@link exitOnNodeFailure}. */
export interface ExitOnFailureOptions {
  /** Writes one line (the member: to stderr). */
  readonly log: (line: string) => void;
  /** Ends the process (the member: `process.exit`). */
  readonly exit: (code: number) => void;
}

/** The exit code of a member whose Raft node stopped on a failure. */
export const NODE_FAILURE_EXIT_CODE = 1;

/**
 * Makes a member process exit ({@link NODE_FAILURE_EXIT_CODE}) when its Raft node stops on a
 * failure — its storage failed (an fsync error, a full disk) or its state machine threw — after
 * logging the cause. Such a node answers every request 503 for good, and after a failed fsync
 * the kernel may have dropped the unwritten pages, so going on is not safe either: exiting lets
 * a supervisor restart the member, which replays its log from the disk. A stop on request
 * (`stop()`, no `cause`) is ignored.
 *
 * @returns the subscription (dispose it to stop watching)
 * @example
 * exitOnNodeFailure(runtime.node, { log: (line) => process.stderr.write(`${line}\n`), exit: (code) => process.exit(code) });
 */
export function exitOnNodeFailure(node: StoppableNode, options: ExitOnFailureOptions): Disposable {
  return node.onStop((reason) => {
    if (reason.cause === undefined) return;
    const cause = reason.cause instanceof Error ? reason.cause.message : String(reason.cause);
    options.log(`${node.id}: the Raft node stopped after a failure (${cause}); exiting with code ${NODE_FAILURE_EXIT_CODE} so that a supervisor restarts this member`);
    options.exit(NODE_FAILURE_EXIT_CODE);
  });
}
