/* eslint-disable @nx/enforce-module-boundaries -- the examples import the package by its public name, as users do */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OrSet, isCircuitOpenError } from '@bulwark/core';
import { ManualClock, flushPromises } from '@bulwark/core/testing';
import { priceClient } from '../examples/composed.js';
import { userBreaker } from '../examples/migrate.js';
import { paymentsClient } from '../examples/registry.js';
import { inventoryPipeline } from '../examples/pipeline.js';
import { addToCart, cartCluster } from '../examples/replication.js';
import type { User } from '../examples/migrate.js';

// README.md's code blocks that start with `// examples/<name>.ts` must be those files, byte for
// byte: the files are compiled by the typecheck target and run below, so the README cannot drift.
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(`${packageDir}README.md`, 'utf8');
const exampleFiles = readdirSync(`${packageDir}examples`).filter((name) => name.endsWith('.ts'));

/** Every ```ts block of the README whose first line names an example file: [path, content]. */
function exampleBlocks(markdown: string): Array<[string, string]> {
  const blocks: Array<[string, string]> = [];
  for (const match of markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
    const body = match[1];
    const path = /^\/\/ (examples\/[\w.-]+\.ts)\n/.exec(body)?.[1];
    if (path !== undefined) blocks.push([path, body]);
  }
  return blocks;
}

describe('README.md', () => {
  const blocks = exampleBlocks(readme);

  it('shows every example file', () => {
    expect(blocks.map(([path]) => path).sort()).toEqual(exampleFiles.map((name) => `examples/${name}`).sort());
  });

  it.each(blocks)('%s is byte-identical to the file', (path, body) => {
    expect(body).toBe(readFileSync(`${packageDir}${path}`, 'utf8'));
  });
});

describe('examples/migrate.ts', () => {
  const alice: User = { id: 1, name: 'Alice' };

  it('serves results, then the fallback, and warns when the breaker opens', async () => {
    const clock = new ManualClock(0);
    const warnings: unknown[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args.join(' '));
    try {
      let up = true;
      const breaker = userBreaker(async (id) => (up ? { ...alice, id } : Promise.reject(new Error('down'))), {
        clock,
        name: 'users',
      });
      await expect(breaker.fire(1)).resolves.toEqual(alice);
      up = false;
      await expect(breaker.fire(2)).resolves.toEqual({ id: 2, name: 'unknown' });
      expect(breaker.opened).toBe(false); // 1 failure in 2 calls: not above 50 %
      await expect(breaker.fire(2)).resolves.toEqual({ id: 2, name: 'unknown' });
      expect(breaker.opened).toBe(true);
      expect(warnings).toEqual(['users is open: calls fail fast']);
      // Open: the action is not called; the fallback answers.
      up = true;
      await expect(breaker.fire(3)).resolves.toEqual({ id: 3, name: 'unknown' });
      clock.advance(30_000);
      expect(breaker.halfOpen).toBe(true);
      await expect(breaker.fire(4)).resolves.toEqual({ ...alice, id: 4 });
      expect(breaker.closed).toBe(true);
    } finally {
      console.warn = warn;
    }
  });

  it('times out a call after 3 s on the injected clock', async () => {
    const clock = new ManualClock(0);
    const breaker = userBreaker(() => new Promise<User>(() => undefined), { clock, errorThresholdPercentage: 100 });
    const pending = breaker.fire(7);
    clock.advance(3000);
    await expect(pending).resolves.toEqual({ id: 7, name: 'unknown' });
    expect(breaker.stats.timeouts).toBe(1);
    breaker.shutdown();
  });
});

