// Election scenarios: pre-vote (Raft thesis §9.6), check-quorum and the leader lease for votes
// (thesis §6.2, §4.2.3), table-driven over the configurations they depend on.
import { TestNetwork } from './test-network.js';
import { drain, newRaft } from './test-fixtures.js';


/** A 3-node cluster with `a` elected in term 1. */
function elected(config: { preVote: boolean; checkQuorum: boolean }): TestNetwork {
  const net = new TestNetwork({ ids: ['a', 'b', 'c'], config });
  net.campaign('a');
  net.stabilize();
  expect(net.leaders()).toEqual(['a']);
  return net;
}

describe('a node cut off from the cluster, then back', () => {
  it.each([
    { preVote: true, checkQuorum: true, cTerm: 1, leaderKeeps: true },
    { preVote: true, checkQuorum: false, cTerm: 1, leaderKeeps: true },
    // c's higher term reaches a in the answer to a heartbeat and deposes it (etcd behaves alike).
    { preVote: false, checkQuorum: true, cTerm: 6, leaderKeeps: false },
    { preVote: false, checkQuorum: false, cTerm: 6, leaderKeeps: false },
  ])(
    'preVote $preVote, checkQuorum $checkQuorum: its term reaches $cTerm, the leader keeps leading: $leaderKeeps',
    ({ preVote, checkQuorum, cTerm, leaderKeeps }) => {
      const net = elected({ preVote, checkQuorum });
      net.isolate('c');
      net.propose('a', 'x'); // c falls behind, so it cannot win a (pre-)vote when it is back
      net.stabilize();
      for (let i = 0; i < 5; i++) {
        // c campaigns on its own (each campaign is one timeout), while a heartbeats b.
        net.campaign('c');
        net.tick('a');
        net.tick('b');
        net.stabilize();
      }
      expect(net.node('c').raft.status().term).toBe(cTerm);
      net.heal();
      net.campaign('c');
      net.stabilize();
      for (let i = 0; i < 3; i++) {
        net.tick('a');
        net.stabilize();
      }
      if (leaderKeeps) {
        expect(net.leaders()).toEqual(['a']);
        expect(net.node('a').raft.status().term).toBe(1);
      } else {
        expect(net.node('a').raft.status()).toMatchObject({ role: 'follower' });
        expect(net.node('a').raft.status().term).toBeGreaterThan(1);
      }
    },
  );
});

describe('pre-vote (thesis §9.6)', () => {
  it('a pre-vote moves no term and persists nothing on the voter', () => {
    const fixture = newRaft({ id: 'b' });
    fixture.raft.step({ type: 'pre-vote', from: 'a', to: 'b', term: 1, lastLogIndex: 0, lastLogTerm: 0 });
    const { readies, messages } = drain(fixture);
    expect(readies.every((r) => r.hardState === undefined)).toBe(true);
    expect(messages).toEqual([{ type: 'pre-vote-response', from: 'b', to: 'a', term: 1, granted: true }]);
    expect(fixture.raft.status()).toMatchObject({ term: 0, vote: undefined });
  });

  it('a pre-candidate with a majority of pre-votes campaigns for real in the next term', () => {
    const fixture = newRaft();
    fixture.raft.campaign();
    const first = drain(fixture).messages;
    expect(first.map((m) => [m.type, m.to, m.term])).toEqual([
      ['pre-vote', 'b', 1],
      ['pre-vote', 'c', 1],
    ]);
    expect(fixture.raft.status()).toMatchObject({ role: 'pre-candidate', term: 0 });
    fixture.raft.step({ type: 'pre-vote-response', from: 'b', to: 'a', term: 1, granted: true });
    const second = drain(fixture).messages;
    expect(second.map((m) => [m.type, m.to, m.term])).toEqual([
      ['vote', 'b', 1],
      ['vote', 'c', 1],
    ]);
    expect(fixture.raft.status()).toMatchObject({ role: 'candidate', term: 1, vote: 'a' });
  });

  it('a refusal carrying a higher term sends the pre-candidate back to following in that term', () => {
    const fixture = newRaft();
    fixture.raft.campaign();
    drain(fixture);
    fixture.raft.step({ type: 'pre-vote-response', from: 'b', to: 'a', term: 4, granted: false });
    expect(fixture.raft.status()).toMatchObject({ role: 'follower', term: 4 });
  });

  it('a pre-vote with a stale term is refused with the current term', () => {
    const fixture = newRaft({ id: 'b', hardState: { term: 3 } });
    fixture.raft.step({ type: 'pre-vote', from: 'a', to: 'b', term: 2, lastLogIndex: 5, lastLogTerm: 2 });
    expect(drain(fixture).messages).toEqual([{ type: 'pre-vote-response', from: 'b', to: 'a', term: 3, granted: false }]);
  });

  it('a pre-vote is granted even after voting in the current term, if the log is up to date', () => {
    const fixture = newRaft({ id: 'b', hardState: { term: 2, vote: 'c' }, checkQuorum: false });
    fixture.raft.step({ type: 'pre-vote', from: 'a', to: 'b', term: 3, lastLogIndex: 0, lastLogTerm: 0 });
    expect(drain(fixture).messages).toMatchObject([{ type: 'pre-vote-response', granted: true, term: 3 }]);
  });
});

