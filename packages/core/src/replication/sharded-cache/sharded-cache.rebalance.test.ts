import fc from 'fast-check';
import { deferred } from '../../testing/deferred.js';
import { ManualClock, flushPromises } from '../../testing/manual-clock.js';
import { HashRing } from '../hashing/hash-ring.js';
import type { RebalanceReport, ShardedCacheOptions } from './sharded-cache-options.js';
import { createShardedCache } from './sharded-cache.js';
import { ControlledNode, basicNode } from './test-nodes.js';

const KEYS = Array.from({ length: 200 }, (_, i) => `key:${i}`);

async function setup(ids: readonly string[], extra: Partial<ShardedCacheOptions<string>> = {}) {
  const clock = new ManualClock(0);
  const nodes = new Map(ids.map((id) => [id, new ControlledNode(clock)]));
  const cache = createShardedCache<string>({ nodes: Object.fromEntries(nodes), clock, virtualNodes: 32, ...extra });
  for (const key of KEYS) await cache.set(key, `v-${key}`, { ttlMs: 60_000 });
  return { clock, nodes, cache };
}

async function keysOn(node: ControlledNode): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of node.store.keys()) keys.push(key);
  return keys.sort();
}

describe('ShardedCache rebalancing', () => {
  it('on a join, moves exactly the keys the newcomer now owns, with their remaining lifetime', async () => {
    const { clock, nodes, cache } = await setup(['a', 'b']);
    clock.advance(10_000);
    const ring = new HashRing({ virtualNodes: 32 }).add('a').add('b').add('c');
    const owned = KEYS.filter((key) => ring.get(key) === 'c');
    const reports: RebalanceReport[] = [];
    cache.onRebalance((report) => reports.push(report));
    const c = new ControlledNode(clock);
    const report = await cache.addNode('c', c);
    expect(report).toEqual({ reason: 'join', node: 'c', scanned: KEYS.length, moved: owned.length, dropped: 0, failed: 0, unswept: [] });
    expect(reports).toEqual([report]);
    expect(await keysOn(c)).toEqual(owned.sort());
    for (const [id, node] of nodes) for (const key of await keysOn(node)) expect(ring.get(key)).toBe(id);
    await expect(c.store.ttl(owned[0])).resolves.toBe(50_000);
    for (const key of KEYS) await expect(cache.get(key)).resolves.toBe(`v-${key}`);
    expect(cache.nodes()).toEqual(['a', 'b', 'c']);
  });

  it('on a leave, takes the node off the ring at once and moves its entries to their new owners', async () => {
    const { nodes, cache } = await setup(['a', 'b', 'c']);
    const leaving = nodes.get('c') as ControlledNode;
    const held = (await keysOn(leaving)).length;
    const pending = cache.removeNode('c');
    expect(cache.nodes()).toEqual(['a', 'b']);
    const report = await pending;
    expect(report).toMatchObject({ reason: 'leave', node: 'c', scanned: held, moved: held, failed: 0, unswept: [] });
    expect(await keysOn(leaving)).toEqual([]);
    for (const key of KEYS) await expect(cache.get(key)).resolves.toBe(`v-${key}`);
    expect(cache.breaker('c')).toBeUndefined();
    await expect(cache.removeNode('c')).resolves.toBeUndefined();
  });

  it('drops instead of copying a key a client wrote or deleted after the ring changed', async () => {
    const { clock, cache } = await setup(['a', 'b']);
    const ring = new HashRing({ virtualNodes: 32 }).add('a').add('b').add('c');
    const [deleted, rewritten] = KEYS.filter((key) => ring.get(key) === 'c');
    const pending = cache.addNode('c', new ControlledNode(clock));
    await cache.delete(deleted);
    await cache.set(rewritten, 'newest');
    const report = await pending;
    expect(report.dropped).toBe(2);
    await expect(cache.get(deleted)).resolves.toBeUndefined();
    await expect(cache.get(rewritten)).resolves.toBe('newest');
  });

  it('makes a client write of a key being copied wait for the copy, then win', async () => {
    const { clock, cache } = await setup(['a', 'b']);
    const c = new ControlledNode(clock);
    const copyLanding = deferred<void>();
    c.pauseNextSet = copyLanding.promise;
    const pending = cache.addNode('c', c);
    // Wait until the sweep's first copy is on its way to c, then write that key as a client.
    while (!c.calls.some((call) => call.startsWith('set '))) await flushPromises();
    const copied = (c.calls.find((call) => call.startsWith('set ')) as string).slice(4).split('=')[0];
    let written = false;
    const write = cache.set(copied, 'client').then(() => (written = true));
    await flushPromises();
    expect(written).toBe(false); // held until the copy lands
    copyLanding.resolve();
    await write;
    await pending;
    await expect(cache.get(copied)).resolves.toBe('client');
    expect(c.calls.filter((call) => call.startsWith(`set ${copied}=`))).toEqual([`set ${copied}="v-${copied}" ttl=60000`, `set ${copied}="client"`]);
  });

  it('reports nodes it cannot sweep, and drops entries of nodes that cannot tell their TTL', async () => {
    const clock = new ManualClock();
    const plain = new ControlledNode(clock);
    const noTtl = new ControlledNode(clock);
    const cache = createShardedCache<string>({
      nodes: { plain: basicNode(plain), noTtl: { ...basicNode(noTtl), keys: () => noTtl.store.keys() } },
      clock,
      virtualNodes: 32,
    });
    for (const key of KEYS) await cache.set(key, 'v');
    const onNoTtl = await keysOn(noTtl);
    const report = await cache.addNode('c', new ControlledNode(clock));
    expect(report.unswept).toEqual(['plain']);
    const lost = onNoTtl.filter((key) => cache.nodeFor(key) === 'c');
    expect(lost.length).toBeGreaterThan(0);
    expect(report).toMatchObject({ scanned: onNoTtl.length, moved: 0, dropped: lost.length, failed: 0 });
    expect(await keysOn(noTtl)).toEqual(onNoTtl.filter((key) => !lost.includes(key)));
  });

  it("with rebalance: 'none', changes the ring and leaves entries where they are", async () => {
    const { clock, nodes, cache } = await setup(['a', 'b'], { rebalance: 'none' });
    const before = (await keysOn(nodes.get('a') as ControlledNode)).length;
    const report = await cache.addNode('c', new ControlledNode(clock));
    expect(report).toEqual({ reason: 'join', node: 'c', scanned: 0, moved: 0, dropped: 0, failed: 0, unswept: ['a', 'b'] });
    expect((await keysOn(nodes.get('a') as ControlledNode)).length).toBe(before);
  });

  it('counts failed moves and stops sweeping a node whose scan fails', async () => {
    const { clock, nodes, cache } = await setup(['a', 'b']);
    (nodes.get('a') as ControlledNode).mode = 'down';
    const c = new ControlledNode(clock);
    const report = await cache.addNode('c', c);
    expect(report.unswept).toEqual(['a']);
    c.mode = 'down';
    const leave = await cache.removeNode('b');
    expect(leave?.failed).toBeGreaterThan(0);
    expect(leave?.moved).toBe(0);
  });

  it('runs sweeps one at a time, in call order', async () => {
    const { clock, cache } = await setup(['a']);
    const order: string[] = [];
    cache.onRebalance(({ reason, node }) => order.push(`${reason} ${node}`));
    const first = cache.addNode('b', new ControlledNode(clock));
    const second = cache.addNode('c', new ControlledNode(clock));
    const third = cache.removeNode('a');
    await Promise.all([first, second, third]);
    expect(order).toEqual(['join b', 'join c', 'leave a']);
    for (const key of KEYS) await expect(cache.get(key)).resolves.toBe(`v-${key}`);
  });

  it('validates addNode and refuses an id in use, placed or leaving', async () => {
    const { clock, cache } = await setup(['a', 'b']);
    expect(() => cache.addNode('a', new ControlledNode(clock))).toThrow(new RangeError('ShardedCache.addNode: node "a" is already placed'));
    const leaving = cache.removeNode('b');
    expect(() => cache.addNode('b', new ControlledNode(clock))).toThrow(new RangeError('ShardedCache.addNode: node "b" is already leaving'));
    await leaving;
    expect(() => cache.addNode('', new ControlledNode(clock))).toThrow(TypeError);
    expect(() => cache.addNode('x', {} as ControlledNode)).toThrow(TypeError);
    expect(() => cache.addNode('x', new ControlledNode(clock), { weight: 0 })).toThrow(RangeError);
    await cache.addNode('b', new ControlledNode(clock), { weight: 2 });
    expect(cache.nodes()).toEqual(['a', 'b']);
  });

  it('never serves a value older than the last write, whatever joins and leaves run meanwhile', async () => {
    type Op = { kind: 'set'; key: number; value: number } | { kind: 'delete'; key: number } | { kind: 'get'; key: number } | { kind: 'join' } | { kind: 'leave'; pick: number };
    const key = fc.integer({ min: 0, max: 11 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), key, value: fc.nat() }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key }) },
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('get' as const), key }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('join' as const) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), pick: fc.nat() }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 4 }), async (ops, concurrency) => {
        const clock = new ManualClock();
        const cache = createShardedCache<number>({ nodes: { n0: new ControlledNode(clock) }, clock, virtualNodes: 8, rebalanceConcurrency: concurrency });
        const latest = new Map<number, number | undefined>();
        const sweeps: Promise<unknown>[] = [];
        const stale: string[] = [];
        const check = async (k: number): Promise<void> => {
          const value = await cache.get(`k${k}`);
          if (value !== undefined && value !== latest.get(k)) stale.push(`k${k}: got ${value}, last written ${String(latest.get(k))}`);
        };
        let next = 1;
        for (const step of ops) {
          if (step.kind === 'set') {
            await cache.set(`k${step.key}`, step.value);
            latest.set(step.key, step.value);
          } else if (step.kind === 'delete') {
            await cache.delete(`k${step.key}`);
            latest.set(step.key, undefined);
          } else if (step.kind === 'get') {
            await check(step.key);
          } else if (step.kind === 'join') {
            sweeps.push(cache.addNode(`n${next++}`, new ControlledNode(clock))); // not awaited: sweeps overlap the ops
          } else if (cache.nodes().length > 1) {
            sweeps.push(cache.removeNode(cache.nodes()[step.pick % cache.nodes().length]));
          }
          await Promise.resolve();
        }
        await Promise.all(sweeps);
        await flushPromises();
        for (let k = 0; k < 12; k++) await check(k);
        expect(stale).toEqual([]);
      }),
      { numRuns: 80 },
    );
  });
});
