/**
 * The sweep that follows a join or a leave: list the keys of the nodes that lost some, and move
 * each key whose owner changed to its new owner, with its remaining lifetime.
 *
 * Why a move cannot bring back a stale value (see design.md): clients read and write the new
 * owner from the moment the ring changed, and the cache counts their writes and deletes from that
 * moment. A key a client has written or deleted since is never copied, only dropped from its old
 * owner: the new owner already has the client's word on it. A key that is copied is held for the
 * move: client writes of it wait until the copy has landed, then overwrite it.
 */
import type { CacheNode } from './cache-node.js';
import type { NodeErrorEvent, RebalanceReport } from './sharded-cache-options.js';

/** The result of one node operation run through the node's policy: failures are already reported. */
export type NodeOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };

/** What the sweep needs from the cache. @internal */
export interface SweepHost {
  /** The node that owns `key` now. */
  ownerOf(key: string): string | undefined;
  /** The node with this id (placed or leaving), if it is still known. */
  nodeById(id: string): CacheNode | undefined;
  /** Runs `fn` on node `id` under its breaker and timeout; reports a failure as `onNodeError`. */
  call<T>(id: string, operation: NodeErrorEvent['operation'], key: string | undefined, fn: (node: CacheNode, signal: AbortSignal) => Promise<T>): Promise<NodeOutcome<T>>;
  /** How many client writes and deletes `key` has had since the ring changed. */
  touches(key: string): number;
  /** Runs `move` with `key` held: client writes of `key` wait until it settles. */
  holding(key: string, move: () => Promise<void>): Promise<void>;
}

interface Counts {
  scanned: number;
  moved: number;
  dropped: number;
  failed: number;
}

/**
 * Sweeps `sources` one after the other, moving up to `concurrency` keys at a time.
 * @internal
 */
export async function sweep(
  host: SweepHost,
  request: { readonly reason: 'join' | 'leave'; readonly node: string; readonly sources: readonly string[]; readonly concurrency: number },
): Promise<RebalanceReport> {
  const counts: Counts = { scanned: 0, moved: 0, dropped: 0, failed: 0 };
  const unswept: string[] = [];
  for (const source of request.sources) {
    const node = host.nodeById(source);
    if (node?.keys === undefined) {
      unswept.push(source);
      continue;
    }
    const iterator = node.keys()[Symbol.asyncIterator]();
    const moving = new Set<Promise<void>>();
    let complete = false;
    try {
      for (;;) {
        // Each step of the scan runs under the node's breaker and timeout, like any other call.
        const step = await host.call(source, 'keys', undefined, () => iterator.next());
        if (!step.ok) break;
        if (step.value.done === true) {
          complete = true;
          break;
        }
        const key = step.value.value;
        counts.scanned++;
        if (host.ownerOf(key) === source) continue;
        const move: Promise<void> = moveKey(host, source, node, key, counts).finally(() => moving.delete(move));
        moving.add(move);
        if (moving.size >= request.concurrency) await Promise.race(moving);
      }
    } finally {
      await Promise.all(moving);
      if (!complete) {
        unswept.push(source);
        // Let the node release the scan; a hung node may never answer, and that is fine.
        Promise.resolve(iterator.return?.()).catch(() => undefined);
      }
    }
  }
  return { reason: request.reason, node: request.node, ...counts, unswept };
}

async function moveKey(host: SweepHost, source: string, node: CacheNode, key: string, counts: Counts): Promise<void> {
  const target = host.ownerOf(key);
  if (target === undefined || node.ttl === undefined || host.touches(key) > 0) {
    // No owner left, no way to know how long the entry has to live, or a client has written the
    // key on its new owner already: drop the old entry.
    if ((await host.call(source, 'delete', key, (n, signal) => n.delete(key, { signal }))).ok) counts.dropped++;
    else counts.failed++;
    return;
  }
  // Checked and held in the same turn: no client write can slip in between.
  await host.holding(key, () => copyKey(host, source, target, key, counts));
}

async function copyKey(host: SweepHost, source: string, target: string, key: string, counts: Counts): Promise<void> {
  const ttl = await host.call(source, 'ttl', key, (n, signal) => (n.ttl as NonNullable<CacheNode['ttl']>)(key, { signal }));
  if (!ttl.ok) return void counts.failed++;
  if (ttl.value === undefined || !(ttl.value > 0)) return; // expired while the sweep ran
  const read = await host.call(source, 'get', key, (n, signal) => n.get(key, { signal }));
  if (!read.ok) return void counts.failed++;
  const value = read.value;
  if (value === undefined) return;
  const ttlMs = ttl.value === Infinity ? undefined : Math.max(1, Math.ceil(ttl.value));
  const written = await host.call(target, 'set', key, (n, signal) => n.set(key, value, { ttlMs, signal }));
  if (!written.ok) return void counts.failed++;
  if (!(await host.call(source, 'delete', key, (n, signal) => n.delete(key, { signal }))).ok) return void counts.failed++;
  counts.moved++;
}
