// Flow control (etcd-io/raft raft_flow_control_test.go): in `replicate` the leader pipelines
// appends without waiting, up to a window of messages and bytes per follower, freed by
// acknowledgements; proposals beyond an uncommitted-bytes cap are dropped.
import { isProposalDroppedError } from '../errors/proposal-dropped-error.js';
import type { AppendMessage, Message } from './messages.js';
import { TestNetwork } from './test-network.js';
import { type Fixture, drain, newRaft } from './test-fixtures.js';

const bytes = (n: number): Uint8Array => new Uint8Array(n).fill(120);
const appendsTo = (messages: readonly Message[], to: string) =>
  messages.filter((m): m is AppendMessage => m.type === 'append' && m.to === to && m.entries.length > 0);

/** Leader `a` of a and b, with b in `replicate` (it acknowledged the no-op). */
function leader(config: Parameters<typeof newRaft>[0] = {}): Fixture {
  const fixture = newRaft({ voters: ['a', 'b'], preVote: false, ...config });
  fixture.raft.campaign();
  fixture.raft.step({ type: 'vote-response', from: 'b', to: 'a', term: 1, granted: true });
  drain(fixture);
  fixture.raft.step({ type: 'append-response', from: 'b', to: 'a', term: 1, reject: false, index: 1 });
  drain(fixture);
  expect(fixture.raft.status().progress.get('b')?.state).toBe('replicate');
  return fixture;
}

function dropReason(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (isProposalDroppedError(error)) return error.reason;
    throw error;
  }
  return undefined;
}

describe('Raft flow control: the window of appends in flight', () => {
  it('pipelines up to maxInflightMessages appends, then waits; an acknowledgement frees places', () => {
    const fixture = leader({ maxInflightMessages: 3 });
    for (let i = 0; i < 5; i++) fixture.raft.propose(bytes(1));
    const sent = appendsTo(drain(fixture).messages, 'b');
    expect(sent.map((m) => m.entries.map((e) => e.index))).toEqual([[2], [3], [4]]); // not waiting for answers…
    expect(fixture.raft.status().progress.get('b')).toMatchObject({ state: 'replicate', next: 5 }); // …but 3 is the most
    fixture.raft.step({ type: 'append-response', from: 'b', to: 'a', term: 1, reject: false, index: 3 });
    // Two places freed: the rest goes out, batched.
    expect(appendsTo(drain(fixture).messages, 'b').map((m) => m.entries.map((e) => e.index))).toEqual([[5, 6]]);
  });

  it('limits the bytes in flight with maxInflightBytes (one append always goes)', () => {
    const fixture = leader({ maxInflightBytes: 10, maxBytesPerMessage: 6 });
    for (let i = 0; i < 4; i++) fixture.raft.propose(bytes(6));
    expect(appendsTo(drain(fixture).messages, 'b').map((m) => m.entries.length)).toEqual([1, 1]); // 12 bytes ≥ 10: full
    fixture.raft.step({ type: 'append-response', from: 'b', to: 'a', term: 1, reject: false, index: 2 });
    expect(appendsTo(drain(fixture).messages, 'b').map((m) => m.entries.map((e) => e.index))).toEqual([[4]]);
  });

  it('a heartbeat answer while the window is full frees one place, so lost appends are noticed', () => {
    const fixture = leader({ maxInflightMessages: 2 });
    for (let i = 0; i < 3; i++) fixture.raft.propose(bytes(1));
    drain(fixture); // the appends for 2 and 3 are lost
    fixture.raft.step({ type: 'heartbeat-response', from: 'b', to: 'a', term: 1 });
    const retry = appendsTo(drain(fixture).messages, 'b');
    expect(retry.map((m) => [m.prevLogIndex, m.entries.map((e) => e.index)])).toEqual([[3, [4]]]);
    // b refuses it (it lacks 2 and 3): back to probing from its match.
    fixture.raft.step({ type: 'append-response', from: 'b', to: 'a', term: 1, reject: true, index: 3, hintIndex: 1, hintTerm: 1 });
    const probe = drain(fixture).messages.filter((m): m is AppendMessage => m.type === 'append');
    expect(probe.map((m) => [m.prevLogIndex, m.entries.map((e) => e.index)])).toEqual([[1, [2, 3, 4]]]);
  });

  it('a probing follower gets one append at a time', () => {
    const fixture = newRaft({ voters: ['a', 'b'], preVote: false });
    fixture.raft.campaign();
    fixture.raft.step({ type: 'vote-response', from: 'b', to: 'a', term: 1, granted: true });
    drain(fixture);
    for (let i = 0; i < 3; i++) fixture.raft.propose(bytes(1));
    expect(appendsTo(drain(fixture).messages, 'b')).toEqual([]); // the election's probe is unanswered
    expect(fixture.raft.status().progress.get('b')?.state).toBe('probe');
  });
});

describe('Raft flow control: maxUncommittedBytes', () => {
  it('drops proposals past the cap with reason uncommitted-limit, and takes them again once commits catch up', () => {
    const fixture = leader({ maxUncommittedBytes: 10 });
    fixture.raft.propose(bytes(6));
    expect(dropReason(() => fixture.raft.propose(bytes(6)))).toBe('uncommitted-limit');
    expect(dropReason(() => fixture.raft.propose(bytes(4)))).toBeUndefined(); // 10: at the cap
    expect(dropReason(() => fixture.raft.propose(bytes(1)))).toBe('uncommitted-limit');
    expect(dropReason(() => fixture.raft.propose(new Uint8Array(0)))).toBeUndefined(); // empty entries are free
    drain(fixture);
    fixture.raft.step({ type: 'append-response', from: 'b', to: 'a', term: 1, reject: false, index: 3 });
    drain(fixture); // 2 and 3 are handed out as committed
    expect(dropReason(() => fixture.raft.propose(bytes(10)))).toBeUndefined();
  });

  it('one entry larger than the cap still goes when nothing is uncommitted', () => {
    const fixture = leader({ maxUncommittedBytes: 10 });
    expect(dropReason(() => fixture.raft.propose(bytes(50)))).toBeUndefined();
    expect(dropReason(() => fixture.raft.propose(bytes(1)))).toBe('uncommitted-limit');
  });

  it('counts configuration changes too, but never holds back leaving a joint configuration', () => {
    const fixture = leader({ maxUncommittedBytes: 10 });
    fixture.raft.propose(bytes(10));
    expect(dropReason(() => fixture.raft.proposeConfChange({ changes: [{ type: 'add-learner', node: 'l' }] }))).toBe('uncommitted-limit');
  });

  it('a new leader starts with nothing counted', () => {
    const net = new TestNetwork({ ids: ['a', 'b', 'c'], config: { maxUncommittedBytes: 4, preVote: false, checkQuorum: false } });
    net.campaign('a');
    net.stabilize();
    net.isolate('a');
    net.propose('a', 'abcd'); // never commits
    expect(dropReason(() => net.propose('a', 'x'))).toBe('uncommitted-limit');
    net.campaign('b');
    net.stabilize();
    expect(dropReason(() => net.propose('b', 'abcd'))).toBeUndefined();
  });
});
