import { deferred } from './deferred.js';

describe('deferred', () => {
  it('resolves when told to', async () => {
    const d = deferred<number>();
    let settled = false;
    void d.promise.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    d.resolve(5);
    await expect(d.promise).resolves.toBe(5);
  });

  it('rejects when told to', async () => {
    const d = deferred<number>();
    d.reject(new Error('no'));
    await expect(d.promise).rejects.toThrow('no');
  });
});
