import { SimScheduler } from './sim-scheduler.js';

describe('SimScheduler', () => {
  it('runs node timers in time order, holds them while the node is paused and drops them when it crashes', () => {
    const log: string[] = [];
    const time = new SimScheduler({ onCrash: (node) => log.push(`crash ${node}`), onRestart: (node) => log.push(`restart ${node}`) });
    time.addNode('a');
    time.addNode('b');
    time.schedule(10, () => log.push(`a@${time.now}`), { node: 'a' });
    time.schedule(10, () => log.push(`b@${time.now}`), { node: 'b' });
    time.schedule(20, () => log.push(`gone@${time.now}`), { node: 'b' });
    time.pause('a');
    time.schedule(15, () => time.crash('b'));
    time.schedule(30, () => time.resume('a'));
    time.schedule(40, () => time.restart('b'));
    time.runUntil(100);
    expect(log).toEqual(['b@10', 'crash b', 'a@30', 'restart b']);
    expect(time.trace.map((f) => f.kind)).toEqual(['pause', 'crash', 'resume', 'restart']);
    expect(time.eventCount).toBe(5);
    expect(time.now).toBe(100);
  });

  it('names itself in errors, and rejects hooks that are not functions', () => {
    expect(() => new SimScheduler({ onCrash: 1 as never })).toThrow('SimScheduler: options.onCrash must be a function');
    expect(() => new SimScheduler().pause('x')).toThrow('SimScheduler: unknown node "x"');
  });
});
