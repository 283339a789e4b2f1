// Tests of the sentences of the Raft paper (Ongaro & Ousterhout, "In Search of an Understandable
// Consensus Algorithm", 2014), one behaviour each, in the spirit of etcd's raft_paper_test.go.
import type { Entry } from './entry.js';
import type { Message, VoteMessage } from './messages.js';
import { TestNetwork } from './test-network.js';
import { type Fixture, drain, entriesOfTerms, newRaft, tickUntilCampaign } from './test-fixtures.js';

/** A node brought into `role` in term `term` (peers b and c), with its Readies handled. */
function nodeIn(role: 'follower' | 'candidate' | 'leader', term = 1): Fixture {
  const fixture = newRaft({ preVote: false });
  if (role === 'follower') {
    fixture.raft.step({ type: 'heartbeat', from: 'b', to: 'a', term, commit: 0 });
  } else {
    for (let t = 0; t < term; t++) fixture.raft.campaign();
    if (role === 'leader') fixture.raft.step({ type: 'vote-response', from: 'b', to: 'a', term, granted: true });
  }
  drain(fixture);
  expect(fixture.raft.status()).toMatchObject({ role, term });
  return fixture;
}

const votesIn = (messages: readonly Message[]) => messages.filter((m): m is VoteMessage => m.type === 'vote');

describe('Raft §5.1: terms', () => {
  it.each(['follower', 'candidate', 'leader'] as const)(
    'a %s that sees a higher term takes it and becomes a follower',
    (role) => {
      const fixture = nodeIn(role);
      fixture.raft.step({ type: 'append', from: 'c', to: 'a', term: 5, prevLogIndex: 0, prevLogTerm: 0, entries: [], commit: 0 });
      expect(fixture.raft.status()).toMatchObject({ role: 'follower', term: 5, leaderId: 'c' });
    },
  );

  it('a request with a stale term is refused, and the answer carries the current term', () => {
    const fixture = nodeIn('follower', 3);
    fixture.raft.step({ type: 'vote', from: 'c', to: 'a', term: 2, lastLogIndex: 9, lastLogTerm: 2 });
    expect(drain(fixture).messages).toEqual([]);
    fixture.raft.step({ type: 'append', from: 'c', to: 'a', term: 2, prevLogIndex: 0, prevLogTerm: 0, entries: [], commit: 0 });
    expect(drain(fixture).messages).toEqual([
      { type: 'append-response', from: 'a', to: 'c', term: 3, reject: false, index: 0 },
    ]);
    expect(fixture.raft.status()).toMatchObject({ term: 3, leaderId: 'b' });
  });
});

