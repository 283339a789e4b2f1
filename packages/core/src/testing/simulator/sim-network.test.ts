import { jest } from '@jest/globals';
import { type Envelope, type LinkOptions, SimNetwork, formatFault } from './sim-network.js';
import { SimRandom } from './sim-random.js';

const noop = (): void => undefined;

interface Got {
  at: number;
  from: string;
  to: string;
  n: number;
  id: number;
}

function setup(options: { link?: Partial<LinkOptions>; seed?: number; nodes?: string[] } = {}) {
  const got: Got[] = [];
  const crashes: string[] = [];
  const restarts: string[] = [];
  const net: SimNetwork<number> = new SimNetwork<number>({
    nodes: options.nodes ?? ['a', 'b', 'c', 'd', 'e'],
    seed: options.seed ?? 1,
    link: options.link,
    deliver: ({ from, to, message, id }: Envelope<number>) => got.push({ at: net.now, from, to, n: message, id }),
    onCrash: (node) => crashes.push(node),
    onRestart: (node) => restarts.push(node),
  });
  return { net, got, crashes, restarts };
}

describe('SimNetwork: messages', () => {
  it('delivers each message after a delay in the link range, in order per link', () => {
    const { net, got } = setup({ link: { minDelayMs: 5, maxDelayMs: 20 } });
    for (let n = 0; n < 50; n++) net.send('a', 'b', n);
    net.runUntil(1000);
    expect(got.map((g) => g.n)).toEqual(Array.from({ length: 50 }, (_, n) => n));
    for (const g of got) expect(g.at).toBeGreaterThanOrEqual(5);
    expect(Math.max(...got.map((g) => g.at))).toBeLessThanOrEqual(20);
    expect(net.stats).toMatchObject({ sent: 50, delivered: 50, duplicated: 0, reordered: 0 });
    expect(net.now).toBe(1000);
  });

  it('reorders messages chosen by reorderRate', () => {
    const { net, got } = setup({ link: { minDelayMs: 1, maxDelayMs: 50, reorderRate: 1 } });
    for (let n = 0; n < 50; n++) net.send('a', 'b', n);
    net.runUntil(1000);
    const order = got.map((g) => g.n);
    expect(order).not.toEqual([...order].sort((x, y) => x - y));
    expect(net.stats.reordered).toBe(50);
    expect(net.faultCounts()['reorder']).toBe(50);
  });

  it('drops and duplicates by the link rates; a duplicate keeps its id', () => {
    const drop = setup({ link: { dropRate: 0.5 } });
    for (let n = 0; n < 1000; n++) drop.net.send('a', 'b', n);
    drop.net.runUntil(100);
    expect(drop.got.length).toBeGreaterThan(420);
    expect(drop.got.length).toBeLessThan(580);
    expect(drop.net.stats.dropped.random).toBe(1000 - drop.got.length);
    expect(drop.net.faultCounts()['drop']).toBe(1000 - drop.got.length);

    const dup = setup({ link: { duplicateRate: 1 } });
    dup.net.send('a', 'b', 7);
    dup.net.runUntil(100);
    expect(dup.got.map((g) => [g.n, g.id])).toEqual([
      [7, 0],
      [7, 0],
    ]);
    expect(dup.net.faultCounts()).toEqual({ duplicate: 1 });
  });

  it('uses a per-link override until heal()', () => {
    const { net, got } = setup();
    net.configureLink('a', 'b', { dropRate: 1 });
    net.send('a', 'b', 1);
    net.send('b', 'a', 2);
    net.runFor(10);
    expect(got.map((g) => g.n)).toEqual([2]);
    net.heal();
    net.send('a', 'b', 3);
    net.runFor(10);
    expect(got.map((g) => g.n)).toEqual([2, 3]);
    net.setDefaultLink({ minDelayMs: 30, maxDelayMs: 30 });
    net.send('a', 'b', 4);
    net.runFor(29);
    expect(got).toHaveLength(2);
    net.runFor(1);
    expect(got.map((g) => g.n)).toEqual([2, 3, 4]);
    expect(net.trace.map((f) => f.kind)).toEqual(['link', 'heal']);
  });
});

