// Log replication scenarios (Raft §5.3): conflict resolution with fast backtracking, progress
// states, batching, and followers learning the commit index.
import type { AppendMessage, Message } from './messages.js';
import { TestNetwork } from './test-network.js';
import { drain, entriesOfTerms, newRaft } from './test-fixtures.js';

const isAppend = (m: Message): m is AppendMessage => m.type === 'append';

// Raft Figure 7: the leader's log for term 8, and followers (a)–(f) that may face it.
const LEADER = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
const FOLLOWERS = {
  a: [1, 1, 1, 4, 4, 5, 5, 6, 6],
  b: [1, 1, 1, 4],
  c: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
  d: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
  e: [1, 1, 1, 4, 4, 4, 4],
  f: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
};

describe('Raft §5.3: a new leader brings every Figure 7 follower to its log', () => {
  it.each(Object.entries(FOLLOWERS).map(([name, terms]) => ({ name, terms })))(
    'follower ($name) ends with the leader’s log after at most 2 refused appends',
    ({ terms }) => {
      // L holds the leader's log and V a copy, so V's vote makes L leader of term 8 whatever F
      // holds (followers (c) and (d) have longer logs and would refuse); F has the follower's log.
      const net = new TestNetwork({
        ids: ['L', 'F', 'V'],
        config: { preVote: false, checkQuorum: false },
        setup: (id, storage) => {
          storage.append(entriesOfTerms(id === 'F' ? terms : LEADER));
          storage.setHardState({ term: 7, vote: undefined, commit: 0 });
        },
      });
      const refused: number[] = [];
      net.campaign('L');
      for (let i = 0; i < 1000 && net.inFlight.length > 0; i++) {
        const next = net.inFlight[0] as Message;
        if (next.type === 'append-response' && next.reject && next.from === 'F') refused.push(next.index);
        net.deliver();
      }
      expect(net.node('L').raft.status()).toMatchObject({ role: 'leader', term: 8 });
      expect(net.log('F').map((e) => e.term)).toEqual([...LEADER, 8]);
      expect(net.node('F').raft.status().commit).toBe(LEADER.length + 1);
      expect(refused.length).toBeLessThanOrEqual(2); // one term skipped per round trip, not one entry
    },
  );

  it('the leader skips back by term using the follower’s hint (etcd findConflictByTerm)', () => {
    const fixture = newRaft({ logTerms: LEADER, hardState: { term: 7 }, preVote: false });
    fixture.raft.campaign();
    fixture.raft.step({ type: 'vote-response', from: 'b', to: 'a', term: 8, granted: true });
    drain(fixture);
    // Follower (f) refuses prevLogIndex 10: its last index ≤ 10 with term ≤ 6 is 10 (term 3).
    fixture.raft.step({ type: 'append-response', from: 'b', to: 'a', term: 8, reject: true, index: 10, hintIndex: 10, hintTerm: 3 });
    const [retry] = drain(fixture).messages.filter(isAppend);
    // The leader's last index ≤ 10 with term ≤ 3 is 3 (term 1): it retries from there.
    expect(retry).toMatchObject({ to: 'b', prevLogIndex: 3, prevLogTerm: 1 });
    expect(retry?.entries.map((e) => e.term)).toEqual([4, 4, 5, 5, 6, 6, 6, 8]);
  });

  it('ignores a stale refusal', () => {
    const fixture = newRaft({ logTerms: [1, 1], hardState: { term: 1 }, preVote: false });
    fixture.raft.campaign();
    fixture.raft.step({ type: 'vote-response', from: 'b', to: 'a', term: 2, granted: true });
    drain(fixture);
    fixture.raft.step({ type: 'append-response', from: 'b', to: 'a', term: 2, reject: true, index: 1, hintIndex: 0, hintTerm: 0 });
    expect(drain(fixture).messages).toEqual([]);
  });
});

