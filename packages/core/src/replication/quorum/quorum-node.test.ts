import { VectorClock } from '../clocks/vector-clock.js';
import { isClockDriftError } from '../errors/clock-drift-error.js';
import { isQuorumNotReachedError } from '../errors/quorum-not-reached-error.js';
import type { QuorumNotReachedError } from '../errors/quorum-not-reached-error.js';
import { CausalToken } from './causal-token.js';
import { QuorumNode } from './quorum-node.js';
import type { QuorumNode as Node } from './quorum-node.js';
import { SimCluster } from './sim-cluster.js';
import type { GetResult, StoreCompletion, WriteResult } from './store-results.js';

function done<V>(completion: StoreCompletion<V> | undefined): StoreCompletion<V> {
  if (completion === undefined) throw new Error('the request did not complete');
  return completion;
}
function read<V>(c: SimCluster<V>, at: string, key: string, options: Parameters<Node<V>['get']>[1] = {}): GetResult<V> {
  const completion = done(c.runUntilDone(c.at(at, (n) => n.get(key, options))));
  if (!completion.ok) throw completion.error;
  return completion.result as GetResult<V>;
}
function write<V>(c: SimCluster<V>, at: string, key: string, value: V, options: Parameters<Node<V>['put']>[2] = {}): WriteResult {
  const completion = done(c.runUntilDone(c.at(at, (n) => n.put(key, value, options))));
  c.run(20); // let the messages still in flight arrive (or be dropped) under the current partition
  if (!completion.ok) throw completion.error;
  return completion.result as WriteResult;
}
function failure<V>(completion: StoreCompletion<V> | undefined): QuorumNotReachedError {
  const c = done(completion);
  if (c.ok) throw new Error('expected a failure');
  if (!isQuorumNotReachedError(c.error)) throw c.error;
  return c.error;
}

const three = () => new SimCluster<string>({ ids: ['a', 'b', 'c'], seed: 7 });
const five = () => new SimCluster<string>({ ids: ['a', 'b', 'c', 'd', 'e'], seed: 7 });

