import { ProposalBatcher } from './proposal-batcher.js';

function setup() {
  const flushes: Array<() => void> = [];
  const proposed: string[] = [];
  const batcher = new ProposalBatcher<string>(
    async (bytes) => {
      const text = new TextDecoder().decode(bytes);
      proposed.push(text);
      return `ok:${text}`;
    },
    (flush) => flushes.push(flush),
  );
  return { batcher, flushes, proposed };
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe('ProposalBatcher', () => {
  it('hands every proposal of a turn to Raft together, in order, once the turn ends', async () => {
    const { batcher, flushes, proposed } = setup();
    const results = [batcher.submit(bytes('a')), batcher.submit(bytes('b')), batcher.submit(bytes('c'))];
    expect(proposed).toEqual([]); // nothing before the flush
    expect(flushes).toHaveLength(1); // one flush scheduled for the three
    flushes[0]();
    expect(proposed).toEqual(['a', 'b', 'c']);
    await expect(Promise.all(results)).resolves.toEqual(['ok:a', 'ok:b', 'ok:c']);
    expect({ batches: batcher.batches, proposals: batcher.proposals }).toEqual({ batches: 1, proposals: 3 });
    const later = batcher.submit(bytes('d'));
    expect(flushes).toHaveLength(2);
    flushes[1]();
    await expect(later).resolves.toBe('ok:d');
  });

  it('rejects only the proposals Raft refused, including one that throws synchronously', async () => {
    const batcher = new ProposalBatcher<string>(
      (b) => {
        const text = new TextDecoder().decode(b);
        if (text === 'throws') throw new Error('sync');
        return text === 'bad' ? Promise.reject(new Error('refused')) : Promise.resolve(text);
      },
      (flush) => queueMicrotask(flush),
    );
    const [good, bad, throws] = [batcher.submit(bytes('good')), batcher.submit(bytes('bad')), batcher.submit(bytes('throws'))];
    await expect(good).resolves.toBe('good');
    await expect(bad).rejects.toThrow('refused');
    await expect(throws).rejects.toThrow('sync');
  });

  it('flushes on setImmediate by default', async () => {
    const batcher = new ProposalBatcher<number>(async (b) => b.byteLength);
    await expect(Promise.all([batcher.submit(bytes('xy')), batcher.submit(bytes('xyz'))])).resolves.toEqual([2, 3]);
    expect(batcher.batches).toBe(1);
  });
});
