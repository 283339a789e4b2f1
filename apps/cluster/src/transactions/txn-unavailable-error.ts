/**
 * Thrown by `TransactionsService.transact` before the member's coordinator is up (it needs a
 * leader once, for its epoch), and by `RaftDecisionLog` when a command answers something else
 * than expected: nothing ran; try again shortly.
 */
export class TxnUnavailableError extends Error {
  override readonly name = 'TxnUnavailableError';
  readonly code = 'ETXNUNAVAILABLE';
}