describe('SimNetwork: partitions', () => {
  function reach(net: SimNetwork<number>): string[] {
    const out: string[] = [];
    for (const from of net.nodes) for (const to of net.nodes) if (from < to && net.canReach(from, to) && net.canReach(to, from)) out.push(from + to);
    return out;
  }

  it('partition() cuts links between groups both ways; unlisted nodes keep theirs', () => {
    const { net } = setup();
    net.partition(['a', 'b'], ['c', 'd']);
    expect(reach(net)).toEqual(['ab', 'ae', 'be', 'cd', 'ce', 'de']);
    net.heal();
    expect(reach(net)).toHaveLength(10);
    expect(() => net.partition(['a'], ['a', 'b'])).toThrow(RangeError);
  });

  it('isolate(), cutOneWay() and bridge()', () => {
    const { net, got } = setup();
    net.isolate('c');
    expect(reach(net)).toEqual(['ab', 'ad', 'ae', 'bd', 'be', 'de']);
    net.heal();
    net.cutOneWay('a', 'b');
    expect([net.canReach('a', 'b'), net.canReach('b', 'a')]).toEqual([false, true]);
    net.send('a', 'b', 1);
    net.send('b', 'a', 2);
    net.runFor(10);
    expect(got.map((g) => g.n)).toEqual([2]);
    net.heal();
    net.bridge(['a', 'b'], 'c', ['d', 'e']);
    expect(reach(net)).toEqual(['ab', 'ac', 'bc', 'cd', 'ce', 'de']);
    expect(() => net.bridge(['a', 'c'], 'c', ['d'])).toThrow(RangeError);
    expect(net.trace.map(formatFault)).toEqual([
      '      0ms isolate c',
      '      0ms heal',
      '      0ms one-way a -/> b',
      '     10ms heal',
      '     10ms bridge a b <c> d e',
    ]);
  });

  it('loses a message in flight when its link is cut before it arrives', () => {
    const { net, got } = setup({ link: { minDelayMs: 10, maxDelayMs: 10 } });
    net.send('a', 'b', 1);
    net.runFor(5);
    net.partition(['a'], ['b']);
    net.runFor(10);
    expect(got).toEqual([]);
    expect(net.stats.dropped.partition).toBe(1);
  });
});

describe('SimNetwork: time, pauses and crashes', () => {
  it('runs timers in time order, FIFO at equal times; cancel() stops one', () => {
    const { net } = setup();
    const order: string[] = [];
    net.schedule(20, () => order.push('20'));
    net.schedule(10, () => order.push('10a'));
    net.schedule(10, () => order.push('10b'));
    net.schedule(15, () => order.push('15')).cancel();
    expect(net.step()).toBe(true);
    expect(net.now).toBe(10);
    net.runUntil(100);
    expect(order).toEqual(['10a', '10b', '20']);
    expect(net.step()).toBe(false);
    expect(net.eventCount).toBe(3);
  });

  it('runUntil() stops as soon as stopWhen() holds', () => {
    const { net } = setup();
    let n = 0;
    for (let i = 1; i <= 5; i++) net.schedule(i * 10, () => n++);
    expect(net.runUntil(100, () => n === 3)).toBe(true);
    expect(net.now).toBe(30);
    expect(net.runUntil(100, () => n === 99)).toBe(false);
    expect(n).toBe(5);
  });

  it('holds a paused node’s timers and deliveries, and runs them in order when it resumes', () => {
    const { net, got } = setup({ link: { minDelayMs: 1, maxDelayMs: 1 } });
    const ticks: number[] = [];
    net.schedule(5, () => ticks.push(net.now), { node: 'b' });
    const cancelled = net.schedule(6, () => ticks.push(-1), { node: 'b' });
    expect(net.pause('b')).toBe(true);
    expect(net.pause('b')).toBe(false);
    net.send('a', 'b', 1);
    net.send('a', 'b', 2);
    net.runUntil(50);
    cancelled.cancel();
    expect(got).toEqual([]);
    expect(ticks).toEqual([]);
    expect(net.resume('b')).toBe(true);
    expect(net.resume('b')).toBe(false);
    net.runUntil(50);
    expect(got.map((g) => [g.n, g.at])).toEqual([
      [1, 50],
      [2, 50],
    ]);
    expect(ticks).toEqual([50]);
  });

  it('crash() drops a node’s timers and the messages to it, and the hooks run', () => {
    const { net, got, crashes, restarts } = setup({ link: { minDelayMs: 10, maxDelayMs: 10 } });
    const fired = jest.fn();
    net.schedule(5, fired, { node: 'b' });
    net.send('a', 'b', 1);
    expect(net.crash('b')).toBe(true);
    expect(net.crash('b')).toBe(false);
    expect(net.isUp('b')).toBe(false);
    net.send('b', 'a', 2); // a crashed node sends nothing
    net.runUntil(20);
    expect(fired).not.toHaveBeenCalled();
    expect(got).toEqual([]);
    expect(net.stats.dropped.down).toBe(2);
    expect(net.restart('b')).toBe(true);
    expect(net.restart('b')).toBe(false);
    net.send('a', 'b', 3);
    net.schedule(1, fired, { node: 'b' });
    net.runUntil(40);
    expect(got.map((g) => g.n)).toEqual([3]);
    expect(fired).toHaveBeenCalledTimes(1);
    expect([crashes, restarts]).toEqual([['b'], ['b']]);
    expect(net.faultCounts()).toEqual({ crash: 1, restart: 1 });
  });

  it('a crash while paused drops what the pause held', () => {
    const { net, got } = setup();
    net.pause('b');
    net.send('a', 'b', 1);
    net.runFor(10);
    net.crash('b');
    net.restart('b');
    net.runFor(10);
    expect(got).toEqual([]);
    expect(net.isPaused('b')).toBe(false);
  });
});

