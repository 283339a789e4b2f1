import { wrap } from '@bulwark/core';
import type { PolicyRegistry, TransactionMessage, TransactionTransport } from '@bulwark/core';

/** Where members take two-phase commit messages (token-protected). */
export const TXN_MESSAGES_PATH = '/transactions/messages';

/** Options of {@link HttpTransactionTransport}. */
export interface HttpTransactionTransportOptions {
  /** This member's id: messages to it are delivered in process. */
  readonly selfId: string;
  readonly token: string;
  /** A member's base URL, if known. */
  readonly urlOf: (id: string) => string | undefined;
  /** Hands a message to this member's coordinator or participant. */
  readonly deliverLocal: (message: TransactionMessage) => void;
  /** The member's registry: a breaker per peer (`txn:<id>`) and the `txn-peer` timeout. */
  readonly registry: PolicyRegistry;
}

/**
 * Sends two-phase commit messages between members: `POST /transactions/messages` with the
 * cluster token, one message per request on fetch's keep-alive pool, through a breaker per peer
 * and a timeout; messages to this member go in process (on a later microtask, as a network
 * would). Sending never throws and loses a message on failure — the protocol re-sends. One
 * exception: a participant's `status` query whose coordinator cannot be reached is answered by
 * this member's own coordinator, from the replicated decision log, so that a dead coordinator
 * never leaves a participant in doubt.
 */
export class HttpTransactionTransport implements TransactionTransport {
  /** Messages that could not be delivered (counted, for the dashboard and tests). */
  failed = 0;
  /** Status queries answered locally because their coordinator was unreachable. */
  redirected = 0;
  /** Messages dropped by {@link HttpTransactionTransport.hold} (a test fault). */
  held = 0;
  readonly #holds = new Map<string, { readonly types: ReadonlySet<string>; readonly to: string | undefined }>();

  constructor(private readonly options: HttpTransactionTransportOptions) {}

  /**
   * Test fault (the member's `BULWARK_FAULTS=1`): from now on, drop this member's messages of
   * `types` for transaction `txId` (to member `to` only, when given) — e.g. its commit and abort
   * messages, so that a test can kill a coordinator between its decision and phase two, or its
   * prepare to one participant, to kill it while the votes are coming in.
   */
  hold(txId: string, types: readonly TransactionMessage['type'][], to?: string): void {
    this.#holds.set(txId, { types: new Set(types), to });
  }

  /** Ends a {@link HttpTransactionTransport.hold}: the protocol's re-sends and answers go out again. */
  release(txId: string): void {
    this.#holds.delete(txId);
  }

  send(message: TransactionMessage): void {
    const hold = this.#holds.get(message.txId);
    if (hold !== undefined && hold.types.has(message.type) && (hold.to === undefined || hold.to === message.to)) {
      this.held++;
      return;
    }
    const { selfId, deliverLocal } = this.options;
    if (message.to === selfId) {
      queueMicrotask(() => deliverLocal(message));
      return;
    }
    const url = this.options.urlOf(message.to);
    if (url === undefined) {
      this.#undelivered(message);
      return;
    }
    void this.#post(message.to, url, message).catch(() => this.#undelivered(message));
  }

  async #post(to: string, baseUrl: string, message: TransactionMessage): Promise<void> {
    const { registry, token } = this.options;
    const policy = wrap(registry.timeout('txn-peer', { timeoutMs: 2000 }), registry.breaker(`txn:${to}`));
    await policy.execute(async ({ signal }) => {
      const response = await fetch(baseUrl + TXN_MESSAGES_PATH, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(message),
        signal,
      });
      await response.arrayBuffer();
      // Only 204 is delivered: a 4xx (a token or a size the peer refuses) loses the message as
      // surely as a 5xx, and counts against the peer's breaker the same way.
      if (response.status !== 204) throw new Error(`${to} answered ${response.status}`);
    });
  }

  #undelivered(message: TransactionMessage): void {
    this.failed++;
    if (message.type === 'status') {
      this.redirected++;
      this.options.deliverLocal({ ...message, to: this.options.selfId });
    }
  }
}
