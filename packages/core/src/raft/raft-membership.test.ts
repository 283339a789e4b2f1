// Membership changes (Raft thesis chapter 4, as etcd-io/raft does them): a change is a log entry
// applied by every node when it applies that entry; simple changes move one voter (§4.1), joint
// consensus needs both majorities (§4.3); learners get the log but never vote or count.
import { isProposalDroppedError } from '../errors/proposal-dropped-error.js';
import type { ConfChange } from './conf-change.js';
import { decodeConfChange } from './conf-change.js';
import { isConfChangeError } from './errors/conf-change-error.js';
import type { Message } from './messages.js';
import { Raft } from './raft.js';
import { TestNetwork } from './test-network.js';
import { type Fixture, drain, newRaft } from './test-fixtures.js';
import { seededRandom } from '../testing/seeded-random.js';

const add = (type: 'add-voter' | 'add-learner' | 'promote' | 'remove', node: string): ConfChange => ({ changes: [{ type, node }] });

function refusal(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (isProposalDroppedError(error)) return error.reason;
    if (isConfChangeError(error)) return error.reason;
    throw error;
  }
  return undefined;
}

/** A cluster of `ids` (plus `learners`) led by a, everything replicated. */
function cluster(ids = ['a', 'b', 'c'], learners: string[] = []): TestNetwork {
  const net = new TestNetwork({ ids, learners });
  net.campaign('a');
  net.stabilize();
  return net;
}

/** Leader `a` of term 1 over b and c, its no-op committed and applied. */
function leader(): Fixture {
  const fixture = newRaft({ preVote: false });
  fixture.raft.campaign();
  fixture.raft.step({ type: 'vote-response', from: 'b', to: 'a', term: 1, granted: true });
  drain(fixture);
  fixture.raft.step({ type: 'append-response', from: 'b', to: 'a', term: 1, reject: false, index: 1 });
  drain(fixture);
  expect(fixture.raft.status()).toMatchObject({ commit: 1, applied: 1 });
  return fixture;
}