describe('QuorumNode', () => {
  describe('strong', () => {
    it('a write acknowledged by a majority is read by a majority from any node', () => {
      const c = three();
      const put = write(c, 'a', 'k', 'v1');
      expect(put.acks).toBeGreaterThanOrEqual(2);
      expect(put.version.dot.replica).toBe('a');
      const got = read(c, 'c', 'k');
      expect(got.value).toBe('v1');
      expect(got.siblings).toEqual(['v1']);
      expect(got.replies).toBeGreaterThanOrEqual(2);
      expect(got.context.dominates(put.version.toVectorClock())).toBe(true);
      expect(read(c, 'b', 'missing').value).toBeUndefined();
    });

    it('a later write supersedes the earlier one, even from another coordinator without a context', () => {
      const c = three();
      write(c, 'a', 'k', 'v1');
      write(c, 'b', 'k', 'v2'); // strong writes read first: v2 supersedes what b's read saw
      const got = read(c, 'c', 'k');
      expect(got.value).toBe('v2');
      expect(got.siblings).toEqual(['v2']);
    });

    it("a write's stamp is after every version its read saw, even from a node whose clock is behind", () => {
      const c = new SimCluster<string>({ ids: ['a', 'b', 'c'], seed: 3, maxClockSkewMs: 5000 });
      const [ahead, , behind] = [...c.ids].sort((x, y) => c.skewOf(y) - c.skewOf(x));
      expect(c.skewOf(ahead) - c.skewOf(behind)).toBeGreaterThan(1000);
      write(c, ahead, 'k', 'first');
      const firstStamp = c.node(ahead).localVersions('k')[0].stamp;
      write(c, behind, 'k', 'second');
      const [second] = c.node(behind).localVersions('k');
      expect(second.value).toBe('second');
      expect(second.stamp.timestamp.wallMs).toBeGreaterThanOrEqual(firstStamp.timestamp.wallMs);
      expect(second.stamp.timestamp.wallMs + second.stamp.timestamp.logical).toBeGreaterThan(firstStamp.timestamp.wallMs + firstStamp.timestamp.logical);
    });

    it('fails with QuorumNotReachedError when a majority is unreachable, and the write may have landed', () => {
      const c = three();
      c.partition([['a'], ['b', 'c']]);
      const error = failure(c.runUntilDone(c.at('a', (n) => n.put('k', 'lost?'))));
      expect(error).toMatchObject({ operation: 'put', key: 'k', reason: 'timeout', required: 2 });
      expect(error.message).toMatch(/may or may not have taken effect/);
      const readError = failure(c.runUntilDone(c.at('a', (n) => n.get('k'))));
      expect(readError).toMatchObject({ operation: 'get', reason: 'timeout', required: 2, received: 1 });
      expect(c.node('a').metrics().failed).toBe(2);
    });

    it("a read writes what it returns back to a majority before answering (ABD's second phase)", () => {
      const c = three();
      // An eventual, strict write that reaches only a.
      c.partition([['a'], ['b', 'c']]);
      write(c, 'a', 'k', 'only-on-a', { consistency: 'eventual', sloppy: false });
      c.heal();
      c.partition([['a', 'b'], ['c']]);
      expect(read(c, 'b', 'k').value).toBe('only-on-a');
      // b now holds it too: a majority has it even if a fails.
      expect(c.node('b').localVersions('k').map((v) => v.value)).toEqual(['only-on-a']);
      expect(c.node('b').metrics().readRepairs).toBe(2); // to b itself and to c, which had not answered
    });
  });

  describe('eventual: siblings, context, read repair', () => {
    it('keeps concurrent writes as siblings; a write with the read context replaces them', () => {
      const c = three();
      c.partition([['a'], ['b'], ['c']]);
      write(c, 'a', 'cart', 'apples', { consistency: 'eventual', sloppy: false });
      write(c, 'b', 'cart', 'pears', { consistency: 'eventual', sloppy: false });
      c.heal();
      const got = read(c, 'c', 'cart', { consistency: 'eventual', r: 3 });
      expect([...got.siblings].sort()).toEqual(['apples', 'pears']);
      expect(got.siblings).toContain(got.value); // one chosen by stamp
      write(c, 'c', 'cart', 'apples+pears', { consistency: 'eventual', w: 3, context: got.context });
      expect(read(c, 'a', 'cart', { consistency: 'eventual', r: 3 }).siblings).toEqual(['apples+pears']);
    });

    it('merges siblings with the merge option (a CRDT)', () => {
      const c = new SimCluster<string[]>({ ids: ['a', 'b', 'c'], config: { merge: (sets) => [...new Set(sets.flat())].sort() } });
      c.partition([['a'], ['b'], ['c']]);
      write(c, 'a', 'cart', ['apples'], { consistency: 'eventual', sloppy: false });
      write(c, 'b', 'cart', ['pears', 'figs'], { consistency: 'eventual', sloppy: false });
      c.heal();
      expect(read(c, 'c', 'cart', { consistency: 'eventual', r: 3 }).value).toEqual(['apples', 'figs', 'pears']);
      expect(read(c, 'c', 'solo', { consistency: 'eventual' }).value).toBeUndefined();
    });

    it('repairs replicas that answered with less, in the background', () => {
      const c = three();
      c.partition([['a'], ['b', 'c']]);
      write(c, 'a', 'k', 'new', { consistency: 'eventual', sloppy: false });
      c.heal();
      read(c, 'b', 'k', { consistency: 'eventual', r: 3 });
      c.runUntilQuiet();
      for (const id of ['a', 'b', 'c']) expect(c.node(id).localVersions('k').map((v) => v.value)).toEqual(['new']);
      expect(c.node('b').metrics().readRepairs).toBe(2);
    });
  });

  describe('weak', () => {
    it("reads the coordinator's own replica and writes it first", () => {
      const c = three();
      c.partition([['a'], ['b'], ['c']]);
      const put = write(c, 'a', 'k', 'local', { consistency: 'weak' });
      expect(put.acks).toBe(1);
      expect(read(c, 'a', 'k', { consistency: 'weak' }).value).toBe('local');
      expect(read(c, 'b', 'k', { consistency: 'weak' }).value).toBeUndefined();
    });
  });

  describe('session guarantees through the causal token', () => {
    it("read-your-writes: a read waits for a replica that has the session's write", () => {
      const c = three();
      c.partition([['a'], ['b', 'c']]);
      const { token } = write(c, 'a', 'k', 'mine', { consistency: 'eventual', sloppy: false });
      c.heal();
      // Without the token, b's own stale answer is enough for r = 1.
      expect(read(c, 'b', 'k', { consistency: 'weak' }).value).toBeUndefined();
      const got = read(c, 'b', 'k', { consistency: 'weak', token });
      expect(got.value).toBe('mine');
      expect(got.token.for('k').dominates(token.for('k'))).toBe(true);
    });

    it('monotonic reads: a read never goes back behind what the session read', () => {
      const c = three();
      c.partition([['a'], ['b', 'c']]);
      write(c, 'a', 'k', 'newer', { consistency: 'eventual', sloppy: false });
      c.heal();
      const first = read(c, 'a', 'k', { consistency: 'weak' });
      expect(first.value).toBe('newer');
      expect(read(c, 'c', 'k', { consistency: 'weak', token: first.token }).value).toBe('newer');
    });

    it("fails with reason 'session' when every replica answered and none has caught up", () => {
      const c = three();
      const foreign = CausalToken.empty.observe('k', VectorClock.from({ elsewhere: 9 }));
      const error = failure(c.runUntilDone(c.at('a', (n) => n.get('k', { consistency: 'eventual', token: foreign }))));
      expect(error).toMatchObject({ reason: 'session', operation: 'get' });
    });

    it('a write supersedes what the token covers (writes follow reads)', () => {
      const c = three();
      c.partition([['a'], ['b'], ['c']]);
      const x = write(c, 'a', 'k', 'x', { consistency: 'eventual', sloppy: false });
      c.heal();
      write(c, 'b', 'k', 'y', { consistency: 'eventual', w: 3, token: x.token });
      expect(read(c, 'c', 'k', { consistency: 'eventual', r: 3 }).siblings).toEqual(['y']);
    });
  });

  describe('sloppy quorum and hinted handoff', () => {
    it('a stand-in takes a silent home replica’s write with a hint, and hands it over once it is back', () => {
      const c = five();
      const home = c.preferenceList('k', 3);
      const [first, , down] = home;
      const standIn = c.preferenceList('k', 5)[3];
      c.partition([c.ids.filter((id) => id !== down), [down]]);
      const put = write(c, first, 'k', 'v', { consistency: 'eventual', w: 3 });
      expect(put.acks).toBe(3);
      expect(c.node(standIn).hintCount).toBe(1);
      expect(c.node(standIn).localVersions('k')).toEqual([]); // hints are kept apart
      expect(c.node(standIn).metrics().hintsStored).toBe(1);
      c.heal();
      c.run(1500); // a maintenance round offers the hint
      expect(c.node(down).localVersions('k').map((v) => v.value)).toEqual(['v']);
      expect(c.node(standIn).hintCount).toBe(0);
      expect(c.node(standIn).metrics().hintsHandedOff).toBe(1);
    });

    it('strict quorums (the default outside eventual) never use stand-ins', () => {
      const c = five();
      const [first, , down] = c.preferenceList('k', 3);
      c.partition([c.ids.filter((id) => id !== down), [down]]);
      failure(c.runUntilDone(c.at(first, (n) => n.put('k', 'v', { consistency: 'eventual', sloppy: false, w: 3 }))));
      for (const id of c.ids) expect(c.nodes.get(id)?.hintCount).toBe(0);
    });
  });

  describe('tombstones', () => {
    it('a delete hides the key, and its tombstone is purged after the grace period', () => {
      const c = new SimCluster<string>({ ids: ['a', 'b', 'c'], config: { tombstoneGraceMs: 5000 } });
      const { token } = write(c, 'a', 'k', 'v');
      const del = done(c.runUntilDone(c.at('b', (n) => n.delete('k', { token }))));
      expect(del.ok).toBe(true);
      expect(read(c, 'c', 'k').value).toBeUndefined();
      expect(read(c, 'c', 'k').siblings).toEqual([]);
      expect(c.node('a').localVersions('k')[0]?.deleted).toBe(true);
      c.run(7000);
      for (const id of ['a', 'b', 'c']) expect(c.node(id).localKeys()).toEqual([]);
      expect(c.node('a').metrics().tombstonesPurged).toBe(1);
    });

    it('a replica that missed the delete takes the tombstone from anti-entropy within the grace period: the value does not come back', () => {
      const c = new SimCluster<string>({ ids: ['a', 'b', 'c'], config: { tombstoneGraceMs: 5000, antiEntropyIntervalMs: 60_000 } });
      const { token } = write(c, 'a', 'k', 'v', { consistency: 'eventual', w: 3 });
      c.partition([['a', 'b'], ['c']]);
      const del = done(c.runUntilDone(c.at('a', (n) => n.delete('k', { consistency: 'eventual', sloppy: false, w: 2, token }))));
      expect(del.ok).toBe(true);
      expect(c.node('c').localVersions('k').map((v) => v.value)).toEqual(['v']); // c still holds the value
      c.run(2000);
      c.heal();
      c.at('c', (n) => n.startAntiEntropy('a'));
      c.runUntilQuiet();
      expect(c.node('c').localVersions('k')[0]?.deleted).toBe(true);
      expect(read(c, 'b', 'k', { consistency: 'eventual', r: 3 }).value).toBeUndefined();
      c.run(7000); // past the grace period: purged everywhere, and nothing left to resurrect it
      for (const id of ['a', 'b', 'c']) expect(c.node(id).localKeys()).toEqual([]);
      expect(read(c, 'c', 'k', { consistency: 'eventual', r: 3 }).value).toBeUndefined();
    });

    it('a replica cut off for longer than the grace period brings the deleted value back (the documented limit)', () => {
      const c = new SimCluster<string>({ ids: ['a', 'b', 'c'], config: { tombstoneGraceMs: 5000, antiEntropyIntervalMs: 60_000 } });
      const { token } = write(c, 'a', 'k', 'v', { consistency: 'eventual', w: 3 });
      c.partition([['a', 'b'], ['c']]);
      expect(done(c.runUntilDone(c.at('a', (n) => n.delete('k', { consistency: 'eventual', sloppy: false, w: 2, token })))).ok).toBe(true);
      c.run(7000); // a and b purge the tombstone while c is away
      expect(c.node('a').localKeys()).toEqual([]);
      c.heal();
      c.at('c', (n) => n.startAntiEntropy('a'));
      c.runUntilQuiet();
      expect(c.node('a').localVersions('k').map((v) => v.value)).toEqual(['v']);
    });
  });

  describe('anti-entropy', () => {
    it('brings a replica that missed writes up to date, moving only the keys that differ', () => {
      const c = three();
      const tokens = Array.from({ length: 20 }, (_, i) => write(c, 'a', `k${i}`, `v${i}`, { consistency: 'eventual', w: 3 }).token);
      c.partition([['a', 'b'], ['c']]);
      for (let i = 0; i < 3; i++) write(c, 'a', `k${i}`, `new${i}`, { consistency: 'eventual', sloppy: false, w: 2, token: tokens[i] });
      c.heal();
      expect(c.converged(c.allKeys(), 3)).toBe(false);
      c.at('c', (n) => n.startAntiEntropy('a'));
      c.runUntilQuiet();
      expect(c.converged(c.allKeys(), 3)).toBe(true);
      expect(c.node('c').localVersions('k1').map((v) => v.value)).toEqual(['new1']);
      expect(c.node('c').metrics().antiEntropy).toEqual({ started: 1, completed: 1, keysRepaired: 3, keysSent: 0 });
      // Equal trees: one round trip, nothing moves.
      c.at('b', (n) => n.startAntiEntropy('c'));
      c.runUntilQuiet();
      expect(c.node('b').metrics().antiEntropy).toEqual({ started: 1, completed: 1, keysRepaired: 0, keysSent: 0 });
    });

    it('pushes what the peer lacks', () => {
      const c = three();
      c.partition([['a'], ['b', 'c']]);
      write(c, 'a', 'k', 'v', { consistency: 'eventual', sloppy: false });
      c.heal();
      c.at('a', (n) => n.startAntiEntropy('c'));
      c.runUntilQuiet();
      expect(c.node('c').localVersions('k').map((v) => v.value)).toEqual(['v']);
      expect(c.node('a').metrics().antiEntropy).toMatchObject({ completed: 1, keysRepaired: 0, keysSent: 1 });
    });

    it('runs from tick every antiEntropyIntervalMs, peers round robin', () => {
      const c = new SimCluster<string>({ ids: ['a', 'b', 'c'], config: { antiEntropyIntervalMs: 1000 } });
      c.partition([['a'], ['b', 'c']]);
      write(c, 'a', 'k', 'v', { consistency: 'eventual', sloppy: false });
      c.heal();
      c.run(2500);
      expect(c.converged(['k'], 3)).toBe(true);
      for (const id of c.ids) expect(c.node(id).metrics().antiEntropy.started).toBe(2);
      expect(() => c.node('a').startAntiEntropy('a')).toThrow(/is not a peer of "a"/);
      expect(new QuorumNode({ id: 'solo', nodes: ['solo'], replicas: 1, preferenceList: () => ['solo'], clock: c.clock }).startAntiEntropy()).toBeUndefined();
    });
  });

  describe('a node alone (messages stepped by hand)', () => {
    const node = () => new QuorumNode<string>({ id: 'a', nodes: ['a', 'b', 'c', 'd'], replicas: 3, preferenceList: () => ['b', 'c', 'd', 'a'], clock: { now: () => 0 } });

    it('keeps writes hinted for another node apart, answers reads with them, and hands them over', () => {
      const a = node();
      const other = new QuorumNode<string>({ id: 'b', nodes: ['a', 'b', 'c', 'd'], preferenceList: () => ['b', 'c', 'd', 'a'], clock: { now: () => 0 } });
      other.put('k', 'v', { consistency: 'weak' });
      const write = other.ready().messages.find((m) => m.type === 'write' && m.to === 'c');
      if (write?.type !== 'write') throw new Error('no write');
      a.step({ ...write, to: 'a', hintFor: 'd' });
      expect(a.hintCount).toBe(1);
      expect(a.localKeys()).toEqual([]);
      expect(a.ready().messages).toEqual([expect.objectContaining({ type: 'write-ack', to: 'b' })]);
      a.step({ type: 'read', from: 'c', to: 'a', requestId: 'x.1.1/r', key: 'k' });
      const [reply] = a.ready().messages;
      expect(reply.type === 'read-reply' && reply.versions.map((v) => v.value)).toEqual(['v']);
      a.offerHints();
      const [handoff] = a.ready().messages;
      expect(handoff).toMatchObject({ type: 'handoff', to: 'd', key: 'k' });
      if (handoff.type !== 'handoff') throw new Error('no handoff');
      a.step({ type: 'handoff-ack', from: 'd', to: 'a', key: 'k', dots: handoff.versions.map((v) => [v.version.dot.replica, v.version.dot.counter]) });
      expect(a.hintCount).toBe(0);
      expect(a.metrics()).toMatchObject({ hintsStored: 1, hintsHandedOff: 1 });
    });

    it('reports requests through ready() and hasReady(), and ignores replies to requests it does not know', () => {
      const a = node();
      expect(a.hasReady()).toBe(false);
      const id = a.get('k', { consistency: 'eventual' });
      expect(a.pendingRequests).toBe(1);
      expect(a.hasReady()).toBe(true);
      const { messages, completions } = a.ready();
      expect(messages.map((m) => m.to).sort()).toEqual(['b', 'c', 'd']);
      expect(completions).toEqual([]);
      a.step({ type: 'read-reply', from: 'b', to: 'a', requestId: 'zz.1.1/r', key: 'k', versions: [] });
      a.step({ type: 'write-ack', from: 'b', to: 'a', requestId: `${id}/w`, key: 'k' });
      expect(a.hasReady()).toBe(false);
      a.step({ type: 'read-reply', from: 'b', to: 'a', requestId: `${id}/r`, key: 'k', versions: [] });
      const [completion] = a.ready().completions;
      expect(completion).toMatchObject({ requestId: id, kind: 'get', ok: true, result: { value: undefined, replies: 1 } });
      expect(a.metrics()).toMatchObject({ gets: 1, puts: 0, deletes: 0 });
    });
  });

  describe('options', () => {
    it('defaultConsistency applies to requests that name no level', () => {
      const c = new SimCluster<string>({ ids: ['a', 'b', 'c'], config: { defaultConsistency: 'eventual' } });
      c.partition([['a'], ['b', 'c']]);
      expect(write(c, 'a', 'k', 'v').acks).toBe(1); // W = 1: a strong write would time out here
      expect(read(c, 'a', 'k').replies).toBe(1);
    });

    it('timeoutMs per request, and n per request (only the first n of the preference list are written)', () => {
      const c = three();
      c.partition([['a'], ['b', 'c']]);
      const started = c.clock.now();
      failure(c.runUntilDone(c.at('a', (n) => n.get('k', { timeoutMs: 50 }))));
      expect(c.clock.now() - started).toBeLessThanOrEqual(60);
      c.heal();
      const [first, ...others] = c.preferenceList('solo', 3);
      write(c, first, 'solo', 'v', { consistency: 'eventual', sloppy: false, n: 1 });
      expect(c.node(first).localVersions('solo').length).toBe(1);
      for (const id of others) expect(c.node(id).localVersions('solo')).toEqual([]);
    });

    it('maxDriftMs: a strong write whose read saw a stamp too far ahead fails with ClockDriftError', () => {
      const c = new SimCluster<string>({ ids: ['a', 'b', 'c'], seed: 3, maxClockSkewMs: 5000, config: { maxDriftMs: 100 } });
      const [ahead, , behind] = [...c.ids].sort((x, y) => c.skewOf(y) - c.skewOf(x));
      write(c, ahead, 'k', 'from the future');
      const completion = done(c.runUntilDone(c.at(behind, (n) => n.put('k', 'now'))));
      expect(!completion.ok && isClockDriftError(completion.error)).toBe(true);
    });

    it('suspectMs: a replica that stayed silent is passed over by later sloppy requests, until it expires', () => {
      let now = 0;
      const ids = ['a', 'b', 'c', 'd', 'e'];
      const a = new QuorumNode<string>({ id: 'a', nodes: ids, preferenceList: () => ['b', 'c', 'd', 'e', 'a'], clock: { now: () => now }, standInAfterMs: 10, suspectMs: 100 });
      const targets = () => a.ready().messages.filter((m) => m.type === 'write').map((m) => m.to).sort();
      a.put('k', 'v1', { consistency: 'eventual' });
      expect(targets()).toEqual(['b', 'c', 'd']);
      now = 10;
      a.tick(); // b, c and d are silent: suspected; e and a (itself, so not sent) stand in
      expect(targets()).toEqual(['e']);
      a.put('k', 'v2', { consistency: 'eventual' });
      expect(targets()).toEqual(['b', 'e']); // the healthy first (e, a), then the least bad
      now = 200;
      a.put('k', 'v3', { consistency: 'eventual' });
      expect(targets()).toEqual(['b', 'c', 'd']);
    });

    it('merkleDepth 0: one leaf, anti-entropy still converges', () => {
      const c = new SimCluster<string>({ ids: ['a', 'b', 'c'], config: { merkleDepth: 0 } });
      c.partition([['a'], ['b', 'c']]);
      for (let i = 0; i < 5; i++) write(c, 'a', `k${i}`, 'v', { consistency: 'eventual', sloppy: false });
      c.heal();
      // b pulls keys it has never seen.
      c.at('b', (n) => n.startAntiEntropy('a'));
      c.runUntilQuiet();
      expect(c.node('b').metrics().antiEntropy.keysRepaired).toBe(5);
      expect(c.node('b').localKeys().sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
    });
  });

  describe('validation', () => {
    const base = { id: 'a', nodes: ['a', 'b', 'c'], preferenceList: () => ['a', 'b', 'c'], clock: { now: () => 0 } };

    it.each([
      [{ id: '' }, /QuorumNode: id/],
      [{ nodes: [] }, /nodes must be a non-empty array/],
      [{ nodes: ['a', 'a'] }, /must not list a node twice/],
      [{ nodes: ['b', 'c'] }, /must include this node's id "a"/],
      [{ preferenceList: 1 }, /preferenceList must be a function/],
      [{ clock: {} }, /clock must have a now\(\) method/],
      [{ replicas: 4 }, /replicas must be an integer in \[1, 3\]/],
      [{ defaultConsistency: 'linear' }, /defaultConsistency must be/],
      [{ requestTimeoutMs: 0 }, /requestTimeoutMs must be a positive finite number, got 0/],
      [{ standInAfterMs: Infinity }, /standInAfterMs/],
      [{ antiEntropyIntervalMs: -1 }, /antiEntropyIntervalMs must be a positive number/],
      [{ merkleDepth: 9 }, /merkleDepth must be an integer in \[0, 5\]/],
      [{ merge: 'union' }, /merge must be a function/],
    ])('rejects %j', (override, message) => {
      expect(() => new QuorumNode({ ...base, ...override } as never)).toThrow(message);
    });

    it('rejects bad requests and a bad preference list by name', () => {
      const node = new QuorumNode<string>(base);
      expect(() => node.put('k', undefined as unknown as string)).toThrow(/value must not be undefined/);
      expect(() => node.get(1 as unknown as string)).toThrow(/key must be a string/);
      expect(() => node.get('k', { token: {} as CausalToken })).toThrow(/token must be a CausalToken/);
      expect(() => node.put('k', 'v', { context: [] as unknown as VectorClock })).toThrow(/context must be a VectorClock/);
      expect(() => node.get('k', { consistency: 'strong', r: 1 })).toThrow(/'strong' needs r \+ w > n, got r=1, w=2, n=3/);
      const odd = (list: string[]) => new QuorumNode<string>({ ...base, preferenceList: () => list });
      expect(() => odd(['a', 'z']).get('k')).toThrow(/returned "z", which is not a node of the cluster/);
      expect(() => odd(['a', 'a']).get('k')).toThrow(/returned "a" twice/);
      expect(() => odd(['a']).get('k')).toThrow(/gave 1 nodes, fewer than n = 3/);
      expect(() => new QuorumNode<string>({ ...base, preferenceList: () => 'a' as never }).get('k')).toThrow(/must return an array/);
      expect(() => node.step({ type: 'read', from: 'b', to: 'c', requestId: 'x/r', key: 'k' })).toThrow(/a message for "c" was delivered to "a"/);
      expect(() => node.step({ type: 'nope', from: 'b', to: 'a' } as never)).toThrow(/unknown message type "nope"/);
    });

    it('fails a write whose context names a version this node never wrote', () => {
      const c = three();
      const forged = VectorClock.from({ a: 1000 });
      const completion = done(c.runUntilDone(c.at('a', (n) => n.put('k', 'v', { consistency: 'eventual', context: forged }))));
      expect(completion.ok).toBe(false);
      expect(!completion.ok && completion.error).toBeInstanceOf(RangeError);
    });
  });
});
