import { isProposalDroppedError } from '../errors/proposal-dropped-error.js';
import type { Message } from './messages.js';
import { drain, entriesOfTerms, newRaft } from './test-fixtures.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A single-voter node that has elected itself. */
function soloLeader() {
  const fixture = newRaft({ voters: ['a'] });
  fixture.raft.campaign();
  drain(fixture);
  return fixture;
}

describe('Raft: the Ready / advance contract', () => {
  it('a single voter becomes leader only after persisting its term and vote', () => {
    const fixture = newRaft({ voters: ['a'] });
    fixture.raft.campaign();
    const first = fixture.raft.ready();
    // Pre-vote round first: the term does not move, so there is nothing to persist yet.
    expect(first.hardState).toBeUndefined();
    expect(fixture.raft.status().role).toBe('pre-candidate');
    fixture.raft.advance(); // counts its own pre-vote → real campaign
    const second = fixture.raft.ready();
    expect(second.hardState).toEqual({ term: 1, vote: 'a', commit: 0 });
    expect(fixture.raft.status().role).toBe('candidate'); // its own vote is not counted yet
    fixture.storage.setHardState(second.hardState ?? { term: 0, vote: undefined, commit: 0 });
    fixture.raft.advance();
    expect(fixture.raft.status().role).toBe('leader');
  });

  it('a single voter commits an entry only after persisting it (etcd issue #14370)', () => {
    const fixture = soloLeader();
    const { index } = fixture.raft.propose(bytes('x'));
    const ready = fixture.raft.ready();
    expect(ready.entriesToPersist.map((e) => e.index)).toEqual([index]);
    expect(ready.committedEntries).toEqual([]);
    expect(fixture.raft.status().commit).toBe(index - 1);
    fixture.storage.append(ready.entriesToPersist);
    fixture.raft.advance();
    const next = fixture.raft.ready();
    expect(next.committedEntries.map((e) => e.index)).toEqual([index]);
    expect(next.hardState?.commit).toBe(index);
    fixture.raft.advance();
    expect(fixture.raft.status().applied).toBe(index);
    expect(fixture.raft.hasReady()).toBe(false);
  });

  it('ready() hands out the same Ready until advance(); advance() needs one', () => {
    const fixture = soloLeader();
    expect(() => fixture.raft.advance()).toThrow(/without an outstanding ready/);
    fixture.raft.propose(bytes('x'));
    const ready = fixture.raft.ready();
    fixture.raft.propose(bytes('y'));
    expect(fixture.raft.ready()).toBe(ready);
    expect(ready.entriesToPersist).toHaveLength(1);
    fixture.storage.append(ready.entriesToPersist);
    fixture.raft.advance();
    expect(fixture.raft.ready().entriesToPersist.map((e) => new TextDecoder().decode(e.data))).toEqual(['y']);
  });

  it('a vote is sent only in the Ready that persists it (Raft Figure 2)', () => {
    const fixture = newRaft({ id: 'b' });
    fixture.raft.step({ type: 'vote', from: 'a', to: 'b', term: 1, lastLogIndex: 0, lastLogTerm: 0 });
    const ready = fixture.raft.ready();
    expect(ready.hardState).toEqual({ term: 1, vote: 'a', commit: 0 });
    expect(ready.messages).toEqual([{ type: 'vote-response', from: 'b', to: 'a', term: 1, granted: true }]);
    fixture.raft.advance();
  });

  it('applies committed entries exactly once, in order, limited per Ready by bytes', () => {
    const fixture = newRaft({ voters: ['a'], maxCommittedBytesPerReady: 2 });
    fixture.raft.campaign();
    drain(fixture);
    for (const command of ['p', 'q', 'r']) fixture.raft.propose(bytes(command));
    const { readies, committed } = drain(fixture);
    expect(committed.map((e) => new TextDecoder().decode(e.data))).toEqual(['p', 'q', 'r']);
    expect(readies.filter((r) => r.committedEntries.length > 0).length).toBeGreaterThan(1);
    expect(committed.map((e) => e.index)).toEqual([2, 3, 4]);
  });

  it('softState reports role and leader changes once', () => {
    const fixture = newRaft({ voters: ['a'] });
    fixture.raft.campaign();
    const { readies } = drain(fixture);
    expect(readies.map((r) => r.softState).filter((s) => s !== undefined)).toEqual([
      { leaderId: undefined, role: 'pre-candidate' },
      { leaderId: undefined, role: 'candidate' },
      { leaderId: 'a', role: 'leader' },
    ]);
  });

  it('restarts from storage with its term, vote, log and commit, re-applying after `applied`', () => {
    const fixture = newRaft({ logTerms: [1, 1, 2], hardState: { term: 2, vote: 'c', commit: 2 }, applied: 1 });
    expect(fixture.raft.status()).toMatchObject({ term: 2, vote: 'c', commit: 2, applied: 1, lastIndex: 3, role: 'follower' });
    const { committed } = drain(fixture);
    expect(committed.map((e) => e.index)).toEqual([2]);
    // It voted for c in term 2, so it refuses b there.
    fixture.raft.step({ type: 'vote', from: 'b', to: 'a', term: 2, lastLogIndex: 3, lastLogTerm: 2 });
    expect(drain(fixture).messages).toEqual([{ type: 'vote-response', from: 'a', to: 'b', term: 2, granted: false }]);
  });
});

