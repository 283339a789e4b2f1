/** One scheduled event: due at `at`, ordered by `seq` among events due at the same time. */
export interface QueuedEvent {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
  /** The node the event belongs to: held while it is paused, dropped (timers) when it crashes. */
  readonly owner: string | undefined;
  /** For timers: the owner's incarnation when scheduled; a crash makes older timers stale. */
  readonly epoch: number | undefined;
  /** Shared by an event and its re-queued copies (a paused node's events), so one cancel stops all. */
  readonly handle: { cancelled: boolean };
}

/**
 * A binary min-heap of events ordered by `(at, seq)`: earlier first, and in scheduling order at
 * equal times, so the simulation is deterministic. Internal to the simulator.
 */
export class EventQueue {
  private readonly heap: QueuedEvent[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, run: () => void, owner?: string, epoch?: number, handle = { cancelled: false }): QueuedEvent {
    const event: QueuedEvent = { at, seq: this.nextSeq++, run, owner, epoch, handle };
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(event, heap[parent] as QueuedEvent)) break;
      heap[i] = heap[parent] as QueuedEvent;
      i = parent;
    }
    heap[i] = event;
    return event;
  }

  peek(): QueuedEvent | undefined {
    return this.heap[0];
  }

  pop(): QueuedEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(heap[right] as QueuedEvent, heap[left] as QueuedEvent) ? right : left;
      if (!before(heap[child] as QueuedEvent, last)) break;
      heap[i] = heap[child] as QueuedEvent;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function before(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
