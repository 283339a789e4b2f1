import { trackAbortListeners } from './abort-listeners.js';

describe('trackAbortListeners', () => {
  it('counts abort listeners added and removed, and those still live', () => {
    const controller = new AbortController();
    const counts = trackAbortListeners(controller.signal);
    const a = (): void => undefined;
    const b = { handleEvent: (): void => undefined };
    controller.signal.addEventListener('abort', a);
    controller.signal.addEventListener('abort', b);
    controller.signal.addEventListener('other' as 'abort', a);
    expect([counts.added, counts.removed, counts.live()]).toEqual([2, 0, 2]);
    controller.signal.removeEventListener('abort', a);
    expect([counts.added, counts.removed, counts.live()]).toEqual([2, 1, 1]);
  });

  it('keeps the listeners working', () => {
    const controller = new AbortController();
    trackAbortListeners(controller.signal);
    let fired = 0;
    controller.signal.addEventListener('abort', () => fired++);
    controller.abort();
    expect(fired).toBe(1);
  });
});
