import { EventSource } from './event.js';

describe('EventSource', () => {
  it('delivers values to listeners in order and stops after dispose', () => {
    const source = new EventSource<number>();
    expect(source.hasListeners).toBe(false);
    const seen: string[] = [];
    const a = source.event((v) => seen.push(`a${v}`));
    source.event((v) => seen.push(`b${v}`));
    expect(source.hasListeners).toBe(true);
    source.emit(1);
    a.dispose();
    a.dispose();
    source.emit(2);
    expect(seen).toEqual(['a1', 'b1', 'b2']);
  });

  it('drops its list when the last listener goes, and emit without listeners is a no-op', () => {
    const source = new EventSource<string>();
    source.emit('nobody');
    const d = source.event(() => undefined);
    d.dispose();
    expect(source.hasListeners).toBe(false);
  });

  it('keeps calling the others when one throws, then rethrows the first error', () => {
    const source = new EventSource<number>();
    const seen: number[] = [];
    source.event(() => {
      throw new Error('first');
    });
    source.event(() => {
      throw new Error('second');
    });
    source.event((v) => seen.push(v));
    expect(() => source.emit(3)).toThrow('first');
    expect(seen).toEqual([3]);
  });

  it('a single listener that throws propagates its error', () => {
    const source = new EventSource<number>();
    source.event(() => {
      throw new Error('only');
    });
    expect(() => source.emit(1)).toThrow('only');
  });

  it('uses a snapshot: subscribing during emit takes effect next time', () => {
    const source = new EventSource<number>();
    const seen: string[] = [];
    source.event(() => {
      seen.push('outer');
      source.event(() => seen.push('inner'));
    });
    source.event(() => seen.push('second'));
    source.emit(1);
    expect(seen).toEqual(['outer', 'second']);
  });

  it('rejects a non-function listener', () => {
    expect(() => new EventSource<number>().event(5 as never)).toThrow(TypeError);
  });
});
