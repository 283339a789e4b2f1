import { EventEmitter, once } from 'node:events';
import { LazyEventEmitter, hasListeners } from './lazy-event-emitter.js';

class Thing extends LazyEventEmitter {
  constructor(readonly label: string) {
    super();
  }
}

describe('LazyEventEmitter', () => {
  it('is an EventEmitter that creates no listener table until the first listener', () => {
    const thing = new Thing('a');
    expect(thing).toBeInstanceOf(EventEmitter);
    expect(thing.label).toBe('a');
    expect((thing as unknown as { _events?: object })._events).toBeUndefined();
    expect(thing.listenerCount('x')).toBe(0);
    expect(thing.eventNames()).toEqual([]);
    expect(thing.listeners('x')).toEqual([]);
    expect(thing.emit('x', 1)).toBe(false);
    expect(() => thing.removeAllListeners()).not.toThrow();
    expect(hasListeners(thing, 'x')).toBe(false);
  });

  it('supports on, once, prepend, off, emit and error semantics like any EventEmitter', async () => {
    const thing = new Thing('b');
    const seen: string[] = [];
    const listener = (v: string): void => void seen.push(`on:${v}`);
    thing.on('x', listener);
    thing.prependListener('x', (v: string) => seen.push(`first:${v}`));
    thing.once('x', (v: string) => seen.push(`once:${v}`));
    expect(hasListeners(thing, 'x')).toBe(true);
    thing.emit('x', '1');
    thing.off('x', listener);
    thing.emit('x', '2');
    expect(seen).toEqual(['first:1', 'on:1', 'once:1', 'first:2']);
    expect(thing.eventNames()).toEqual(['x']);
    const waiting = once(thing, 'y');
    thing.emit('y', 42);
    await expect(waiting).resolves.toEqual([42]);
    expect(() => thing.emit('error', new Error('unhandled'))).toThrow('unhandled');
    thing.removeAllListeners();
    expect(hasListeners(thing, 'x')).toBe(false);
  });
});