describe('examples/composed.ts', () => {
  function setup() {
    const clock = new ManualClock(0);
    const log: string[] = [];
    const calls: Array<{ sku: string; signal: AbortSignal | undefined }> = [];
    let behaviour: 'up' | 'down' | 'hang' = 'up';
    const client = priceClient(
      (sku, signal) => {
        calls.push({ sku, signal });
        if (behaviour === 'down') return Promise.reject(new Error('503'));
        if (behaviour === 'hang') return new Promise<number>(() => undefined);
        return Promise.resolve(sku.length * 10);
      },
      clock,
      (line) => log.push(line),
    );
    return { clock, log, calls, client, set: (b: typeof behaviour) => (behaviour = b) };
  }

  it('returns prices, then the last known price on a timeout, and aborts the timed-out call', async () => {
    const { clock, calls, client, set } = setup();
    await expect(client.price('abc')).resolves.toBe(30);
    set('hang');
    const pending = client.price('abc');
    clock.advance(2000);
    await expect(pending).resolves.toBe(30);
    expect(calls[1].signal?.aborted).toBe(true);
    const unknown = client.price('never-seen');
    clock.advance(2000);
    await expect(unknown).resolves.toBeUndefined(); // timed out, and no price known
  });

  it('opens once 5 calls are recorded and more than half failed, falls back while open, and closes after a trial', async () => {
    const { clock, log, calls, client, set } = setup();
    await client.price('abcd');
    set('down');
    for (let i = 0; i < 4; i++) await expect(client.price('abcd')).rejects.toThrow('503');
    expect(client.breaker.opened).toBe(true); // 4 of 5 failed: above 50 %
    expect(log).toEqual(['prices: open']);

    const before = calls.length;
    await expect(client.price('abcd')).resolves.toBe(40); // fast-fail, last known price
    expect(calls.length).toBe(before);
    const rejection: unknown = await client.breaker.execute(() => 1).catch((error: unknown) => error);
    expect(isCircuitOpenError(rejection)).toBe(true);

    set('up');
    await clock.advanceAsync(10_000);
    expect(log).toEqual(['prices: open', 'prices: trying again after 10000 ms']);
    await expect(client.price('abcd')).resolves.toBe(40);
    expect(log.at(-1)).toBe('prices: closed');
  });

  it("rejects with the caller's abort reason, which is neither a success nor a failure", async () => {
    const { client, set } = setup();
    set('hang');
    const controller = new AbortController();
    const pending = client.price('abc', controller.signal);
    controller.abort(new Error('client went away'));
    await expect(pending).rejects.toThrow('client went away');
    await flushPromises();
    expect(client.breaker.metrics()).toMatchObject({ fires: 1, successes: 0, failures: 0, inFlight: 0 });
  });
});

describe('examples/registry.ts', () => {
  it('composes the configured kinds in the recommended order, and lists each instance once', () => {
    const { registry } = paymentsClient(() => Promise.resolve('r-1'), new ManualClock(0));
    expect(registry.pipeline('payments').describe()).toBe(
      'fallback(value) → bulkhead(10, queue 20) → timeout(3000ms, cooperative) → retry(maxAttempts=3, exponential full jitter, maxElapsedMs=2000, budget) → ' +
        'circuitBreaker(payments, closed, timeout=none, resetTimeout=10000ms) → timeout(1000ms, cooperative)',
    );
    expect(registry.all().map(({ kind, name }) => `${kind}:${name}`)).toEqual([
      'fallback:payments',
      'bulkhead:payments',
      'timeout:payments',
      'retry:payments',
      'breaker:payments',
      'attemptTimeout:payments',
    ]);
    registry.dispose();
  });

  it('retries a failing charge, answers queued when it gives up, and opens the shared breaker', async () => {
    const clock = new ManualClock(0);
    let calls = 0;
    let up = false;
    const { registry, charge } = paymentsClient(async (orderId) => {
      calls++;
      if (!up) throw new Error('503');
      return `receipt-${orderId}`;
    }, clock);
    for (let order = 0; order < 2; order++) {
      const pending = charge(`o${order}`);
      for (let i = 0; i < 10; i++) await clock.advanceAsync(100);
      await expect(pending).resolves.toBe('queued');
    }
    // Three attempts each; the fifth failure opens the breaker (5 recorded, all failed), so the
    // second order's last attempt is refused without a call.
    expect(calls).toBe(5);
    expect(registry.retry('payments').metrics().failedWithRetry).toBe(2);
    expect(registry.breaker('payments').opened).toBe(true);
    up = true;
    await expect(charge('o3')).resolves.toBe('queued'); // open: refused, and not retried (its wait would pass maxElapsedMs)
    expect(calls).toBe(5);
    await clock.advanceAsync(10_000);
    await expect(charge('o4')).resolves.toBe('receipt-o4'); // the trial succeeds and closes it
    expect(registry.breaker('payments').closed).toBe(true);
    registry.dispose();
  });
});

describe('examples/linearizability.ts', () => {
  it('explains the stale read as the README shows, and accepts the history once the read is fresh', async () => {
    const { audit, staleRead } = await import('../examples/linearizability.js');
    const explanation = audit(staleRead);
    expect(explanation).toMatch(/^Not linearizable: key "x" \(model "kv", 3 operations\)\./);
    expect(readme).toContain(`\`audit(staleRead)\` returns:\n\n\`\`\`text\n${explanation}\n\`\`\``);
    const fresh = staleRead.map((op) => (op.input.op === 'get' ? { ...op, output: '2' } : op));
    expect(audit(fresh)).toBe('ok');
    // The timed-out put may have taken effect, or not.
    const read = (output: string) => ({ clientId: 'd', input: { op: 'get' as const, key: 'y' }, output, call: 60, return: 70 });
    expect(audit([...staleRead.slice(0, 3), read('3')])).toBe('ok');
    expect(audit([...staleRead.slice(0, 3), read('')])).toBe('ok');
  });
});

