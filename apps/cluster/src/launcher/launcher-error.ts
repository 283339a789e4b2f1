import { BulwarkError, isBulwarkError } from '@bulwark/core';

/**
 * Why the launcher gave up:
 * - `'invalidOptions'`: an option of {@link startCluster} or a CLI flag is out of range (named in the message);
 * - `'memberExited'`: a member process exited before it printed its `ready` line;
 * - `'readyTimeout'`: a member did not print its `ready` line in time;
 * - `'noLeader'`: no leader that a majority of the members agree on appeared in time;
 * - `'unknownMember'`: no member has that id;
 * - `'notRunning'` / `'alreadyRunning'`: the member's process is not / is still running.
 */
export type LauncherErrorReason =
  | 'invalidOptions'
  | 'memberExited'
  | 'readyTimeout'
  | 'noLeader'
  | 'unknownMember'
  | 'notRunning'
  | 'alreadyRunning';

/**
 * The launcher ({@link startCluster}, the `npm start` CLI) could not do what it was asked;
 * {@link LauncherError.reason} says why and {@link LauncherError.memberId} names the member
 * concerned, when one is.
 *
 * @example
 * try {
 *   await cluster.waitForLeader(5_000);
 * } catch (error) {
 *   if (isLauncherError(error) && error.reason === 'noLeader') console.error(error.message);
 * }
 */
export class LauncherError extends BulwarkError {
  readonly code = 'ELAUNCHER' as const;

  /**
   * @param reason why the launcher gave up
   * @param message what happened, naming the option, member or timeout
   * @param memberId the member concerned, if any
   */
  constructor(
    readonly reason: LauncherErrorReason,
    message: string,
    readonly memberId?: string,
  ) {
    super(message);
  }
}
Object.defineProperty(LauncherError.prototype, 'name', { value: 'LauncherError', configurable: true, writable: true });

/** True when `value` is a {@link LauncherError} from any copy of the launcher. */
export function isLauncherError(value: unknown): value is LauncherError {
  return isBulwarkError(value) && value.code === 'ELAUNCHER';
}