describe('SimNetwork: determinism and validation', () => {
  function chatter(seed: number) {
    const { net, got } = setup({ seed, link: { minDelayMs: 1, maxDelayMs: 30, dropRate: 0.2, duplicateRate: 0.1, reorderRate: 0.3 } });
    const ids = net.nodes;
    for (let i = 0; i < 200; i++) net.schedule(i, () => net.send(net.random.pick(ids), net.random.pick(ids), i));
    net.schedule(50, () => net.isolate('a'));
    net.schedule(120, () => net.heal());
    net.runUntil(500);
    return { got, digest: net.digest, trace: net.trace };
  }

  it('replays a seed exactly, and another seed differs', () => {
    const one = chatter(11);
    expect(chatter(11)).toEqual(one);
    expect(chatter(12).digest).not.toBe(one.digest);
  });

  it('records protocol faults in the trace', () => {
    const { net } = setup();
    net.recordFault('transfer-leader', ['a', 'b'], 'a -> b');
    expect(net.trace).toEqual([{ atMs: 0, kind: 'transfer-leader', nodes: ['a', 'b'], detail: 'a -> b' }]);
    expect(net.faultCounts()).toEqual({ 'transfer-leader': 1 });
    expect(() => net.recordFault('', [])).toThrow(TypeError);
  });

  it('adds nodes, and rejects unknown or duplicate ones', () => {
    const { net } = setup({ nodes: ['a'] });
    net.addNode('b');
    expect(net.nodes).toEqual(['a', 'b']);
    expect(() => net.addNode('b')).toThrow(RangeError);
    expect(() => net.addNode('')).toThrow(TypeError);
    expect(() => net.send('a', 'z', 1)).toThrow('unknown node "z"');
    expect(() => net.pause('z')).toThrow(RangeError);
  });

  it.each<[string, () => unknown, RegExp]>([
    ['no deliver', () => new SimNetwork({ nodes: [], deliver: undefined as never }), /options\.deliver must be a function/],
    ['nodes not an array', () => new SimNetwork({ nodes: 'a' as never, deliver: noop }), /options\.nodes/],
    ['a bad random', () => new SimNetwork({ nodes: [], deliver: noop, random: Math.random as never }), /options\.random/],
    ['a bad onCrash', () => new SimNetwork({ nodes: [], deliver: noop, onCrash: 1 as never }), /options\.onCrash/],
    ['a bad onRestart', () => new SimNetwork({ nodes: [], deliver: noop, onRestart: 1 as never }), /options\.onRestart/],
    ['a negative delay', () => new SimNetwork({ nodes: [], deliver: noop, link: { minDelayMs: -1 } }), /minDelayMs must be a finite number ≥ 0/],
    ['max below min', () => new SimNetwork({ nodes: [], deliver: noop, link: { minDelayMs: 5, maxDelayMs: 2 } }), /maxDelayMs must be ≥ minDelayMs/],
    ['a rate above 1', () => new SimNetwork({ nodes: [], deliver: noop, link: { dropRate: 2 } }), /dropRate must be a number from 0 to 1/],
    ['a string rate', () => new SimNetwork({ nodes: [], deliver: noop, link: { reorderRate: '1' as never } }), /reorderRate must be a number/],
  ])('rejects %s', (_label, build, message) => {
    expect(build).toThrow(message);
  });

  it('rejects a bad schedule() delay', () => {
    const { net } = setup();
    expect(() => net.schedule(-1, noop)).toThrow(RangeError);
    expect(() => net.schedule(Infinity, noop)).toThrow(RangeError);
    expect(() => net.schedule(1, noop, { node: 'z' })).toThrow(RangeError);
    expect(() => net.schedule(1, undefined as never)).toThrow(TypeError);
    expect(new SimNetwork({ nodes: [], deliver: noop, random: new SimRandom(3) }).random.seed).toBe(3);
  });
});
