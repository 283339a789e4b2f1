const ignore = (): void => undefined;

/**
 * Shares read barriers (ReadIndex rounds) among concurrent reads. A read that arrives while no
 * barrier runs starts one; a read that arrives while one runs waits for the **next** one, which
 * starts when the running one settles and serves every read queued meanwhile. A barrier that
 * started after a read arrived is as good as the read's own (linearizability only needs the
 * read index to be taken after the read began), so a burst of N reads costs two rounds, not N.
 *
 * @example
 * const reads = new ReadBarrierBatcher(() => node.read().then(() => undefined));
 * await reads.wait(); // then read the state machine
 */
export class ReadBarrierBatcher {
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;
  /** Barriers started so far (for tests and the curious). */
  started = 0;

  /** @param run starts one barrier; resolves once the local state reflects every write committed before it started */
  constructor(private readonly run: () => Promise<void>) {}

  /** Resolves once a barrier that started after this call has passed; rejects with its error. */
  wait(): Promise<void> {
    if (this.#queued !== undefined) return this.#queued;
    const running = this.#running;
    if (running === undefined) return this.#start();
    this.#queued = running.then(ignore, ignore).then(() => {
      this.#queued = undefined;
      return this.#start();
    });
    return this.#queued;
  }

  #start(): Promise<void> {
    this.started++;
    const barrier = this.run();
    this.#running = barrier;
    const done = (): void => {
      if (this.#running === barrier) this.#running = undefined;
    };
    barrier.then(done, done);
    return barrier;
  }
}