describe('Raft §5.2: leader election', () => {
  it('a follower that hears nothing for an election timeout campaigns: new term, votes for itself, asks everyone', () => {
    const fixture = newRaft({ preVote: false });
    tickUntilCampaign(fixture);
    const { messages, readies } = drain(fixture);
    expect(fixture.raft.status()).toMatchObject({ role: 'candidate', term: 1, vote: 'a' });
    expect(readies[0]?.hardState).toEqual({ term: 1, vote: 'a', commit: 0 });
    expect(votesIn(messages).map((m) => [m.to, m.term])).toEqual([
      ['b', 1],
      ['c', 1],
    ]);
  });

  it('election timeouts are drawn from [electionTick, 2 × electionTick) by the injected random source', () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 60; seed++) {
      const fixture = newRaft({ seed, electionTick: 5, preVote: false });
      let ticks = 0;
      while (fixture.raft.status().role === 'follower') {
        fixture.raft.tick();
        ticks++;
      }
      seen.add(ticks);
    }
    expect([...seen].sort()).toEqual([5, 6, 7, 8, 9]);
    const constant = (value: number) => newRaft({ electionTick: 5, preVote: false, random: () => value });
    for (const [value, expected] of [
      [0, 5],
      [0.999, 9],
    ] as const) {
      const fixture = constant(value);
      let ticks = 0;
      while (fixture.raft.status().role === 'follower' && ticks < 20) {
        fixture.raft.tick();
        ticks++;
      }
      expect(ticks).toBe(expected);
    }
  });

  it('a candidate with votes from a majority becomes leader and appends an empty entry (§5.2, §8)', () => {
    const fixture = nodeIn('candidate');
    fixture.raft.step({ type: 'vote-response', from: 'c', to: 'a', term: 1, granted: true });
    const { messages, readies } = drain(fixture);
    expect(fixture.raft.status()).toMatchObject({ role: 'leader', leaderId: 'a', lastIndex: 1 });
    expect(readies[0]?.entriesToPersist).toEqual([{ index: 1, term: 1, type: 'normal', data: new Uint8Array(0) }]);
    expect(messages.filter((m) => m.type === 'append').map((m) => m.to)).toEqual(['b', 'c']);
  });

  it('a candidate refused by a majority goes back to being a follower', () => {
    const fixture = nodeIn('candidate');
    fixture.raft.step({ type: 'vote-response', from: 'b', to: 'a', term: 1, granted: false });
    expect(fixture.raft.status().role).toBe('candidate');
    fixture.raft.step({ type: 'vote-response', from: 'c', to: 'a', term: 1, granted: false });
    expect(fixture.raft.status()).toMatchObject({ role: 'follower', term: 1 });
  });

  it('a candidate that hears from a leader of its term becomes its follower', () => {
    const fixture = nodeIn('candidate', 2);
    fixture.raft.step({ type: 'heartbeat', from: 'c', to: 'a', term: 2, commit: 0 });
    expect(fixture.raft.status()).toMatchObject({ role: 'follower', term: 2, leaderId: 'c' });
  });

  it('a candidate whose election times out starts a new one in the next term', () => {
    const fixture = nodeIn('candidate');
    tickUntilCampaign(fixture);
    for (let i = 0; i < 20 && fixture.raft.status().term === 1; i++) fixture.raft.tick();
    expect(fixture.raft.status()).toMatchObject({ role: 'candidate', term: 2 });
  });

  it('each node votes for at most one candidate per term, first come first served', () => {
    const fixture = newRaft({ id: 'c', preVote: false });
    fixture.raft.step({ type: 'vote', from: 'a', to: 'c', term: 1, lastLogIndex: 0, lastLogTerm: 0 });
    fixture.raft.step({ type: 'vote', from: 'b', to: 'c', term: 1, lastLogIndex: 0, lastLogTerm: 0 });
    fixture.raft.step({ type: 'vote', from: 'a', to: 'c', term: 1, lastLogIndex: 0, lastLogTerm: 0 });
    expect(drain(fixture).messages.map((m) => [m.to, m.type === 'vote-response' && m.granted])).toEqual([
      ['a', true],
      ['b', false],
      ['a', true], // a retried; the same vote again
    ]);
  });

  it('a leader sends heartbeats every heartbeatTick', () => {
    const fixture = nodeIn('leader');
    fixture.raft.tick();
    expect(drain(fixture).messages.filter((m) => m.type === 'heartbeat').map((m) => m.to)).toEqual(['b', 'c']);
  });

  it('with heartbeatTick 3 a leader heartbeats every third tick', () => {
    const fixture = newRaft({ preVote: false, heartbeatTick: 3 });
    fixture.raft.campaign();
    fixture.raft.step({ type: 'vote-response', from: 'b', to: 'a', term: 1, granted: true });
    drain(fixture);
    const beats: number[] = [];
    for (let tick = 1; tick <= 9; tick++) {
      fixture.raft.tick();
      if (drain(fixture).messages.some((m) => m.type === 'heartbeat')) beats.push(tick);
    }
    expect(beats).toEqual([3, 6, 9]);
  });

  it('a 5-node cluster elects exactly one leader, and everyone follows it', () => {
    const net = new TestNetwork({ ids: ['a', 'b', 'c', 'd', 'e'], seed: 3, config: { preVote: false } });
    net.campaign('c');
    net.stabilize();
    expect(net.leaders()).toEqual(['c']);
    for (const id of ['a', 'b', 'd', 'e']) expect(net.node(id).raft.status()).toMatchObject({ term: 1, leaderId: 'c' });
  });
});

