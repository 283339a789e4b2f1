// Leadership transfer (Raft thesis §3.10): the leader stops taking proposals, brings the target
// up to date and sends it TimeoutNow; the target campaigns at once, skipping the pre-vote, and
// voters answer it despite their leader lease. etcd's edge cases: self, unknown nodes, repeats.
import { isProposalDroppedError } from '../errors/proposal-dropped-error.js';
import type { Message } from './messages.js';
import { TestNetwork } from './test-network.js';
import { type Fixture, drain, newRaft } from './test-fixtures.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A 3-node network led by a at term 1, everything replicated. */
function cluster(): TestNetwork {
  const net = new TestNetwork({ ids: ['a', 'b', 'c'] });
  net.campaign('a');
  net.stabilize();
  return net;
}

/** Leader `a` of term 1 (no pre-vote), b acknowledged its no-op, c knows nothing. */
function leader(): Fixture {
  const fixture = newRaft({ preVote: false });
  fixture.raft.campaign();
  fixture.raft.step({ type: 'vote-response', from: 'b', to: 'a', term: 1, granted: true });
  drain(fixture);
  fixture.raft.step({ type: 'append-response', from: 'b', to: 'a', term: 1, reject: false, index: 1 });
  drain(fixture);
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

describe('Raft thesis §3.10: leadership transfer', () => {
  it('to an up-to-date follower: TimeoutNow at once; it campaigns without a pre-vote and wins', () => {
    const net = cluster();
    net.transferLeadership('a', 'b');
    expect(net.inFlight).toEqual([{ type: 'timeout-now', from: 'a', to: 'b', term: 1 }]);
    net.deliver();
    const votes = net.inFlight.filter((m) => m.type === 'vote');
    expect(votes.map((m) => [m.to, m.term, m.type === 'vote' && m.transfer])).toEqual([
      ['a', 2, true],
      ['c', 2, true],
    ]);
    net.stabilize();
    expect(net.leaders()).toEqual(['b']);
    expect(net.node('a').raft.status()).toMatchObject({ role: 'follower', term: 2, leaderId: 'b', leadTransferee: undefined });
  });

  it('to a lagging follower: its log is brought up to date first, then TimeoutNow', () => {
    const net = cluster();
    net.isolate('c');
    net.propose('a', 'x');
    net.stabilize();
    net.heal();
    net.transferLeadership('a', 'c');
    const sent: Message[] = [];
    for (let i = 0; i < 100 && net.inFlight.length > 0; i++) {
      sent.push(net.inFlight[0] as Message);
      net.deliver();
    }
    const kinds = sent.filter((m) => m.to === 'c' || m.from === 'c').map((m) => m.type);
    expect(kinds.indexOf('append')).toBeLessThan(kinds.indexOf('timeout-now'));
    expect(kinds.filter((k) => k === 'timeout-now')).toHaveLength(1);
    expect(net.leaders()).toEqual(['c']);
    expect(net.appliedCommands('c')).toEqual(['x']);
  });

  it('the leader takes no proposals while transferring (ProposalDroppedError, reason transferring)', () => {
    const fixture = leader();
    fixture.raft.transferLeadership('c'); // c is behind: the transfer waits for it
    expect(fixture.raft.status().leadTransferee).toBe('c');
    expect(dropReason(() => fixture.raft.propose(bytes('x')))).toBe('transferring');
    expect(drain(fixture).messages).toEqual([]); // c's probe from the election is still unanswered
  });

  it('is abandoned after an election timeout; proposals are taken again', () => {
    const fixture = leader();
    fixture.raft.transferLeadership('c');
    for (let i = 0; i < 9; i++) fixture.raft.tick();
    expect(fixture.raft.status().leadTransferee).toBe('c');
    fixture.raft.step({ type: 'heartbeat-response', from: 'b', to: 'a', term: 1 }); // keep the quorum
    fixture.raft.tick();
    expect(fixture.raft.status()).toMatchObject({ role: 'leader', leadTransferee: undefined });
    expect(dropReason(() => fixture.raft.propose(bytes('x')))).toBeUndefined();
  });

  it('sends TimeoutNow once the lagging target acknowledges the last entry', () => {
    const fixture = leader();
    fixture.raft.transferLeadership('c');
    drain(fixture);
    fixture.raft.step({ type: 'append-response', from: 'c', to: 'a', term: 1, reject: false, index: 1 });
    expect(drain(fixture).messages.filter((m) => m.type === 'timeout-now').map((m) => m.to)).toEqual(['c']);
  });

  it('etcd’s edge cases: to itself or an unknown node it is ignored; to itself it cancels one under way', () => {
    const fixture = leader();
    fixture.raft.transferLeadership('a');
    fixture.raft.transferLeadership('zz');
    expect(fixture.raft.status().leadTransferee).toBeUndefined();
    expect(drain(fixture).messages).toEqual([]);
    fixture.raft.transferLeadership('c');
    fixture.raft.transferLeadership('a');
    expect(fixture.raft.status().leadTransferee).toBeUndefined();
  });

  it('a repeated request for the same target is left running; one for another target replaces it', () => {
    const fixture = leader();
    fixture.raft.transferLeadership('c');
    drain(fixture);
    fixture.raft.transferLeadership('c');
    expect(drain(fixture).messages).toEqual([]); // nothing sent again
    fixture.raft.transferLeadership('b'); // b is up to date
    expect(fixture.raft.status().leadTransferee).toBe('b');
    expect(drain(fixture).messages).toEqual([{ type: 'timeout-now', from: 'a', to: 'b', term: 1 }]);
  });

  it('a follower forwards the request to its leader; with no leader it throws; a bad id is a TypeError', () => {
    const net = cluster();
    net.transferLeadership('c', 'b');
    expect(net.inFlight).toEqual([{ type: 'transfer-leader', from: 'c', to: 'a', term: 1, transferee: 'b' }]);
    net.stabilize();
    expect(net.leaders()).toEqual(['b']);
    const { raft } = newRaft();
    expect(dropReason(() => raft.transferLeadership('b'))).toBe('not-leader');
    expect(() => raft.transferLeadership('' as never)).toThrow(/transferLeadership\(to\) needs a node id/);
  });

  it('voters inside their leader lease answer the transfer campaign (and only it)', () => {
    const fixture = newRaft(); // check-quorum on: a follower of b, which it just heard from
    fixture.raft.step({ type: 'heartbeat', from: 'b', to: 'a', term: 1, commit: 0 });
    drain(fixture);
    fixture.raft.step({ type: 'vote', from: 'c', to: 'a', term: 2, lastLogIndex: 0, lastLogTerm: 0 });
    expect(drain(fixture).messages).toEqual([]);
    fixture.raft.step({ type: 'vote', from: 'c', to: 'a', term: 2, lastLogIndex: 0, lastLogTerm: 0, transfer: true });
    expect(drain(fixture).messages).toEqual([{ type: 'vote-response', from: 'a', to: 'c', term: 2, granted: true }]);
  });

  it('a leader deposed by a higher term forgets its transfer', () => {
    const fixture = leader();
    fixture.raft.transferLeadership('c');
    fixture.raft.step({ type: 'heartbeat', from: 'b', to: 'a', term: 3, commit: 0 });
    expect(fixture.raft.status()).toMatchObject({ role: 'follower', leadTransferee: undefined });
  });

  it('a candidate ignores TimeoutNow; a leader that sent one serves no more lease reads in its term', () => {
    const candidate = newRaft({ preVote: false });
    candidate.raft.campaign();
    drain(candidate);
    candidate.raft.step({ type: 'timeout-now', from: 'b', to: 'a', term: 1 });
    expect(candidate.raft.status()).toMatchObject({ role: 'candidate', term: 1 });

    const net = new TestNetwork({ ids: ['a', 'b', 'c'], config: { readOnly: 'leaseBased', electionTick: 10 } });
    net.tickAll(10);
    net.campaign('a');
    net.stabilize();
    net.tickAll();
    net.stabilize();
    net.readIndex('a', 'leased');
    expect(net.inFlight).toEqual([]); // answered from the lease
    net.cutLink('a', 'b');
    net.transferLeadership('a', 'b'); // the TimeoutNow is lost: a stays leader
    net.stabilize();
    net.readIndex('a', 'after');
    expect(net.inFlight.map((m) => m.type)).toEqual(['heartbeat', 'heartbeat']); // a heartbeat round, not the lease
  });
});