describe('examples/pipeline.ts', () => {
  it('describes its order, returns stock, and answers 0 when the dependency hangs', async () => {
    const clock = new ManualClock(0);
    let hang = false;
    const signals: AbortSignal[] = [];
    const { stock, pipeline } = inventoryPipeline((sku, signal) => {
      signals.push(signal);
      if (!hang) return Promise.resolve(sku.length);
      // A dependency that never answers but, like fetch, stops when its signal aborts.
      return new Promise<number>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
    }, clock);
    expect(pipeline.describe()).toMatch(/^fallback\(value\) → bulkhead\(10, queue 20\) → timeout\(3000ms, cooperative\) → retry\(maxAttempts=3, .*budget\) → circuitBreaker\(inventory, closed, .*\) → timeout\(1000ms, cooperative\)$/);
    await expect(stock('abc')).resolves.toBe(3);
    hang = true;
    const pending = stock('abc');
    for (let i = 0; i < 40; i++) await clock.advanceAsync(100);
    await expect(pending).resolves.toBe(0);
    // Two attempts time out after 1 s each and are aborted. The second failure opens the breaker
    // (2 of 3 calls failed), so the third attempt is refused and waits for its retryAfterMs,
    // which the total timeout cuts short at 3 s: the fallback answers.
    expect(signals.length).toBe(3);
    expect(signals.slice(1).every((signal) => signal.aborted)).toBe(true);
    const breaker = pipeline.policies[4];
    expect(breaker.opened).toBe(true);
    breaker.shutdown();
  });
});

describe('examples/replication.ts', () => {
  it("merges two shoppers' concurrent adds, and each shopper's session reads its own add anywhere", async () => {
    const clock = new ManualClock(0);
    const stores = cartCluster(clock);
    const store = (id: string) => stores.get(id) as NonNullable<ReturnType<typeof stores.get>>;
    const settled = async <T>(promise: Promise<T>): Promise<T> => {
      for (let i = 0; i < 20; i++) await clock.advanceAsync(1);
      return promise;
    };
    // Two shoppers add at once through different nodes: two concurrent versions (siblings).
    const [ann, bob] = await settled(Promise.all([addToCart(store('a'), 'ann', 'milk'), addToCart(store('b'), 'bob', 'eggs')]));
    const all = await settled(store('c').get('cart', { consistency: 'eventual', r: 3 }));
    expect(all.siblings.length).toBe(2);
    expect(OrSet.fromJSON<string>(all.value).values()).toEqual(['eggs', 'milk']);
    for (const [token, item] of [[ann, 'milk'], [bob, 'eggs']] as const) {
      for (const id of ['a', 'b', 'c']) {
        const mine = await settled(store(id).get('cart', { consistency: 'weak', token }));
        expect(OrSet.fromJSON<string>(mine.value).has(item)).toBe(true);
      }
    }
    // A write with the merged read's context replaces both siblings.
    await settled(addToCart(store('c'), 'cy', 'figs', all.token));
    const after = await settled(store('a').get('cart', { consistency: 'eventual', r: 3 }));
    expect(after.siblings.length).toBe(1);
    expect(OrSet.fromJSON<string>(after.value).values()).toEqual(['eggs', 'figs', 'milk']);
    for (const s of stores.values()) s.close();
  });
});

describe('examples/sharded-cache.ts', () => {
  it('loads a product once for concurrent readers, serves it from the cache after, and reloads once it changed', async () => {
    const { productCache } = await import('../examples/sharded-cache.js');
    const clock = new ManualClock(0);
    const loads: string[] = [];
    let price = 10;
    const { product, changed, cache } = productCache(async (sku) => (loads.push(sku), { sku, price }), clock);
    const readers = await Promise.all([product('p1'), product('p1'), product('p1')]);
    expect(readers).toEqual([{ sku: 'p1', price: 10 }, { sku: 'p1', price: 10 }, { sku: 'p1', price: 10 }]);
    await flushPromises();
    price = 12;
    await expect(product('p1')).resolves.toEqual({ sku: 'p1', price: 10 }); // cached
    await expect(changed('p1')).resolves.toBe(true);
    await expect(product('p1')).resolves.toEqual({ sku: 'p1', price: 12 });
    expect(loads).toEqual(['p1', 'p1']);
    await flushPromises();
    clock.advance(60_000); // past the TTL
    await expect(product('p1')).resolves.toEqual({ sku: 'p1', price: 12 });
    expect(loads).toHaveLength(3);
    await cache.close();
  });

  it('answers from the database while a node is down, and opens that node’s breaker after 5 failures', async () => {
    const { productCache } = await import('../examples/sharded-cache.js');
    const clock = new ManualClock(0);
    const down = { get: () => Promise.reject(new Error('ECONNREFUSED')), set: () => Promise.reject(new Error('ECONNREFUSED')), delete: () => Promise.reject(new Error('ECONNREFUSED')) };
    const { product, cache } = productCache(async (sku) => ({ sku, price: 1 }), clock, { a: down });
    await expect(product('p1')).resolves.toEqual({ sku: 'p1', price: 1 });
    await flushPromises();
    await expect(product('p2')).resolves.toEqual({ sku: 'p2', price: 1 });
    await flushPromises();
    await expect(product('p3')).resolves.toEqual({ sku: 'p3', price: 1 }); // the 5th failure: open
    await flushPromises();
    expect(cache.breaker('a')?.opened).toBe(true);
    expect(cache.metrics()).toMatchObject({ degraded: 3, loads: 3 });
    await cache.close();
  });
});