describe('check-quorum (thesis §6.2)', () => {
  it.each([
    { checkQuorum: true, role: 'follower' },
    { checkQuorum: false, role: 'leader' },
  ])('an isolated leader with checkQuorum $checkQuorum is a $role after two election timeouts', ({ checkQuorum, role }) => {
    const net = elected({ preVote: true, checkQuorum });
    net.isolate('a');
    net.tick('a', 10); // the answers to its election still count in the first round
    expect(net.node('a').raft.status().role).toBe('leader');
    net.tick('a', 10);
    expect(net.node('a').raft.status()).toMatchObject({ role, term: 1 });
  });

  it('a leader that hears from a quorum keeps leading', () => {
    const net = elected({ preVote: true, checkQuorum: true });
    net.isolate('c');
    for (let i = 0; i < 30; i++) {
      net.tick('a');
      net.stabilize();
    }
    expect(net.leaders()).toEqual(['a']);
  });

  it('a follower that heard from its leader within the election timeout ignores votes (leader lease)', () => {
    const fixture = newRaft({ id: 'b' });
    fixture.raft.step({ type: 'heartbeat', from: 'a', to: 'b', term: 1, commit: 0 });
    drain(fixture);
    const vote = { type: 'vote', from: 'c', to: 'b', term: 2, lastLogIndex: 5, lastLogTerm: 1 } as const;
    fixture.raft.step(vote);
    fixture.raft.step({ ...vote, type: 'pre-vote' });
    expect(drain(fixture).messages).toEqual([]);
    expect(fixture.raft.status()).toMatchObject({ term: 1, leaderId: 'a' });
    for (let i = 0; i < 10; i++) fixture.raft.tick(); // the lease runs out (an election timeout)
    drain(fixture);
    fixture.raft.step(vote);
    expect(drain(fixture).messages).toMatchObject([{ type: 'vote-response', to: 'c', granted: true, term: 2 }]);
  });

  it('without check-quorum a follower votes for a newer term at once', () => {
    const fixture = newRaft({ id: 'b', checkQuorum: false });
    fixture.raft.step({ type: 'heartbeat', from: 'a', to: 'b', term: 1, commit: 0 });
    fixture.raft.step({ type: 'vote', from: 'c', to: 'b', term: 2, lastLogIndex: 5, lastLogTerm: 1 });
    expect(drain(fixture).messages).toMatchObject([{ type: 'heartbeat-response' }, { type: 'vote-response', granted: true }]);
  });

  it('a stale leader learns the newer term from the answer to its append and steps down', () => {
    const net = elected({ preVote: true, checkQuorum: true });
    net.isolate('a');
    for (let i = 0; i < 40 && net.leaders().length < 2; i++) {
      net.tick('b');
      net.tick('c');
      net.stabilize();
    }
    const newLeader = net.leaders().find((id) => id !== 'a');
    expect(newLeader).toBeDefined();
    net.heal();
    net.send({ type: 'heartbeat', from: 'a', to: 'b', term: 1, commit: 1 });
    net.stabilize();
    expect(net.node('a').raft.status().role).toBe('follower');
    expect(net.node('a').raft.status().term).toBe(net.node(newLeader as string).raft.status().term);
  });
});
