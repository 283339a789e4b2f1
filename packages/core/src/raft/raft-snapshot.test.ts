// Snapshots and log compaction (Raft §7, thesis chapter 5): the leader sends InstallSnapshot to
// a follower whose next entries it compacted; the follower replaces its log; progress waits in
// the `snapshot` state until the caller reports the outcome (etcd's ReportSnapshot).
import { SnapshotTemporarilyUnavailableError } from './errors/snapshot-temporarily-unavailable-error.js';
import { MemoryStorage } from './memory-storage.js';
import type { Message, SnapshotMessage } from './messages.js';
import { Raft } from './raft.js';
import type { Snapshot } from './snapshot.js';
import { TestNetwork } from './test-network.js';
import { type Fixture, drain, entriesOfTerms, newRaft } from './test-fixtures.js';
import { seededRandom } from '../testing/seeded-random.js';

const data = new TextEncoder().encode('state at 4');
const conf = { voters: ['a', 'b', 'c'] };
const isSnapshot = (m: Message): m is SnapshotMessage => m.type === 'snapshot';

/** Leader `a` of term 2 whose log 1..5 (term 1) is compacted up to 4, plus its no-op at 6. */
function compactedLeader(): Fixture {
  const fixture = newRaft({ logTerms: [1, 1, 1, 1, 1], hardState: { term: 1, commit: 5 }, preVote: false });
  fixture.storage.createSnapshot(4, conf, data);
  fixture.storage.compact(4);
  // The Raft was built before compaction: rebuild it on the compacted storage.
  const raft = new Raft({ id: 'a', storage: fixture.storage, random: seededRandom(1), preVote: false, applied: 5 });
  const leader = { raft, storage: fixture.storage };
  raft.campaign();
  raft.step({ type: 'vote-response', from: 'b', to: 'a', term: 2, granted: true });
  drain(leader);
  expect(raft.status()).toMatchObject({ role: 'leader', term: 2, firstIndex: 5, lastIndex: 6 });
  return leader;
}

/** Makes `storage.snapshot()` throw SnapshotTemporarilyUnavailableError until the gate opens. */
function gate(storage: MemoryStorage): { open: boolean } {
  const state = { open: false };
  const real = storage.snapshot.bind(storage);
  storage.snapshot = (): Snapshot => {
    if (!state.open) throw new SnapshotTemporarilyUnavailableError();
    return real();
  };
  return state;
}

/** `b` refuses the leader's first append: it holds nothing (hint 0). */
function refuseFromEmpty(leader: Fixture, from = 'b'): Message[] {
  leader.raft.step({ type: 'append-response', from, to: 'a', term: 2, reject: true, index: 5, hintIndex: 0, hintTerm: 0 });
  return drain(leader).messages;
}