describe('Raft §5.3: log replication', () => {
  it('the leader commits an entry once a majority holds it, and followers learn the commit', () => {
    const net = new TestNetwork({ ids: ['a', 'b', 'c'] });
    net.campaign('a');
    net.stabilize();
    net.isolate('c');
    const { index } = net.propose('a', 'x');
    net.stabilize();
    expect(net.node('a').raft.status().commit).toBe(index);
    expect(net.appliedCommands('a')).toEqual(['x']);
    expect(net.appliedCommands('b')).toEqual(['x']);
    expect(net.appliedCommands('c')).toEqual([]);
    net.heal();
    net.tick('a');
    net.stabilize();
    expect(net.appliedCommands('c')).toEqual(['x']);
  });

  it('a follower commits no further than the last entry the append vouched for (step 5)', () => {
    // b's entry 3 is from a deposed term-1 leader; the term-2 leader's index 3 differs.
    const fixture = newRaft({ id: 'b', logTerms: [1, 1, 1], hardState: { term: 1 } });
    fixture.raft.step({ type: 'append', from: 'a', to: 'b', term: 2, prevLogIndex: 1, prevLogTerm: 1, entries: [entriesOfTerms([1], 2)[0] as Entry], commit: 3 });
    expect(fixture.raft.status()).toMatchObject({ commit: 2, lastIndex: 3 });
  });

  it('a follower refuses an append whose previous entry it lacks, with a hint', () => {
    const fixture = newRaft({ id: 'b', logTerms: [1, 1, 2, 2, 2], hardState: { term: 2 } });
    fixture.raft.step({ type: 'append', from: 'a', to: 'b', term: 3, prevLogIndex: 7, prevLogTerm: 3, entries: [], commit: 0 });
    expect(drain(fixture).messages).toEqual([
      { type: 'append-response', from: 'b', to: 'a', term: 3, reject: true, index: 7, hintIndex: 5, hintTerm: 2 },
    ]);
  });
});

describe('Raft §5.4.1: election restriction', () => {
  // The voter's log ends at index 3, term 2.
  it.each([
    { lastLogIndex: 3, lastLogTerm: 2, granted: true },
    { lastLogIndex: 4, lastLogTerm: 2, granted: true },
    { lastLogIndex: 1, lastLogTerm: 3, granted: true },
    { lastLogIndex: 2, lastLogTerm: 2, granted: false },
    { lastLogIndex: 9, lastLogTerm: 1, granted: false },
  ])('a candidate ending at $lastLogIndex/$lastLogTerm gets the vote: $granted', ({ lastLogIndex, lastLogTerm, granted }) => {
    const fixture = newRaft({ id: 'c', logTerms: [1, 2, 2], hardState: { term: 2 } });
    fixture.raft.step({ type: 'vote', from: 'a', to: 'c', term: 3, lastLogIndex, lastLogTerm });
    const [response] = drain(fixture).messages;
    expect(response).toMatchObject({ type: 'vote-response', to: 'a', granted });
  });
});

