import { ReadQueue } from './read-queue.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('ReadQueue', () => {
  it('serves a read once it is confirmed and its index applied, in order', () => {
    const queue = new ReadQueue();
    queue.ask('r1', { client: 'c1', key: 'op:1:1', kvKey: 'x' });
    queue.ask('r2', { client: 'c2', key: 'op:2:1', kvKey: 'y' });
    const served: string[] = [];
    queue.serve(100, (read) => served.push(read.client));
    expect(served).toEqual([]); // not confirmed yet
    queue.confirm([
      { index: 5, context: bytes('r2') },
      { index: 3, context: bytes('r1') },
      { index: 4, context: bytes('elsewhere') },
    ]);
    queue.serve(4, (read) => served.push(read.client));
    expect(served).toEqual(['c1']);
    queue.serve(5, (read) => served.push(read.client));
    expect(served).toEqual(['c1', 'c2']);
    expect(queue.served).toBe(2);
  });

  it('forgets unconfirmed reads when the leader changes, and everything on a crash', () => {
    const queue = new ReadQueue();
    queue.ask('a', { client: 'c1', key: 'k', kvKey: 'x' });
    queue.ask('b', { client: 'c2', key: 'k', kvKey: 'x' });
    queue.confirm([{ index: 1, context: bytes('a') }]);
    queue.forgetUnconfirmed();
    queue.confirm([{ index: 1, context: bytes('b') }]);
    const served: string[] = [];
    queue.serve(1, (read) => served.push(read.client));
    expect(served).toEqual(['c1']);
    queue.ask('c', { client: 'c3', key: 'k', kvKey: 'x' });
    queue.confirm([{ index: 9, context: bytes('c') }]);
    queue.clear();
    queue.serve(10, (read) => served.push(read.client));
    expect(served).toEqual(['c1']);
  });
});