describe('Raft: proposals and input checks', () => {
  it('drops proposals with ProposalDroppedError when not leader, naming the leader it knows', () => {
    const fixture = newRaft({ id: 'b' });
    let error: unknown;
    try {
      fixture.raft.propose(bytes('x'));
    } catch (caught) {
      error = caught;
    }
    expect(isProposalDroppedError(error)).toBe(true);
    expect(error).toMatchObject({ reason: 'not-leader', leaderId: undefined, term: 0 });
    fixture.raft.step({ type: 'heartbeat', from: 'a', to: 'b', term: 3, commit: 0 });
    expect(() => fixture.raft.propose(bytes('x'))).toThrow(expect.objectContaining({ leaderId: 'a', term: 3 }));
    expect(fixture.raft.hasReady()).toBe(true);
    expect(drain(fixture).readies.flatMap((r) => r.entriesToPersist)).toEqual([]);
  });

  it('propose returns the index and term of the new entry and needs bytes', () => {
    const fixture = soloLeader();
    expect(fixture.raft.propose(bytes('x'))).toEqual({ index: 2, term: 1 });
    expect(() => fixture.raft.propose('x' as never)).toThrow(/propose\(command\) needs a Uint8Array, got "x"/);
  });

  it.each<[string, unknown, ErrorConstructor, RegExp]>([
    ['not an object', null, TypeError, /known type, got null/],
    ['an unknown type', { type: 'install-snapshot', from: 'b', to: 'a', term: 1 }, TypeError, /known type/],
    ['a snapshot without metadata', { type: 'snapshot', from: 'b', to: 'a', term: 1 }, TypeError, /message\.snapshot/],
    ['no sender', { type: 'heartbeat', from: '', to: 'a', term: 1, commit: 0 }, TypeError, /message\.from/],
    ['a bad term', { type: 'heartbeat', from: 'b', to: 'a', term: -1, commit: 0 }, TypeError, /message\.term/],
    ['another recipient', { type: 'heartbeat', from: 'b', to: 'c', term: 1, commit: 0 }, RangeError, /message\.to is "c"/],
    ['itself as sender', { type: 'heartbeat', from: 'a', to: 'a', term: 1, commit: 0 }, RangeError, /peers only/],
  ])('step refuses a message with %s', (_what, message, errorClass, pattern) => {
    const { raft } = newRaft();
    expect(() => raft.step(message as Message)).toThrow(errorClass);
    expect(() => raft.step(message as Message)).toThrow(pattern);
  });

  it('status reports progress only while leading', () => {
    const fixture = newRaft({ voters: ['a'] });
    expect(fixture.raft.status().progress.size).toBe(0);
    fixture.raft.campaign();
    drain(fixture);
    expect(fixture.raft.id).toBe('a');
    expect(fixture.raft.status().progress.get('a')).toEqual({ match: 1, next: 2, state: 'replicate', isLearner: false });
  });

  it('a node that is not a voter never campaigns', () => {
    const fixture = newRaft({ id: 'z', logTerms: entriesOfTerms([]).map(() => 1) });
    for (let i = 0; i < 50; i++) fixture.raft.tick();
    fixture.raft.campaign();
    expect(fixture.raft.status().role).toBe('follower');
    expect(drain(fixture).messages).toEqual([]);
  });
});