describe('Raft §5.4.2: committing entries from previous terms (Figure 8)', () => {
  it('a leader does not commit an earlier-term entry on a majority until an entry of its own term commits', () => {
    const fixture = newRaft({ logTerms: [1, 2], hardState: { term: 2 }, preVote: false });
    fixture.raft.campaign();
    fixture.raft.step({ type: 'vote-response', from: 'b', to: 'a', term: 3, granted: true });
    drain(fixture);
    expect(fixture.raft.status()).toMatchObject({ role: 'leader', term: 3, lastIndex: 3 });
    // b acknowledges index 2 (term 2) only: a majority holds it, yet it must not commit.
    fixture.raft.step({ type: 'append-response', from: 'b', to: 'a', term: 3, reject: false, index: 2 });
    drain(fixture);
    expect(fixture.raft.status().commit).toBe(0);
    // Once b holds the term-3 entry, index 3 commits and everything before it with it.
    fixture.raft.step({ type: 'append-response', from: 'b', to: 'a', term: 3, reject: false, index: 3 });
    const { committed } = drain(fixture);
    expect(fixture.raft.status().commit).toBe(3);
    expect(committed.map((e) => e.index)).toEqual([1, 2, 3]);
  });

  it('replays Figure 8: the entry a majority held is overwritten, and nobody had applied it', () => {
    const ids = ['s1', 's2', 's3', 's4', 's5'];
    const net = new TestNetwork({ ids, config: { preVote: false, checkQuorum: false, maxEntriesPerMessage: 1 } });
    net.campaign('s1');
    net.stabilize(); // s1 leads term 1; index 1 committed everywhere
    // (a) s1 writes index 2 to its own log only.
    net.isolate('s1');
    net.propose('s1', 'x');
    net.stabilize();
    // (b) s5 wins term 2 with s3 and s4 and writes index 2 of its own to itself only.
    net.heal();
    net.partition(['s1'], ['s2'], ['s3', 's4', 's5']);
    net.campaign('s5');
    for (let i = 0; i < 4; i++) net.deliver();
    net.cutLink('s5', 's3', true);
    net.cutLink('s5', 's4', true);
    net.stabilize();
    expect(net.node('s5').raft.status()).toMatchObject({ role: 'leader', term: 2, lastIndex: 2 });
    // (c) s1 wins term 3 with s2 and s3 and copies its index 2 (term 1) to both: now on a majority.
    // Its own term-3 entry reaches nobody: appends that would store it are lost (those that are
    // refused for a missing previous entry still arrive, so s1 backtracks).
    net.heal();
    // s5's heartbeat (term 2, commit 0) deposes s1; s1's answer is lost.
    net.send({ type: 'heartbeat', from: 's5', to: 's1', term: 2, commit: 0 });
    net.dropWhere((m) => m.from === 's1');
    net.partition(['s1', 's2', 's3'], ['s4'], ['s5']);
    const ownTermEntry = (m: Message) =>
      m.type === 'append' &&
      m.entries.some((e) => e.term === 3) &&
      net.log(m.to)[m.prevLogIndex - 1]?.term === m.prevLogTerm;
    for (let round = 0; round < 3 && net.node('s1').raft.status().role !== 'leader'; round++) {
      net.campaign('s1');
      net.dropWhere(ownTermEntry);
      while (net.inFlight.length > 0) {
        net.deliver();
        net.dropWhere(ownTermEntry);
      }
    }
    expect(net.node('s1').raft.status()).toMatchObject({ role: 'leader', term: 3 });
    expect(net.log('s2').map((e) => e.term)).toEqual([1, 1]);
    expect(net.log('s3').map((e) => e.term)).toEqual([1, 1]);
    expect(net.node('s1').raft.status().commit).toBe(1); // not 2: §5.4.2
    // (d) s5 wins term 4 with s2, s3 and s4 (its last term 2 beats their 1) and overwrites index 2.
    // s1's heartbeat deposes s5 (still leading term 2); then s1 is cut off.
    net.heal();
    net.tick('s1');
    net.dropWhere((m) => m.to !== 's5');
    net.deliver();
    net.dropWhere((m) => m.from === 's5');
    expect(net.node('s5').raft.status()).toMatchObject({ role: 'follower', term: 3 });
    net.isolate('s1');
    for (let round = 0; round < 3 && net.node('s5').raft.status().role !== 'leader'; round++) {
      net.campaign('s5');
      net.stabilize();
    }
    net.tick('s5');
    net.stabilize();
    expect(net.node('s5').raft.status().role).toBe('leader');
    for (const id of ['s2', 's3', 's4']) expect(net.log(id)[1]?.term).toBe(2);
    // The invariant checker ran after every step; no node applied "x".
    for (const id of ids) expect(net.appliedCommands(id)).not.toContain('x');
  });
});