describe('Raft §7: the leader sends a snapshot when the entries a follower needs are compacted', () => {
  it('sends the storage snapshot, whole, and then nothing more while it is outstanding', () => {
    const leader = compactedLeader();
    const sent = refuseFromEmpty(leader).filter(isSnapshot);
    expect(sent).toEqual([{ type: 'snapshot', from: 'a', to: 'b', term: 2, snapshot: leader.storage.snapshot() }]);
    expect(leader.raft.status().progress.get('b')).toMatchObject({ state: 'snapshot', next: 5 });
    leader.raft.propose(new TextEncoder().encode('x'));
    leader.raft.step({ type: 'heartbeat-response', from: 'b', to: 'a', term: 2 });
    expect(drain(leader).messages.filter((m) => m.to === 'b' && m.type !== 'heartbeat')).toEqual([]);
  });

  it('a follower that restored it answers with the snapshot index and is replicated from there', () => {
    const leader = compactedLeader();
    refuseFromEmpty(leader);
    leader.raft.step({ type: 'append-response', from: 'b', to: 'a', term: 2, reject: false, index: 4 });
    const appends = drain(leader).messages.filter((m) => m.type === 'append' && m.to === 'b');
    expect(leader.raft.status().progress.get('b')).toMatchObject({ state: 'replicate', match: 6 - 2 });
    expect(appends[0]).toMatchObject({ prevLogIndex: 4, prevLogTerm: 1 });
  });

  it("reportSnapshot('finish') probes after the snapshot once the follower answers", () => {
    const leader = compactedLeader();
    refuseFromEmpty(leader);
    leader.raft.reportSnapshot('b', 'finish');
    expect(leader.raft.status().progress.get('b')).toMatchObject({ state: 'probe', next: 5 });
    expect(drain(leader).messages).toEqual([]); // waits for b's answer to the snapshot
  });

  it("reportSnapshot('failure') probes again from the next heartbeat response, sending a new snapshot", () => {
    const leader = compactedLeader();
    refuseFromEmpty(leader);
    leader.raft.reportSnapshot('b', 'failure');
    expect(leader.raft.status().progress.get('b')).toMatchObject({ state: 'probe', next: 1 });
    expect(drain(leader).messages).toEqual([]);
    leader.raft.step({ type: 'heartbeat-response', from: 'b', to: 'a', term: 2 });
    expect(drain(leader).messages.filter(isSnapshot).map((m) => m.to)).toEqual(['b']);
  });

  it('reportSnapshot is ignored without an outstanding snapshot, and checks its arguments', () => {
    const leader = compactedLeader();
    leader.raft.reportSnapshot('b', 'finish');
    leader.raft.reportSnapshot('zz', 'failure');
    expect(leader.raft.status().progress.get('b')?.state).toBe('probe');
    expect(() => leader.raft.reportSnapshot('', 'finish')).toThrow(/reportSnapshot\(to\)/);
    expect(() => leader.raft.reportSnapshot('b', 'done' as never)).toThrow(/'finish' or 'failure', got "done"/);
  });

  it('no snapshot goes to a follower not heard from in the last check-quorum round (etcd: not recently active)', () => {
    const leader = compactedLeader();
    const snapshots = gate(leader.storage);
    refuseFromEmpty(leader, 'c'); // c needs compacted entries; no snapshot is ready yet
    for (let i = 0; i < 10; i++) {
      leader.raft.tick();
      leader.raft.step({ type: 'heartbeat-response', from: 'b', to: 'a', term: 2 });
    }
    drain(leader); // a check-quorum round passed: b was heard from, c was not
    snapshots.open = true;
    leader.raft.propose(new TextEncoder().encode('x'));
    expect(drain(leader).messages.filter(isSnapshot)).toEqual([]);
    leader.raft.step({ type: 'heartbeat-response', from: 'c', to: 'a', term: 2 });
    expect(drain(leader).messages.filter(isSnapshot).map((m) => m.to)).toEqual(['c']);
  });

  it('SnapshotTemporarilyUnavailableError from the storage: nothing sent, asked again on the next heartbeat response', () => {
    const leader = compactedLeader();
    const snapshots = gate(leader.storage);
    expect(refuseFromEmpty(leader).filter(isSnapshot)).toEqual([]);
    expect(leader.raft.status().progress.get('b')?.state).toBe('probe');
    snapshots.open = true;
    leader.raft.step({ type: 'heartbeat-response', from: 'b', to: 'a', term: 2 });
    expect(drain(leader).messages.filter(isSnapshot).map((m) => m.to)).toEqual(['b']);
  });

  it('a compacted storage without snapshot() is a broken contract', () => {
    const leader = compactedLeader();
    (leader.storage as { snapshot?: unknown }).snapshot = undefined;
    expect(() => refuseFromEmpty(leader)).toThrow(/the storage has no snapshot\(\)/);
  });
});

