// ReadIndex linearizable reads (Raft thesis §6.4) and lease reads (§6.4.1): a read is answered
// with the commit index once the leader has committed an entry of its term and confirmed that
// it still leads, by a heartbeat round or by a lease.
import { isProposalDroppedError } from '../errors/proposal-dropped-error.js';
import type { HeartbeatMessage, Message } from './messages.js';
import { TestNetwork } from './test-network.js';
import { type Fixture, drain, newRaft } from './test-fixtures.js';

const ctx = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const heartbeats = (messages: readonly Message[]) => messages.filter((m): m is HeartbeatMessage => m.type === 'heartbeat');

/** Leader `a` of term 1 over b and c, its no-op (index 1) committed through b. */
function leader(options: Parameters<typeof newRaft>[0] = {}): Fixture {
  const fixture = newRaft({ preVote: false, ...options });
  fixture.raft.campaign();
  fixture.raft.step({ type: 'vote-response', from: 'b', to: 'a', term: 1, granted: true });
  drain(fixture);
  fixture.raft.step({ type: 'append-response', from: 'b', to: 'a', term: 1, reject: false, index: 1 });
  drain(fixture);
  expect(fixture.raft.status()).toMatchObject({ role: 'leader', commit: 1 });
  return fixture;
}

const ack = (fixture: Fixture, from: string, context?: Uint8Array, sentAt?: number) =>
  fixture.raft.step({
    type: 'heartbeat-response',
    from,
    to: 'a',
    term: fixture.raft.status().term,
    ...(context === undefined ? {} : { context }),
    ...(sentAt === undefined ? {} : { sentAt }),
  });

describe('Raft thesis §6.4: ReadIndex on the leader', () => {
  it('records the commit index, confirms leadership with a heartbeat round, and answers once a quorum acknowledged it', () => {
    const fixture = leader();
    fixture.raft.readIndex(ctx('r1'));
    const { messages, readies } = drain(fixture);
    expect(heartbeats(messages).map((m) => [m.to, text(m.context ?? new Uint8Array())])).toEqual([
      ['b', 'r1'],
      ['c', 'r1'],
    ]);
    expect(readies.flatMap((r) => r.readStates)).toEqual([]);
    ack(fixture, 'b', ctx('r1')); // with its own, a quorum of 3
    expect(fixture.raft.ready().readStates).toEqual([{ index: 1, context: ctx('r1') }]);
  });

  it('waits for an entry of its own term to commit first (step 1: its commit index may be stale until then)', () => {
    const fixture = newRaft({ preVote: false, logTerms: [1, 1], hardState: { term: 1, commit: 1 } });
    fixture.raft.campaign();
    fixture.raft.step({ type: 'vote-response', from: 'b', to: 'a', term: 2, granted: true });
    drain(fixture);
    fixture.raft.readIndex(ctx('early'));
    expect(heartbeats(drain(fixture).messages)).toEqual([]); // nothing asked yet
    fixture.raft.step({ type: 'append-response', from: 'b', to: 'a', term: 2, reject: false, index: 3 });
    const { messages } = drain(fixture);
    expect(heartbeats(messages).map((m) => text(m.context ?? new Uint8Array()))).toEqual(['early', 'early']);
    ack(fixture, 'c', ctx('early'));
    expect(fixture.raft.ready().readStates).toEqual([{ index: 3, context: ctx('early') }]);
  });

  it('a single voter answers at once (it is its own quorum)', () => {
    const fixture = newRaft({ voters: ['a'] });
    fixture.raft.campaign();
    drain(fixture);
    fixture.raft.readIndex(ctx('solo'));
    expect(drain(fixture).readies.flatMap((r) => r.readStates)).toEqual([{ index: 1, context: ctx('solo') }]);
  });

  it('a quorum acknowledging a later round confirms every earlier read too, in order (step 3)', () => {
    const fixture = leader();
    fixture.raft.readIndex(ctx('r1'));
    fixture.raft.propose(ctx('x'));
    drain(fixture);
    fixture.raft.step({ type: 'append-response', from: 'b', to: 'a', term: 1, reject: false, index: 2 });
    fixture.raft.readIndex(ctx('r2'));
    drain(fixture);
    ack(fixture, 'c', ctx('r2'));
    expect(drain(fixture).readies.flatMap((r) => r.readStates)).toEqual([
      { index: 1, context: ctx('r1') },
      { index: 2, context: ctx('r2') },
    ]);
  });

  it('periodic heartbeats carry the newest waiting read, so a lost round is retried', () => {
    const fixture = leader();
    fixture.raft.readIndex(ctx('r1'));
    drain(fixture); // that round is lost
    fixture.raft.tick();
    const retried = heartbeats(drain(fixture).messages);
    expect(retried.map((m) => text(m.context ?? new Uint8Array()))).toEqual(['r1', 'r1']);
    ack(fixture, 'b', ctx('r1'));
    expect(fixture.raft.ready().readStates.map((r) => text(r.context))).toEqual(['r1']);
  });

  it('ignores acknowledgements of unknown contexts, and a context already waiting', () => {
    const fixture = leader();
    fixture.raft.readIndex(ctx('r1'));
    fixture.raft.readIndex(ctx('r1'));
    drain(fixture);
    ack(fixture, 'b', ctx('other'));
    expect(fixture.raft.hasReady()).toBe(false);
    ack(fixture, 'b', ctx('r1'));
    expect(drain(fixture).readies.flatMap((r) => r.readStates)).toHaveLength(1);
  });

  it('a leader that steps down forgets the reads it was confirming (their clients retry)', () => {
    const fixture = leader();
    fixture.raft.readIndex(ctx('r1'));
    drain(fixture);
    fixture.raft.step({ type: 'heartbeat', from: 'c', to: 'a', term: 2, commit: 1 });
    ack(fixture, 'b', ctx('r1'));
    expect(drain(fixture).readies.flatMap((r) => r.readStates)).toEqual([]);
  });
});