describe('Raft thesis §4: proposing and applying a change', () => {
  it('the change is a conf-change entry; it takes effect when applied, on every node', () => {
    const net = cluster();
    net.addNode('d');
    const { index } = net.proposeConfChange('a', add('add-voter', 'd'));
    const entry = net.log('a').find((e) => e.index === index);
    expect(entry?.type).toBe('conf-change');
    expect(decodeConfChange(entry?.data ?? new Uint8Array())).toEqual({ ...add('add-voter', 'd'), transition: 'auto' });
    expect(net.node('b').raft.status().confState.voters).toEqual(['a', 'b', 'c']); // not applied yet
    net.stabilize();
    for (const id of ['a', 'b', 'c', 'd']) expect(net.node(id).raft.status().confState.voters).toEqual(['a', 'b', 'c', 'd']);
    expect(net.appliedCommands('d')).toEqual(net.appliedCommands('a')); // d replayed the log from the bootstrap membership
    expect(net.node('b').storage.initialState().confState.voters).toEqual(['a', 'b', 'c', 'd']); // saved for restarts
  });

  it('applyConfChange returns the whole membership', () => {
    const { raft } = newRaft();
    expect(raft.applyConfChange(add('add-learner', 'l'))).toEqual({
      voters: ['a', 'b', 'c'],
      learners: ['l'],
      votersOutgoing: [],
      learnersNext: [],
      autoLeave: false,
    });
    expect(raft.status().confState.learners).toEqual(['l']);
  });

  it('one change at a time: another is refused until the first is applied', () => {
    const fixture = leader();
    fixture.raft.proposeConfChange(add('add-learner', 'l'));
    expect(refusal(() => fixture.raft.proposeConfChange(add('add-learner', 'm')))).toBe('conf-change-pending');
    drain(fixture);
    fixture.raft.step({ type: 'append-response', from: 'b', to: 'a', term: 1, reject: false, index: 2 });
    const { committed } = drain(fixture);
    expect(committed.map((e) => e.type)).toEqual(['conf-change']);
    expect(refusal(() => fixture.raft.proposeConfChange(add('add-learner', 'm')))).toBeUndefined();
  });

  it('a new leader proposes no change before it applied its whole log (it may end with one)', () => {
    const fixture = newRaft({ preVote: false, logTerms: [1, 1], hardState: { term: 1, commit: 0 } });
    fixture.raft.campaign();
    fixture.raft.step({ type: 'vote-response', from: 'b', to: 'a', term: 2, granted: true });
    drain(fixture);
    expect(refusal(() => fixture.raft.proposeConfChange(add('add-learner', 'l')))).toBe('conf-change-pending');
  });

  it('is refused, appending nothing, when invalid now, malformed, or not asked of the leader', () => {
    const fixture = leader();
    const last = fixture.raft.status().lastIndex;
    expect(refusal(() => fixture.raft.proposeConfChange(add('promote', 'b')))).toBe('promote: "b" is not a learner');
    expect(refusal(() => fixture.raft.proposeConfChange({ changes: [] }))).toBe('there is no joint configuration to leave');
    expect(() => fixture.raft.proposeConfChange({ changes: [{ type: 'add', node: 'd' }] } as never)).toThrow(TypeError);
    expect(fixture.raft.status().lastIndex).toBe(last);
    expect(refusal(() => newRaft().raft.proposeConfChange(add('add-learner', 'l')))).toBe('not-leader');
    fixture.raft.transferLeadership('c');
    expect(refusal(() => fixture.raft.proposeConfChange(add('add-learner', 'l')))).toBe('transferring');
  });

  it('applyConfChange throws a ConfChangeError and changes nothing when the change cannot apply', () => {
    const { raft } = newRaft();
    expect(refusal(() => raft.applyConfChange(add('remove', 'zz')))).toBe('remove: "zz" is not a member');
    expect(raft.status().confState.voters).toEqual(['a', 'b', 'c']);
    expect(() => raft.applyConfChange('x' as never)).toThrow(TypeError);
  });

  it('a node restarts with the membership saved when it applied a change', () => {
    const net = cluster();
    net.proposeConfChange('a', add('remove', 'c'));
    net.stabilize();
    net.restart('b');
    expect(net.node('b').raft.status().confState.voters).toEqual(['a', 'b']);
  });
});