describe('examples/simulator.ts', () => {
  it('soaks seeds of a 5-node cluster without a failure, and replays a ping protocol from its seed', async () => {
    const { soak, pings } = await import('../examples/simulator.js');
    expect(soak(2)).toEqual([]);
    const lines = pings(7);
    expect(pings(7)).toEqual(lines);
    expect(lines.every((line) => /^\d+ms b got \d$/.test(line))).toBe(true);
    // Pings 3 to 5 were sent across the partition: lost.
    expect(lines.some((line) => / got [345]$/.test(line))).toBe(false);
    expect(lines.length).toBeGreaterThanOrEqual(3);
  });
});

describe('examples/raft.ts', () => {
  it('elects a, replicates a write, adds d as a learner and promotes it, reads at d, and hands leadership to d', async () => {
    const { tour } = await import('../examples/raft.js');
    const nodes = tour();
    for (const [, node] of nodes) {
      expect(node.applied).toEqual(['x=1']);
      expect(node.raft.status().confState).toMatchObject({ voters: ['a', 'b', 'c', 'd'], learners: [] });
    }
    expect(nodes.get('d')?.reads).toEqual(['read-1@4']); // the commit index when the leader confirmed the read
    expect([...nodes].filter(([, node]) => node.raft.status().role === 'leader').map(([id]) => id)).toEqual(['d']);
  });
});

describe('examples/raft-node.ts', () => {
  it('applies a write through the leader and reads it linearizably at a follower', async () => {
    const { counterCluster } = await import('../examples/raft-node.js');
    const { bumped, seen } = await counterCluster();
    expect(bumped).toBe(1);
    expect(seen).toBe(1);
  });
});

describe('examples/raft-wal.ts', () => {
  it('keeps a committed write across a restart from disk', async () => {
    const { restartFromDisk } = await import('../examples/raft-wal.js');
    const { commands, term, syncs } = restartFromDisk();
    expect(commands).toEqual(['x=1']);
    expect(term).toBe(1);
    expect(syncs).toBeGreaterThan(0);
  });
});

describe('examples/raft-http.ts', () => {
  it('replicates a write to three nodes over HTTP streams, each on its own disk', async () => {
    const { httpCluster } = await import('../examples/raft-http.js');
    const { lines, fsyncs, streams } = await httpCluster();
    expect(lines).toEqual([['x=1'], ['x=1'], ['x=1']]);
    expect(fsyncs).toBeGreaterThan(0);
    expect(streams).toBeGreaterThanOrEqual(4); // the leader's to each follower, and theirs back
  });
});

describe('examples/saga.ts', () => {
  it('completes a paid order, compensates a declined one in reverse order, and keeps the history across a restart', async () => {
    const { placeOrders } = await import('../examples/saga.js');
    const { outcomes, history, calls } = await placeOrders();
    expect(outcomes.map((o) => [o.id, o.status])).toEqual([
      ['order-1', 'completed'],
      ['order-2', 'compensated'],
    ]);
    expect(outcomes[0]?.results).toEqual({ reserve: 'hold-book', charge: 'pay-1200', ship: 'parcel-book' });
    expect(outcomes[1]).toMatchObject({ failedStep: 'charge', error: { message: 'declined' } });
    expect(history).toEqual(['reserve succeeded, undo done', 'charge failed, undo done', 'ship pending, undo -']);
    expect(calls).toEqual(['reserve order-1:0', 'charge order-1:1', 'ship order-1:2', 'reserve order-2:0', 'refund order-2:1', 'release order-2:0']);
  });
});

describe('examples/two-phase-commit.ts', () => {
  it('moves money between two participants atomically, on disk', async () => {
    const { transfer } = await import('../examples/two-phase-commit.js');
    await expect(transfer(30)).resolves.toEqual({ status: 'committed', a: '70', b: '30' });
  });
});