describe('Raft §7: a follower installs a snapshot', () => {
  const snapshot: Snapshot = { metadata: { index: 10, term: 3, confState: { voters: ['a', 'b', 'c', 'd'] } }, data };
  const install = (fixture: Fixture, s: Snapshot = snapshot) =>
    fixture.raft.step({ type: 'snapshot', from: 'b', to: fixture.raft.id, term: 3, snapshot: s });

  it('hands it out in a Ready before any entry, commits and applies up to it, and answers with its index', () => {
    const fixture = newRaft({ logTerms: [1, 1], hardState: { term: 1, commit: 1 } });
    install(fixture);
    const ready = fixture.raft.ready();
    expect(ready.snapshot).toBe(snapshot);
    expect(ready.committedEntries).toEqual([]);
    expect(ready.hardState).toEqual({ term: 3, vote: undefined, commit: 10 });
    expect(ready.messages).toEqual([{ type: 'append-response', from: 'a', to: 'b', term: 3, reject: false, index: 10 }]);
    fixture.storage.applySnapshot(snapshot);
    fixture.raft.advance();
    expect(fixture.raft.status()).toMatchObject({ commit: 10, applied: 10, firstIndex: 11, lastIndex: 10, leaderId: 'b' });
    expect(fixture.raft.hasReady()).toBe(false);
    // The next append continues after the snapshot.
    fixture.raft.step({ type: 'append', from: 'b', to: 'a', term: 3, prevLogIndex: 10, prevLogTerm: 3, entries: entriesOfTerms([3], 11), commit: 11 });
    expect(drain(fixture).committed.map((e) => e.index)).toEqual([11]);
  });

  it('may campaign between ready() and advance() while the snapshot is not applied yet', () => {
    const fixture = newRaft({ preVote: false });
    install(fixture);
    fixture.raft.ready();
    fixture.raft.campaign(); // the snapshot's entries are not in the log: nothing to scan there
    expect(fixture.raft.status()).toMatchObject({ role: 'candidate', term: 4 });
  });

  it('takes the membership in the snapshot metadata (a new voter d joins)', () => {
    const fixture = newRaft({ voters: ['a', 'b', 'c'] });
    install(fixture);
    drain(fixture);
    fixture.raft.campaign();
    const asked = drain(fixture).messages.filter((m) => m.type === 'pre-vote').map((m) => m.to);
    expect(asked).toEqual(['b', 'c', 'd']);
  });

  it('refuses a snapshot not past its commit index, answering with that index', () => {
    const fixture = newRaft({ logTerms: [1, 1, 1], hardState: { term: 3, commit: 3 } });
    install(fixture, { ...snapshot, metadata: { ...snapshot.metadata, index: 2, term: 1 } });
    const ready = fixture.raft.ready();
    expect(ready.snapshot).toBeUndefined();
    expect(ready.messages).toEqual([{ type: 'append-response', from: 'a', to: 'b', term: 3, reject: false, index: 3 }]);
  });

  it('keeps the entries after the snapshot when its log holds the snapshot’s last entry (receiver step 6)', () => {
    const fixture = newRaft({ logTerms: [1, 1, 2, 3], hardState: { term: 3, commit: 1 } });
    install(fixture, { ...snapshot, metadata: { ...snapshot.metadata, index: 3, term: 2 } });
    const ready = fixture.raft.ready();
    expect(ready.snapshot).toBeUndefined();
    expect(ready.committedEntries.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(fixture.raft.status()).toMatchObject({ commit: 3, lastIndex: 4 });
  });

  it('restores a snapshot taken before it joined (its membership leaves it out), unlike etcd', () => {
    const fixture = newRaft({ id: 'n', voters: ['a', 'b', 'c'] });
    install(fixture, { ...snapshot, metadata: { ...snapshot.metadata, confState: { voters: ['b', 'c'] } } });
    expect(fixture.raft.ready()).toMatchObject({ snapshot: { metadata: { index: 10 } }, messages: [{ type: 'append-response', index: 10 }] });
    expect(fixture.raft.status().confState.voters).toEqual(['b', 'c']);
  });

  it('a candidate that receives a snapshot of its term becomes a follower of the sender first', () => {
    const fixture = newRaft({ preVote: false, hardState: { term: 2 } });
    fixture.raft.campaign();
    drain(fixture);
    install(fixture);
    expect(fixture.raft.status()).toMatchObject({ role: 'follower', term: 3, leaderId: 'b', commit: 10 });
  });

  it('answers a snapshot from a stale term with its own term, so the stale leader steps down', () => {
    const fixture = newRaft({ hardState: { term: 5 } });
    install(fixture);
    expect(fixture.raft.ready().messages).toEqual([{ type: 'append-response', from: 'a', to: 'b', term: 5, reject: false, index: 0 }]);
  });
});

describe('Raft: restarting from a compacted storage', () => {
  it('starts with commit and applied at least at the snapshot index', () => {
    const storage = new MemoryStorage(conf);
    storage.append(entriesOfTerms([1, 1, 1, 1]));
    storage.setHardState({ term: 1, vote: undefined, commit: 2 });
    storage.createSnapshot(2, conf, data);
    storage.compact(2);
    const raft = new Raft({ id: 'a', storage, random: seededRandom(1) });
    expect(raft.status()).toMatchObject({ commit: 2, applied: 2, firstIndex: 3, lastIndex: 4 });
  });
});

describe('Raft §7 in a network: a follower that missed compacted entries catches up through a snapshot', () => {
  it('is sent the snapshot, restores the same state machine, and then receives the entries after it', () => {
    const net = new TestNetwork({ ids: ['a', 'b', 'c'] });
    net.campaign('a');
    net.stabilize();
    net.isolate('c');
    for (const command of ['x=1', 'y=2', 'z=3']) net.propose('a', command);
    net.stabilize();
    net.compact('a');
    expect(net.node('a').storage.firstIndex()).toBe(5);
    net.heal();
    net.propose('a', 'after');
    net.tickAll(2);
    net.stabilize();
    expect(net.snapshotsSent).toBe(1);
    expect(net.appliedCommands('c')).toEqual(['x=1', 'y=2', 'z=3', 'after']);
    expect(net.node('c').storage.snapshot().metadata.index).toBe(4);
    expect(net.node('a').raft.status().progress.get('c')).toMatchObject({ state: 'replicate', match: 5 });
  });
});
