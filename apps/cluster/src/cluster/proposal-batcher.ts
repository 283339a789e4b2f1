/**
 * Gathers the proposals of one turn of the event loop and hands them to Raft together, so that
 * they land in one Ready and share one fsync (group commit). Without it, each HTTP request
 * proposes on its own turn and the node's Ready loop, which starts at once, writes and syncs
 * that one entry before the next request is even read. A proposal waits at most until the end
 * of the current turn (`setImmediate`, after the I/O callbacks of this poll phase).
 *
 * @typeParam R what a proposal resolves with
 * @example
 * const proposals = new ProposalBatcher((bytes) => node.propose(bytes));
 * const result = await proposals.submit(encodeCommand(command));
 */
export class ProposalBatcher<R> {
  #queue: Array<{ readonly bytes: Uint8Array; readonly resolve: (value: R) => void; readonly reject: (error: unknown) => void }> = [];
  #scheduled = false;
  /** Batches handed to Raft so far, and the proposals in them (for tests and the curious). */
  batches = 0;
  proposals = 0;

  /**
   * @param propose hands one command to Raft (`node.propose`); called synchronously for every command of a batch
   * @param schedule runs the flush later (default `setImmediate`)
   */
  constructor(
    private readonly propose: (bytes: Uint8Array) => Promise<R>,
    private readonly schedule: (flush: () => void) => void = (flush) => setImmediate(flush),
  ) {}

  /** Proposes `bytes` with the other proposals of this turn; settles as `propose` does. */
  submit(bytes: Uint8Array): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ bytes, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      this.schedule(() => this.#flush());
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    this.batches++;
    this.proposals += batch.length;
    for (const { bytes, resolve, reject } of batch) {
      let result: Promise<R>;
      try {
        result = this.propose(bytes);
      } catch (error) {
        reject(error);
        continue;
      }
      result.then(resolve, reject);
    }
  }
}