describe('progress: probe, then replicate', () => {
  it('probes until the follower matches, then streams, and probes again after a refusal', () => {
    const net = new TestNetwork({ ids: ['a', 'b', 'c'] });
    net.campaign('a');
    net.stabilize();
    const progress = () => net.node('a').raft.status().progress.get('b');
    expect(progress()).toMatchObject({ state: 'replicate', match: 1, next: 2 });
    net.isolate('b');
    net.propose('a', 'x');
    net.propose('a', 'y');
    net.stabilize();
    expect(progress()).toMatchObject({ state: 'replicate', match: 1, next: 4 }); // sent optimistically
    // A refusal from b (say its log was replaced) sends a back to probing.
    net.heal();
    net.send({ type: 'append-response', from: 'b', to: 'a', term: 1, reject: true, index: 3, hintIndex: 1, hintTerm: 1 });
    expect(progress()).toMatchObject({ state: 'probe', next: 2 });
    net.stabilize();
    expect(progress()).toMatchObject({ state: 'replicate', match: 3, next: 4 });
    expect(net.appliedCommands('b')).toEqual(['x', 'y']);
  });
});

describe('batching', () => {
  it.each([
    { limit: { maxEntriesPerMessage: 2 }, most: 2 },
    { limit: { maxBytesPerMessage: 5 }, most: 1 }, // each command is 3 bytes
    { limit: { maxBytesPerMessage: 6 }, most: 2 },
    { limit: { maxBytesPerMessage: 1 }, most: 1 }, // one entry always goes
  ])('an append to a lagging follower carries at most $most entries with $limit', ({ limit, most }) => {
    const net = new TestNetwork({ ids: ['a', 'b', 'c'], config: limit });
    net.campaign('a');
    net.stabilize();
    net.isolate('b');
    for (let i = 0; i < 7; i++) net.propose('a', `c:${i}`);
    net.stabilize();
    net.heal();
    net.tick('a'); // heartbeat → b answers → a sends what b lacks
    const sizes: number[] = [];
    while (net.inFlight.length > 0) {
      const next = net.inFlight[0] as Message;
      if (isAppend(next) && next.to === 'b' && next.entries.length > 0) sizes.push(next.entries.length);
      net.deliver();
    }
    expect(Math.max(...sizes)).toBe(most);
    expect(net.appliedCommands('b')).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `c:${i}`));
  });
});

describe('commit index', () => {
  it('a follower learns the commit from heartbeats, never past what it holds', () => {
    const net = new TestNetwork({ ids: ['a', 'b', 'c'] });
    net.campaign('a');
    net.stabilize();
    net.cutLink('a', 'c', true);
    net.propose('a', 'x');
    net.stabilize();
    expect(net.node('c').raft.status()).toMatchObject({ commit: 1, lastIndex: 1 });
    // A heartbeat to c carries min(c's match, commit): c cannot commit what it lacks.
    net.heal();
    net.tick('a');
    const heartbeat = net.inFlight.find((m) => m.type === 'heartbeat' && m.to === 'c');
    expect(heartbeat).toMatchObject({ commit: 1 });
    net.stabilize();
    expect(net.node('c').raft.status()).toMatchObject({ commit: 2, lastIndex: 2 });
    expect(net.appliedCommands('c')).toEqual(['x']);
  });

  it('a deposed leader’s uncommitted entries are replaced by the new leader’s', () => {
    const net = new TestNetwork({ ids: ['a', 'b', 'c'], config: { electionTick: 3 } });
    net.campaign('a');
    net.stabilize();
    net.isolate('a');
    net.propose('a', 'lost-1');
    net.propose('a', 'lost-2');
    const newLeader = () => net.leaders().find((id) => id !== 'a');
    for (let i = 0; i < 40 && newLeader() === undefined; i++) {
      net.tick('b');
      net.tick('c');
      net.stabilize();
    }
    const leader = newLeader() as string;
    net.propose(leader, 'kept');
    net.stabilize();
    net.heal();
    for (let i = 0; i < 10; i++) {
      net.tick(leader);
      net.stabilize();
    }
    for (const id of ['a', 'b', 'c']) expect(net.appliedCommands(id)).toEqual(['kept']);
    expect(net.log('a').map((e) => e.term)).toEqual(net.log(leader).map((e) => e.term));
  });
});
