import type { Entry } from '../../raft/entry.js';
import type { RaftStatus } from '../../raft/raft.js';
import { ClusterChecker, SafetyViolation } from './cluster-checker.js';
import { SimRandom } from './sim-random.js';
import { SimStorage } from './sim-storage.js';

const ids = ['a', 'b', 'c'];
const entry = (index: number, term: number, text = `${index}/${term}`): Entry => ({
  index,
  term,
  type: 'normal',
  data: new TextEncoder().encode(text),
});

function status(id: string, fields: Partial<RaftStatus> = {}): RaftStatus {
  const confState = { voters: ids, learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };
  return { id, role: 'follower', term: 1, vote: undefined, leaderId: undefined, commit: 0, applied: 0, lastIndex: 0, confState, progress: new Map(), ...fields } as RaftStatus;
}

function cluster() {
  const nodes = ids.map((id) => ({ id, storage: new SimStorage({ voters: ids }) }));
  const checker = new ClusterChecker(() => nodes);
  for (const node of nodes) checker.started(node.id, 0, status(node.id, { term: 0 }));
  const node = (id: string) => nodes.find((n) => n.id === id) as (typeof nodes)[number];
  /** Writes and syncs entries on a node, as handling a Ready does. */
  const write = (id: string, entries: Entry[], fields: Partial<RaftStatus> = {}) => {
    const n = node(id);
    n.storage.write(undefined, entries, undefined);
    checker.afterWrite(n, status(id, fields), entries);
    n.storage.sync();
    checker.afterSync(n, entries[0]?.index ?? Infinity);
  };
  return { nodes, checker, node, write };
}

function violation(run: () => void): string {
  try {
    run();
  } catch (error) {
    if (error instanceof SafetyViolation) return error.property;
    throw error;
  }
  return 'none';
}