describe('Raft thesis §6.4: ReadIndex on a follower', () => {
  it('forwards the request to its leader and hands out the leader’s answer', () => {
    const fixture = newRaft();
    fixture.raft.step({ type: 'heartbeat', from: 'b', to: 'a', term: 1, commit: 0 });
    drain(fixture);
    fixture.raft.readIndex(ctx('f1'));
    expect(drain(fixture).messages).toEqual([{ type: 'read-index', from: 'a', to: 'b', term: 1, context: ctx('f1') }]);
    fixture.raft.step({ type: 'read-index-response', from: 'b', to: 'a', term: 1, index: 7, context: ctx('f1') });
    expect(fixture.raft.ready().readStates).toEqual([{ index: 7, context: ctx('f1') }]);
  });

  it('the leader answers a forwarded read with a message once confirmed', () => {
    const fixture = leader();
    fixture.raft.step({ type: 'read-index', from: 'c', to: 'a', term: 1, context: ctx('f1') });
    drain(fixture);
    ack(fixture, 'b', ctx('f1'));
    const { messages, readies } = drain(fixture);
    expect(messages).toEqual([{ type: 'read-index-response', from: 'a', to: 'c', term: 1, index: 1, context: ctx('f1') }]);
    expect(readies.flatMap((r) => r.readStates)).toEqual([]);
  });

  it('a node that knows no leader refuses with ProposalDroppedError; a bad context is a TypeError', () => {
    const { raft } = newRaft();
    const error = (() => {
      try {
        raft.readIndex(ctx('x'));
      } catch (caught) {
        return caught;
      }
    })();
    expect(isProposalDroppedError(error) && [error.reason, error.leaderId]).toEqual(['not-leader', undefined]);
    expect(() => raft.readIndex('x' as never)).toThrow(/readIndex\(context\) needs a Uint8Array, got "x"/);
  });

  it('a read forwarded to a node that does not lead is dropped', () => {
    const fixture = newRaft();
    fixture.raft.step({ type: 'heartbeat', from: 'b', to: 'a', term: 1, commit: 0 });
    drain(fixture);
    fixture.raft.step({ type: 'read-index', from: 'c', to: 'a', term: 1, context: ctx('lost') });
    expect(drain(fixture).messages).toEqual([]);
  });
});

