import { Registry } from 'prom-client';
import { freshRegister, samples, typeLine, value } from '../../test/scrape.js';
import { DEFAULT_FSYNC_BUCKETS, registerRaftMetrics } from './raft.js';
import type { RaftMetricsSource } from './raft.js';

type Status = ReturnType<RaftMetricsSource['status']>;

function fakeNode(id: string, status: Partial<Status> = {}): RaftMetricsSource & { current: Status } {
  const node = {
    id,
    current: { term: 1, role: 'follower', commit: 0, appliedIndex: 0, ...status } as Status,
    status: () => node.current,
  };
  return node;
}

describe('registerRaftMetrics', () => {
  it('reads term, indexes, the leader flag and the proposal counters at scrape time', async () => {
    const { register, scrape } = freshRegister();
    const a = fakeNode('a', { term: 3, role: 'leader', commit: 10, appliedIndex: 9, proposalsTotal: 7, proposalsFailed: 2 });
    registerRaftMetrics(a, { register });
    let text = await scrape();
    expect(samples(text, 'bulwark_raft_term')).toEqual(['bulwark_raft_term{node="a"} 3']);
    expect(value(text, 'bulwark_raft_commit_index{node="a"}')).toBe(10);
    expect(value(text, 'bulwark_raft_applied_index{node="a"}')).toBe(9);
    expect(value(text, 'bulwark_raft_leader{node="a"}')).toBe(1);
    expect(value(text, 'bulwark_raft_proposals_total{node="a"}')).toBe(7);
    expect(value(text, 'bulwark_raft_proposals_failed_total{node="a"}')).toBe(2);
    expect(typeLine(text, 'bulwark_raft_proposals_total')).toBe('# TYPE bulwark_raft_proposals_total counter');
    expect(typeLine(text, 'bulwark_raft_term')).toBe('# TYPE bulwark_raft_term gauge');

    a.current = { term: 4, role: 'follower', commit: 12, appliedIndex: 12, proposalsTotal: 8, proposalsFailed: 2 };
    text = await scrape();
    expect(value(text, 'bulwark_raft_term{node="a"}')).toBe(4);
    expect(value(text, 'bulwark_raft_leader{node="a"}')).toBe(0);
    expect(value(text, 'bulwark_raft_applied_index{node="a"}')).toBe(12);
    expect(value(text, 'bulwark_raft_proposals_total{node="a"}')).toBe(8);
  });

  it('exports several nodes, or the nodes a function returns now, and reads missing counters as 0', async () => {
    const { register, scrape } = freshRegister();
    const nodes = [fakeNode('a'), fakeNode('b', { role: 'leader' })];
    registerRaftMetrics(() => nodes, { register });
    let text = await scrape();
    expect(samples(text, 'bulwark_raft_leader')).toEqual(['bulwark_raft_leader{node="a"} 0', 'bulwark_raft_leader{node="b"} 1']);
    expect(samples(text, 'bulwark_raft_proposals_total')).toEqual(['bulwark_raft_proposals_total{node="a"} 0', 'bulwark_raft_proposals_total{node="b"} 0']);
    nodes.pop();
    text = await scrape();
    expect(samples(text, 'bulwark_raft_leader')).toEqual(['bulwark_raft_leader{node="a"} 0']);
  });

  it('records fsync durations in a histogram with the given buckets, labelled with the node', async () => {
    const { register, scrape } = freshRegister();
    const handle = registerRaftMetrics([fakeNode('a'), fakeNode('b')], { register, fsyncBuckets: [0.001, 0.01] });
    handle.observeFsync(0.0005);
    handle.observeFsync(0.005);
    handle.observeFsync(0.5, 'b');
    handle.observeFsync(-1); // ignored
    handle.observeFsync(Number.NaN); // ignored
    const text = await scrape();
    expect(typeLine(text, 'bulwark_raft_fsync_duration_seconds')).toBe('# TYPE bulwark_raft_fsync_duration_seconds histogram');
    expect(value(text, 'bulwark_raft_fsync_duration_seconds_bucket{le="0.001",node="a"}')).toBe(1);
    expect(value(text, 'bulwark_raft_fsync_duration_seconds_bucket{le="0.01",node="a"}')).toBe(2);
    expect(value(text, 'bulwark_raft_fsync_duration_seconds_count{node="a"}')).toBe(2);
    expect(value(text, 'bulwark_raft_fsync_duration_seconds_bucket{le="0.01",node="b"}')).toBe(0);
    expect(value(text, 'bulwark_raft_fsync_duration_seconds_count{node="b"}')).toBe(1);
  });

  it('uses 50 µs to 1 s buckets by default', async () => {
    const { register, scrape } = freshRegister();
    registerRaftMetrics(fakeNode('a'), { register }).observeFsync(0.0002);
    const text = await scrape();
    const bounds = samples(text, 'bulwark_raft_fsync_duration_seconds_bucket').map((line) => /le="([^"]+)"/.exec(line)?.[1]);
    expect(bounds).toEqual([...DEFAULT_FSYNC_BUCKETS.map(String), '+Inf']);
  });

  it('takes a prefix, and unregister() removes only its families, idempotently; later fsyncs are ignored', async () => {
    const { register, scrape } = freshRegister();
    const handle = registerRaftMetrics(fakeNode('a'), { register, prefix: 'kv_' });
    expect(await scrape()).toContain('kv_raft_term{node="a"} 1');
    handle.unregister();
    handle.unregister();
    handle.observeFsync(0.001);
    expect(await scrape()).toBe('\n');
    registerRaftMetrics(fakeNode('a'), { register, prefix: 'kv_' }); // the names are free again
    expect(await scrape()).toContain('kv_raft_term{node="a"} 1');
  });

  it('refuses to register the same names twice on one registry, adding nothing', async () => {
    const register = new Registry();
    registerRaftMetrics(fakeNode('a'), { register });
    const before = (await register.getMetricsAsJSON()).length;
    expect(() => registerRaftMetrics(fakeNode('b'), { register })).toThrow(
      /^registerRaftMetrics: the prom-client registry already has a metric named bulwark_raft_term\..* the first registerRaftMetrics\(\) returned/,
    );
    expect((await register.getMetricsAsJSON()).length).toBe(before);
  });

  it('validates its arguments, naming what is wrong', () => {
    const register = new Registry();
    expect(() => registerRaftMetrics({} as RaftMetricsSource, { register })).toThrow('registerRaftMetrics: nodes must be a Raft node');
    expect(() => registerRaftMetrics([fakeNode('a'), { id: 'b' } as RaftMetricsSource], { register })).toThrow(/nodes must be a Raft node .* got \[an object, an object\]$/);
    expect(() => registerRaftMetrics(fakeNode('a'), { register, prefix: 'bad-prefix' })).toThrow('options.prefix');
    expect(() => registerRaftMetrics(fakeNode('a'), { register, fsyncBuckets: [0.1, 0.01] })).toThrow('options.fsyncBuckets');
    expect(() => registerRaftMetrics(fakeNode('a'), { register, colour: 'red' } as never)).toThrow('unknown option "colour"');
    expect(() => registerRaftMetrics(fakeNode('a'), { register: {} as Registry })).toThrow('options.register');
  });
});