describe('Raft thesis §4: learners', () => {
  it('a learner receives the log and applies it, but never campaigns', () => {
    const net = cluster(['a', 'b', 'c'], ['l']);
    net.propose('a', 'x');
    net.stabilize();
    expect(net.appliedCommands('l')).toEqual(['x']);
    net.tick('l', 50);
    expect(net.node('l').raft.status().role).toBe('follower');
    expect(net.inFlight.filter((m) => m.from === 'l')).toEqual([]);
  });

  it('a learner’s acknowledgement counts toward no commit', () => {
    const fixture = newRaft({ voters: ['a', 'b'], learners: ['l'], preVote: false });
    fixture.raft.campaign();
    fixture.raft.step({ type: 'vote-response', from: 'b', to: 'a', term: 1, granted: true });
    drain(fixture);
    fixture.raft.step({ type: 'append-response', from: 'l', to: 'a', term: 1, reject: false, index: 1 });
    expect(fixture.raft.status().commit).toBe(0);
    fixture.raft.step({ type: 'append-response', from: 'b', to: 'a', term: 1, reject: false, index: 1 });
    expect(fixture.raft.status()).toMatchObject({ commit: 1 });
    expect(fixture.raft.status().progress.get('l')).toMatchObject({ isLearner: true, match: 1 });
  });

  it('a learner’s vote does not count, and a candidate asks only voters', () => {
    const fixture = newRaft({ voters: ['a', 'b', 'c'], learners: ['l'], preVote: false });
    fixture.raft.campaign();
    expect(drain(fixture).messages.map((m) => m.to)).toEqual(['b', 'c']);
    fixture.raft.step({ type: 'vote-response', from: 'l', to: 'a', term: 1, granted: true });
    expect(fixture.raft.status().role).toBe('candidate');
  });

  it('check-quorum and reads count voters only', () => {
    const fixture = newRaft({ voters: ['a', 'b', 'c'], learners: ['l'], preVote: false });
    fixture.raft.campaign();
    fixture.raft.step({ type: 'vote-response', from: 'b', to: 'a', term: 1, granted: true });
    drain(fixture);
    fixture.raft.step({ type: 'append-response', from: 'b', to: 'a', term: 1, reject: false, index: 1 });
    fixture.raft.readIndex(new TextEncoder().encode('r'));
    drain(fixture);
    fixture.raft.step({ type: 'heartbeat-response', from: 'l', to: 'a', term: 1, context: new TextEncoder().encode('r') });
    expect(fixture.raft.ready().readStates).toEqual([]);
    for (let i = 0; i < 20; i++) {
      fixture.raft.tick();
      fixture.raft.step({ type: 'heartbeat-response', from: 'l', to: 'a', term: 1 });
    }
    expect(fixture.raft.status().role).toBe('follower'); // only the learner answered: no quorum
  });

  it('leadership is not transferred to a learner (etcd)', () => {
    const net = cluster(['a', 'b', 'c'], ['l']);
    net.transferLeadership('a', 'l');
    expect(net.node('a').raft.status().leadTransferee).toBeUndefined();
  });

  it('a new node joins as a learner, catches up, and is promoted to a voter that can lead', () => {
    const net = cluster();
    net.propose('a', 'x');
    net.addNode('d');
    net.proposeConfChange('a', add('add-learner', 'd'));
    net.stabilize();
    expect(net.node('a').raft.status().progress.get('d')).toMatchObject({ isLearner: true, state: 'replicate' });
    net.proposeConfChange('a', add('promote', 'd'));
    net.stabilize();
    expect(net.node('d').raft.status().confState).toMatchObject({ voters: ['a', 'b', 'c', 'd'], learners: [] });
    net.transferLeadership('a', 'd');
    net.stabilize();
    expect(net.leaders()).toEqual(['d']);
  });
});