describe('Raft thesis §6.4.1: lease reads (readOnly: leaseBased)', () => {
  const lease = { readOnly: 'leaseBased', electionTick: 10 } as const;

  it('needs check-quorum, and checks its options', () => {
    expect(() => newRaft({ readOnly: 'leaseBased', checkQuorum: false })).toThrow(/'leaseBased' needs checkQuorum/);
    expect(() => newRaft({ readOnly: 'fast' as never })).toThrow(/config\.readOnly must be 'safe' or 'leaseBased', got "fast"/);
    expect(() => newRaft({ readOnly: 1 as never })).toThrow(TypeError);
    expect(() => newRaft({ maxClockDrift: 0.5 })).toThrow(/maxClockDrift must be a number in \[0, 0\.5\)/);
    expect(() => newRaft({ maxClockDrift: '0.1' as never })).toThrow(TypeError);
  });

  it('heartbeats carry the tick they were sent at, and followers echo it', () => {
    const fixture = leader(lease);
    for (let i = 0; i < 3; i++) fixture.raft.tick();
    expect(heartbeats(drain(fixture).messages).map((m) => m.sentAt)).toEqual([1, 1, 2, 2, 3, 3]);
    const follower = newRaft({ ...lease, id: 'b' });
    follower.raft.step({ type: 'heartbeat', from: 'a', to: 'b', term: 1, commit: 0, sentAt: 4 });
    expect(drain(follower).messages).toEqual([{ type: 'heartbeat-response', from: 'b', to: 'a', term: 1, sentAt: 4 }]);
  });

  it('answers at once while a quorum acknowledged a heartbeat sent less than the lease ago, then confirms by a round', () => {
    const fixture = leader(lease);
    fixture.raft.readIndex(ctx('no-lease-yet'));
    expect(heartbeats(drain(fixture).messages)).toHaveLength(2); // nobody acknowledged a stamped heartbeat yet
    fixture.raft.tick(); // heartbeat sent at 1
    drain(fixture);
    ack(fixture, 'b', undefined, 1);
    fixture.raft.readIndex(ctx('leased'));
    const { readies, messages } = drain(fixture);
    expect(readies.flatMap((r) => r.readStates)).toEqual([{ index: 1, context: ctx('leased') }]);
    expect(heartbeats(messages)).toEqual([]);
    // The lease is floor((10 − 1) × 0.9) − 1 = 7 ticks from the send at tick 1: valid up to tick 7.
    for (let i = 0; i < 6; i++) fixture.raft.tick();
    drain(fixture);
    fixture.raft.readIndex(ctx('at-7'));
    expect(drain(fixture).readies.flatMap((r) => r.readStates.map((s) => text(s.context)))).toEqual(['at-7']);
    fixture.raft.tick();
    drain(fixture);
    fixture.raft.readIndex(ctx('at-8'));
    const late = drain(fixture);
    expect(late.readies.flatMap((r) => r.readStates)).toEqual([]);
    expect(heartbeats(late.messages).map((m) => text(m.context ?? new Uint8Array()))).toEqual(['at-8', 'at-8']);
  });

  it("per request: 'safe' confirms by a heartbeat round even while the lease holds, on the leader and forwarded", () => {
    const fixture = leader(lease);
    fixture.raft.tick(); // heartbeat sent at 1
    drain(fixture);
    ack(fixture, 'b', undefined, 1);
    fixture.raft.readIndex(ctx('round'), 'safe');
    const safe = drain(fixture);
    expect(safe.readies.flatMap((r) => r.readStates)).toEqual([]);
    expect(heartbeats(safe.messages).map((m) => text(m.context ?? new Uint8Array()))).toEqual(['round', 'round']);
    fixture.raft.readIndex(ctx('leased'), 'lease');
    expect(drain(fixture).readies.flatMap((r) => r.readStates.map((s) => text(s.context)))).toEqual(['leased']);
    // A follower's safe read says so in its forwarded request; the leader then runs a round.
    fixture.raft.step({ type: 'read-index', from: 'c', to: 'a', term: 1, context: ctx('from-c'), safe: true });
    expect(heartbeats(drain(fixture).messages).map((m) => text(m.context ?? new Uint8Array()))).toEqual(['from-c', 'from-c']);
    fixture.raft.step({ type: 'read-index', from: 'c', to: 'a', term: 1, context: ctx('c-leased') });
    expect(drain(fixture).messages.filter((m) => m.type === 'read-index-response').map((m) => m.type === 'read-index-response' && text(m.context))).toEqual(['c-leased']);
    const follower = newRaft({ ...lease, id: 'b' });
    follower.raft.step({ type: 'heartbeat', from: 'a', to: 'b', term: 1, commit: 0 });
    drain(follower);
    follower.raft.readIndex(ctx('fs'), 'safe');
    follower.raft.readIndex(ctx('fl'), 'lease');
    follower.raft.readIndex(ctx('fd'));
    expect(drain(follower).messages.filter((m) => m.type === 'read-index')).toEqual([
      { type: 'read-index', from: 'b', to: 'a', term: 1, context: ctx('fs'), safe: true },
      { type: 'read-index', from: 'b', to: 'a', term: 1, context: ctx('fl') },
      { type: 'read-index', from: 'b', to: 'a', term: 1, context: ctx('fd') },
    ]);
  });

  it("per request: 'lease' needs readOnly 'leaseBased', and the mode is checked", () => {
    const safe = leader();
    expect(() => safe.raft.readIndex(ctx('x'), 'lease')).toThrow(/readIndex\(context, 'lease'\) needs config\.readOnly 'leaseBased'/);
    expect(() => safe.raft.readIndex(ctx('x'), 'fast' as never)).toThrow(TypeError);
    safe.raft.readIndex(ctx('y'), 'safe'); // the default of a safe node
    expect(heartbeats(drain(safe).messages)).toHaveLength(2);
  });

  it('a node refuses votes for an election timeout after it starts (it may have acknowledged a lease before a crash)', () => {
    const fixture = newRaft(lease);
    const vote = { type: 'pre-vote', from: 'b', to: 'a', term: 1, lastLogIndex: 0, lastLogTerm: 0 } as const;
    fixture.raft.step(vote);
    expect(drain(fixture).messages).toEqual([]);
    for (let i = 0; i < 10; i++) fixture.raft.tick();
    drain(fixture);
    fixture.raft.step(vote);
    expect(drain(fixture).messages.map((m) => m.type === 'pre-vote-response' && m.granted)).toEqual([true]);
  });

  it('a follower keeps refusing votes after a higher term clears its leader, until an election timeout since it heard one', () => {
    const fixture = newRaft(lease);
    for (let i = 0; i < 10; i++) fixture.raft.tick();
    fixture.raft.step({ type: 'heartbeat', from: 'b', to: 'a', term: 1, commit: 0, sentAt: 0 });
    drain(fixture);
    // A late answer of a higher term (not from a leader) moves the term and clears the leader.
    fixture.raft.step({ type: 'vote-response', from: 'c', to: 'a', term: 3, granted: false });
    expect(fixture.raft.status()).toMatchObject({ term: 3, leaderId: undefined });
    const vote = { type: 'vote', from: 'c', to: 'a', term: 4, lastLogIndex: 0, lastLogTerm: 0 } as const;
    fixture.raft.step(vote);
    expect(drain(fixture).messages).toEqual([]);
    expect(fixture.raft.status().term).toBe(3);
  });

  it('in a network with clocks in lockstep, every lease read covers what was committed before it', () => {
    const net = new TestNetwork({ ids: ['a', 'b', 'c'], config: lease });
    net.tickAll(10);
    net.campaign('a');
    net.stabilize();
    net.propose('a', 'x');
    net.stabilize();
    net.tickAll();
    net.stabilize();
    net.readIndex('b', 'rb');
    net.stabilize();
    expect(net.node('b').readStates).toEqual([{ index: 2, context: ctx('rb') }]);
    expect(net.readsAnswered).toBe(1);
  });

  it('the network’s read check has teeth: a forged stale answer fails it', () => {
    const net = new TestNetwork({ ids: ['a', 'b', 'c'] });
    net.campaign('a');
    net.stabilize();
    net.propose('a', 'x');
    net.stabilize();
    net.readIndex('b', 'forged');
    net.dropWhere(() => true);
    expect(() => net.send({ type: 'read-index-response', from: 'a', to: 'b', term: 1, index: 1, context: ctx('forged') })).toThrow(
      /stale read forged at b: index 1, but 2 was committed before it was asked/,
    );
  });
});
