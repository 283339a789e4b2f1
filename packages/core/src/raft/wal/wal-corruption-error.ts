import { BulwarkError, errorGuard, nameErrorClass } from '../../errors/bulwark-error.js';

/**
 * The WAL (or a snapshot file) holds a record that is damaged and is not the torn last record a
 * crash leaves behind: a checksum mismatch, an unknown record type or a cut record in the middle
 * of the log, or entries missing after a compaction. `FileStorage.open` refuses to start rather
 * than serve a log that lost acknowledged entries; an operator restores the node from its peers.
 *
 * @example
 * try {
 *   FileStorage.open({ dir: '/var/lib/node-a', voters: ['a', 'b', 'c'] });
 * } catch (error) {
 *   if (isWalCorruptionError(error)) console.error(`damaged: ${error.file} at byte ${error.offset}`);
 * }
 */
export class WalCorruptionError extends BulwarkError {
  readonly code = 'EWALCORRUPT' as const;

  /**
   * @param file the damaged file's path
   * @param offset the byte offset of the damaged record in it
   * @param reason what is wrong there
   * @param subject which log it is, for the message (default `'Raft WAL'`; the transactions'
   *   `RecordLog` says `'record log'`)
   */
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
    subject = 'Raft WAL',
  ) {
    super(`${subject}: ${file} is corrupt at byte ${offset}: ${reason}`);
  }
}
nameErrorClass(WalCorruptionError);

/** True when `value` is a {@link WalCorruptionError} from any copy of Bulwark. */
export const isWalCorruptionError = errorGuard<WalCorruptionError>('EWALCORRUPT');