describe('Raft thesis §4.3: joint consensus', () => {
  /** a, b, c in a joint configuration with d, e replacing b, c: incoming {a, d, e}, outgoing {a, b, c}. */
  function joint(transition: ConfChange['transition'] = 'auto'): TestNetwork {
    const net = cluster();
    net.addNode('d');
    net.addNode('e');
    net.proposeConfChange('a', {
      changes: [
        { type: 'add-voter', node: 'd' },
        { type: 'add-voter', node: 'e' },
        { type: 'remove', node: 'b' },
        { type: 'remove', node: 'c' },
      ],
      transition,
    });
    return net;
  }

  it('the leader leaves a joint configuration by itself once it applied the change that entered it', () => {
    const net = joint();
    const sent: Message[] = [];
    for (let i = 0; i < 1000 && net.inFlight.length > 0; i++) {
      sent.push(net.inFlight[0] as Message);
      net.deliver();
    }
    const changes = net.log('a').filter((e) => e.type === 'conf-change').map((e) => decodeConfChange(e.data).changes.length);
    expect(changes).toEqual([4, 0]); // entered, then left
    expect(net.node('a').raft.status().confState).toMatchObject({ voters: ['a', 'd', 'e'], votersOutgoing: [] });
    expect(net.members().sort()).toEqual(['a', 'd', 'e']);
  });

  it("'joint-explicit' stays joint until a change with no steps leaves it", () => {
    const net = joint('joint-explicit');
    net.stabilize();
    expect(net.node('a').raft.status().confState).toMatchObject({ votersOutgoing: ['a', 'b', 'c'], autoLeave: false });
    net.proposeConfChange('a', { changes: [] });
    net.stabilize();
    expect(net.node('d').raft.status().confState).toMatchObject({ voters: ['a', 'd', 'e'], votersOutgoing: [] });
  });

  it('commits only with a majority of both halves', () => {
    const net = joint('joint-explicit');
    net.stabilize();
    const commit = () => net.node('a').raft.status().commit;
    net.isolate('d');
    net.isolate('e'); // the incoming half {a, d, e} has only a
    const x = net.propose('a', 'x').index;
    net.stabilize();
    expect(commit()).toBeLessThan(x); // held by a, b, c: a majority of the outgoing half only
    net.heal();
    net.isolate('b');
    net.isolate('c');
    net.tickAll();
    net.stabilize();
    expect(commit()).toBe(x); // now d and e hold it too
    const y = net.propose('a', 'y').index;
    net.stabilize();
    expect(commit()).toBe(x); // y: a, d, e — but only a of the outgoing half {a, b, c}
    net.heal();
    net.tickAll();
    net.stabilize();
    expect(commit()).toBe(y);
  });

  it('an election in a joint configuration needs a majority of both halves', () => {
    const fixture = newRaft({ preVote: false });
    fixture.raft.applyConfChange({ changes: [{ type: 'add-voter', node: 'd' }], transition: 'joint-explicit' });
    fixture.raft.campaign();
    fixture.raft.step({ type: 'vote-response', from: 'b', to: 'a', term: 1, granted: true });
    drain(fixture);
    expect(fixture.raft.status().role).toBe('candidate'); // 2 of {a,b,c}, but 2 of {a,b,c,d} is no majority
    fixture.raft.step({ type: 'vote-response', from: 'd', to: 'a', term: 1, granted: true });
    drain(fixture);
    expect(fixture.raft.status().role).toBe('leader');
  });
});

describe('Raft thesis §4.2.2: a leader removed from the configuration', () => {
  it('steps down when it applies its removal; the others elect a leader among themselves', () => {
    const net = cluster();
    net.proposeConfChange('a', add('remove', 'a'));
    net.stabilize();
    expect(net.node('a').raft.status()).toMatchObject({ role: 'follower', confState: { voters: ['b', 'c'] } });
    net.tick('a', 50);
    expect(net.inFlight).toEqual([]); // not a voter: it never campaigns
    for (let i = 0; i < 30 && net.leaders().length === 0; i++) {
      net.tickAll();
      net.stabilize();
    }
    expect(['b', 'c']).toContain(net.leaders()[0]);
  });

  it('keeps leading while in the outgoing half of a joint configuration, and steps down on leaving it', () => {
    const net = cluster();
    net.addNode('d');
    net.proposeConfChange('a', { changes: [{ type: 'add-voter', node: 'd' }, { type: 'remove', node: 'a' }], transition: 'joint-explicit' });
    net.stabilize();
    expect(net.node('a').raft.status()).toMatchObject({ role: 'leader', confState: { voters: ['b', 'c', 'd'], votersOutgoing: ['a', 'b', 'c'] } });
    net.proposeConfChange('a', { changes: [] });
    net.stabilize();
    expect(net.node('a').raft.status().role).toBe('follower');
  });

  it('a node with a committed change not applied yet does not campaign (etcd)', () => {
    const storage = newRaft().storage;
    storage.append([{ index: 1, term: 1, type: 'conf-change', data: new TextEncoder().encode('{"changes":[{"type":"remove","node":"c"}]}') }]);
    storage.setHardState({ term: 1, vote: undefined, commit: 1 });
    const raft = new Raft({ id: 'a', storage, random: seededRandom(1), preVote: false });
    raft.campaign();
    expect(raft.status().role).toBe('follower');
  });
});