describe('ClusterChecker', () => {
  it('passes a healthy history', () => {
    const { checker, write } = cluster();
    checker.observe('a', status('a', { role: 'leader', term: 1 }));
    write('a', [entry(1, 1)], { role: 'leader' });
    write('b', [entry(1, 1)]);
    write('a', [], { role: 'leader', commit: 1 });
    checker.afterApply('a', entry(1, 1));
    write('b', [], { commit: 1 });
    checker.afterApply('b', entry(1, 1));
    expect(checker.committedIndex).toBe(1);
    expect(checker.checks).toBeGreaterThan(5);
  });

  it('finds two leaders of one term (Election Safety)', () => {
    const { checker } = cluster();
    checker.observe('a', status('a', { role: 'leader', term: 2 }));
    checker.observe('a', status('a', { role: 'leader', term: 2 }));
    expect(violation(() => checker.observe('b', status('b', { role: 'leader', term: 2 })))).toBe('Election Safety');
  });

  it('finds a term or commit index going back within an incarnation, but not across a restart', () => {
    const { checker } = cluster();
    checker.observe('a', status('a', { term: 3 }));
    expect(violation(() => checker.observe('a', status('a', { term: 2 })))).toBe('Monotonic term');
    checker.started('b', 0, status('b', { commit: 0 }));
    const { checker: other, write } = cluster();
    write('a', [entry(1, 1)]);
    write('b', [entry(1, 1)]);
    other.observe('a', status('a', { commit: 1 }));
    expect(violation(() => other.observe('a', status('a', { commit: 0 })))).toBe('Monotonic commit');
    other.started('a', 0, status('a', { commit: 0 }));
    expect(violation(() => other.observe('a', status('a', { commit: 0 })))).toBe('none');
  });

  it('finds two different entries at one index and term, or after different terms (Log Matching)', () => {
    const { write } = cluster();
    write('a', [entry(1, 1, 'x')]);
    expect(violation(() => write('b', [entry(1, 1, 'y')]))).toBe('Log Matching');
    const second = cluster();
    second.write('a', [entry(1, 1), entry(2, 2)]);
    expect(violation(() => second.write('b', [entry(1, 2), entry(2, 2)]))).toBe('Log Matching');
  });

  it('finds a leader missing an entry committed in an earlier term (Leader Completeness)', () => {
    const { write, checker } = cluster();
    write('a', [entry(1, 1)]);
    write('b', [entry(1, 1)]);
    write('a', [], { commit: 1, term: 1 });
    checker.observe('c', status('c', { role: 'leader', term: 2 }));
    expect(violation(() => write('c', [entry(1, 2)], { role: 'leader', term: 2 }))).toBe('Leader Completeness');
  });

  it('finds a commit index covering another entry than the committed one, or one past the log (State Machine Safety)', () => {
    const { write } = cluster();
    write('a', [entry(1, 1, 'x')]);
    write('b', [entry(1, 1, 'x')]);
    write('a', [], { commit: 1 });
    write('c', [entry(1, 2, 'y')], { term: 2 });
    expect(violation(() => write('c', [], { term: 2, commit: 1 }))).toBe('State Machine Safety');
    expect(violation(() => write('b', [], { commit: 2 }))).toBe('State Machine Safety');
  });

  it('finds an entry applied twice, out of order, or different from the committed one (State Machine Safety)', () => {
    const { write, checker } = cluster();
    write('a', [entry(1, 1), entry(2, 1)]);
    write('b', [entry(1, 1), entry(2, 1)]);
    write('a', [], { commit: 2 });
    checker.afterApply('a', entry(1, 1));
    expect(violation(() => checker.afterApply('a', entry(1, 1)))).toBe('State Machine Safety');
    expect(violation(() => checker.afterApply('b', entry(2, 1)))).toBe('State Machine Safety');
    expect(violation(() => checker.afterApply('c', entry(1, 1, 'other')))).toBe('State Machine Safety');
  });

  it('finds a committed entry held by fewer than a majority of durable logs (Durability)', () => {
    const { write, node, checker } = cluster();
    write('a', [entry(1, 1)]);
    // b acknowledged before its write was durable: only a holds entry 1 on disk.
    node('b').storage.write(undefined, [entry(1, 1)], undefined);
    expect(violation(() => checker.afterWrite(node('a'), status('a', { commit: 1 }), []))).toBe('Durability');
  });

  it('counts durability in the membership a commit was seen under, both halves of a joint one', () => {
    const joint = { voters: ['b', 'c', 'd'], learners: [], votersOutgoing: ['a', 'b', 'c'], learnersNext: [], autoLeave: false };
    const nodes = ['a', 'b', 'c', 'd'].map((id) => ({ id, storage: new SimStorage({ voters: ids }) }));
    const checker = new ClusterChecker(() => nodes);
    for (const node of nodes) checker.started(node.id, 0, status(node.id, { term: 0 }));
    const sync = (i: number, entries: Entry[]) => {
      nodes[i]?.storage.write(undefined, entries, undefined);
      nodes[i]?.storage.sync();
    };
    sync(0, [entry(1, 1), entry(2, 1)]);
    sync(1, [entry(1, 1), entry(2, 1)]);
    sync(2, [entry(1, 1)]);
    const a = nodes[0] as (typeof nodes)[number];
    // Seen committed while a was still in the old membership (a and b hold index 2: a majority of
    // a b c), checked only after a applied the joint one: the old membership counts.
    checker.observe('a', status('a', { role: 'leader', commit: 2 }));
    checker.afterWrite(a, status('a', { role: 'leader', commit: 2, confState: joint }), []);
    // Index 3 is seen committed under the joint membership: b c d hold it only on c.
    sync(0, [entry(3, 1)]);
    sync(2, [entry(2, 1), entry(3, 1)]);
    expect(violation(() => checker.afterWrite(a, status('a', { role: 'leader', commit: 3, confState: joint }), [entry(3, 1)]))).toBe('Durability');
  });

  it('finds a committed entry lost to a crash (Durability)', () => {
    const { write, node, checker } = cluster();
    write('a', [entry(1, 1)]);
    write('b', [entry(1, 1)]);
    write('a', [], { commit: 1 });
    // b's disk loses the entry: a sync that replaces it with another.
    node('b').storage.write(undefined, [entry(1, 2)], undefined);
    node('b').storage.sync();
    expect(violation(() => checker.afterSync(node('b'), 1))).toBe('Durability');
    expect(violation(() => checker.afterCrash(node('b')))).toBe('Durability');
  });

  it('finds a second vote in a term, and a durable term or commit index going back', () => {
    const { node, checker } = cluster();
    const disk = node('a').storage;
    const sync = (term: number, vote: string | undefined, commit = 0) => {
      disk.write(undefined, [], { term, vote, commit });
      disk.sync();
      checker.afterSync(node('a'), Infinity);
    };
    sync(1, 'b');
    sync(1, undefined); // erased (harmless until it votes again)
    expect(violation(() => sync(1, 'c'))).toBe('One vote per term');
    sync(2, 'c');
    expect(violation(() => sync(1, 'c'))).toBe('Monotonic term');
    const second = cluster();
    second.write('a', [entry(1, 1)]);
    const hs = (commit: number) => {
      second.node('a').storage.write(undefined, [], { term: 1, vote: undefined, commit });
      second.node('a').storage.sync();
      second.checker.afterSync(second.node('a'), Infinity);
    };
    hs(1);
    expect(violation(() => hs(0))).toBe('Monotonic commit');
    second.node('a').storage.crash(new SimRandom(1));
  });
});
