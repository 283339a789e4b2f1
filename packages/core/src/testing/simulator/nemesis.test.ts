import { scheduleNemesis } from './nemesis.js';
import { SimNetwork } from './sim-network.js';
import { SimRandom } from './sim-random.js';

const noop = (): void => undefined;

function network(seed = 1, nodes = ['a', 'b', 'c', 'd', 'e']) {
  const restarted: string[] = [];
  const net = new SimNetwork<string>({ nodes, seed, deliver: noop, onRestart: (id) => restarted.push(id) });
  return { net, restarted };
}

describe('scheduleNemesis', () => {
  it('injects every kind of fault in the window, then heals, resumes and restarts everything', () => {
    const { net } = network();
    scheduleNemesis(net, { endMs: 20_000, maxDown: 2 });
    const downAtOnce: number[] = [];
    for (let t = 0; t < 20_000; t += 10) {
      net.runUntil(t);
      downAtOnce.push(net.nodes.filter((id) => !net.isUp(id) || net.isPaused(id)).length);
    }
    expect(Math.max(...downAtOnce)).toBe(2);
    net.runUntil(20_000);
    const counts = net.faultCounts();
    for (const kind of ['partition', 'isolate', 'one-way', 'bridge', 'pause', 'crash', 'link', 'heal', 'resume', 'restart']) {
      expect(counts[kind]).toBeGreaterThan(0);
    }
    for (const id of net.nodes) {
      expect(net.isUp(id)).toBe(true);
      expect(net.isPaused(id)).toBe(false);
      for (const other of net.nodes) expect(net.canReach(id, other)).toBe(true);
    }
    expect(net.trace.every((f) => f.atMs <= 20_000)).toBe(true);
    expect(counts['crash']).toBe(counts['restart']);
    expect(counts['pause']).toBe(counts['resume']);
  });

  it('keeps a majority up by default, and respects zero weights and its window', () => {
    const { net } = network(2);
    scheduleNemesis(net, { startMs: 1000, endMs: 5000, weights: { partition: 0, isolate: 0, 'one-way': 0, bridge: 0, 'flaky-link': 0 } });
    let most = 0;
    for (let t = 0; t <= 5000; t += 5) {
      net.runUntil(t);
      most = Math.max(most, net.nodes.filter((id) => !net.isUp(id) || net.isPaused(id)).length);
    }
    expect(most).toBe(2);
    const kinds = new Set(net.trace.map((f) => f.kind));
    expect([...kinds].sort()).toEqual(['crash', 'pause', 'restart', 'resume']);
    expect(Math.min(...net.trace.map((f) => f.atMs))).toBeGreaterThanOrEqual(1000);
  });

  it('runs custom faults and replays with the seed', () => {
    const run = (seed: number) => {
      const { net } = network(seed);
      scheduleNemesis(net, {
        endMs: 3000,
        targets: ['a', 'b', 'c'],
        random: new SimRandom(seed),
        custom: [{ name: 'transfer', weight: 5, run: (random) => net.recordFault('transfer', [random.pick(['a', 'b'])]) }],
        intervalMs: { min: 10, max: 50 },
        durationMs: { min: 10, max: 100 },
      });
      net.runUntil(3000);
      return { transfers: net.faultCounts()['transfer'] ?? 0, trace: net.trace };
    };
    const one = run(4);
    expect(one.transfers).toBeGreaterThan(10);
    expect(one.trace.flatMap((f) => f.nodes).every((id) => ['a', 'b', 'c'].includes(id))).toBe(true);
    expect(run(4)).toEqual(one);
    expect(run(5)).not.toEqual(one);
  });

  it.each<[string, object, RegExp]>([
    ['an endMs before startMs', { startMs: 10, endMs: 5 }, /options\.endMs/],
    ['a startMs in the past', { startMs: -1, endMs: 5 }, /options\.startMs/],
    ['a bad interval', { endMs: 5, intervalMs: { min: 0, max: 1 } }, /options\.intervalMs/],
    ['an interval that is not a range', { endMs: 5, intervalMs: 3 }, /options\.intervalMs must be \{ min, max \}/],
    ['a negative weight', { endMs: 5, weights: { crash: -1 } }, /options\.weights\.crash/],
    ['a bad maxDown', { endMs: 5, maxDown: 1.5 }, /options\.maxDown/],
    ['an unknown target', { endMs: 5, targets: ['z'] }, /unknown node/],
    ['a custom fault without run', { endMs: 5, custom: [{ name: 'x', weight: 1 }] }, /options\.custom/],
    ['a custom fault with a built-in name', { endMs: 5, custom: [{ name: 'crash', weight: 1, run: noop }] }, /options\.custom/],
  ])('rejects %s', (_label, options, message) => {
    expect(() => scheduleNemesis(network().net, options as never)).toThrow(message);
  });
});
