import { ManualClock } from '../../testing/manual-clock.js';
import { isQuorumNotReachedError } from '../errors/quorum-not-reached-error.js';
import { QuorumStore } from './quorum-store.js';
import type { StoreTransport } from './quorum-store.js';
import type { StoreMessage } from './store-messages.js';

function cluster(ids = ['a', 'b', 'c']) {
  const clock = new ManualClock(0);
  const stores = new Map<string, QuorumStore<string>>();
  const cut = new Set<string>();
  const sent: StoreMessage<string>[] = [];
  // Delivers each message 1 ms later on the manual clock, unless its destination is cut off.
  const transport: StoreTransport<string> = {
    send(message) {
      sent.push(message);
      clock.setTimeout(() => {
        if (!cut.has(message.to) && !cut.has(message.from)) stores.get(message.to)?.receive(message);
      }, 1);
    },
  };
  for (const id of ids) stores.set(id, new QuorumStore<string>({ id, nodes: ids, preferenceList: () => ids, clock, transport, requestTimeoutMs: 100 }));
  const store = (id: string) => stores.get(id) as QuorumStore<string>;
  return { clock, stores, store, cut, sent };
}

describe('QuorumStore', () => {
  it('resolves puts and gets as the network delivers, on the injected clock', async () => {
    const { clock, store, sent } = cluster();
    const put = store('a').put('k', 'v');
    await clock.advanceAsync(5);
    const { token, acks } = await put;
    expect(acks).toBeGreaterThanOrEqual(2);
    const get = store('c').get('k', { token });
    await clock.advanceAsync(5);
    await expect(get).resolves.toMatchObject({ value: 'v', siblings: ['v'] });
    const del = store('b').delete('k', { token });
    await clock.advanceAsync(5);
    await expect(del).resolves.toMatchObject({ key: 'k' });
    expect(sent.length).toBeGreaterThan(0);
    expect(store('a').node.id).toBe('a');
  });

  it('ticks the node on its timer: a request without its quorum rejects after its timeout', async () => {
    const { clock, store, cut } = cluster();
    cut.add('b').add('c');
    const put = store('a').put('k', 'v');
    const outcome = put.catch((error: unknown) => error);
    await clock.advanceAsync(99);
    expect(store('a').pending).toBe(1);
    await clock.advanceAsync(20);
    expect(isQuorumNotReachedError(await outcome)).toBe(true);
    expect(store('a').pending).toBe(0);
  });

  it('rejects bad requests without arming anything, and rejects waiting requests on close', async () => {
    const { clock, store } = cluster();
    await expect(store('a').get('k', { r: 7 })).rejects.toThrow(RangeError);
    const pending = store('a').get('k');
    store('a').close();
    store('a').close();
    await expect(pending).rejects.toThrow(/closed before the request completed/);
    await expect(store('a').put('k', 'v')).rejects.toThrow(/QuorumStore: closed/);
    store('a').receive({ type: 'read', from: 'b', to: 'a', requestId: 'x.1.1/r', key: 'k' }); // ignored
    for (const id of ['b', 'c']) store(id).close();
    clock.runAll();
    expect(clock.pendingTimers).toBe(0);
  });

  it('validates its options', () => {
    const clock = new ManualClock(0);
    const base = { id: 'a', nodes: ['a'], replicas: 1, preferenceList: () => ['a'], clock, transport: { send: () => undefined } };
    expect(() => new QuorumStore({ ...base, transport: {} as never })).toThrow(/transport must have a send\(message\) method/);
    expect(() => new QuorumStore({ ...base, clock: { now: () => 0 } as never })).toThrow(/clock must be a Clock/);
    expect(() => new QuorumStore({ ...base, tickMs: 0 })).toThrow(/tickMs must be a positive finite number, got 0/);
    expect(() => new QuorumStore({ ...base, replicas: 2 })).toThrow(/replicas must be an integer in \[1, 1\]/);
    new QuorumStore({ ...base }).close();
  });
});
