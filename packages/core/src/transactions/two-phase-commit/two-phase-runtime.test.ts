import { afterAll, describe, expect, it } from '@jest/globals';
import { CrashFs } from '../../raft/wal/crash-fs.js';
import { FaultFs } from '../log/fault-fs.js';
import { isRecordLogFailedError } from '../log/record-log-failed-error.js';
import { ManualClock, flushPromises } from '../../testing/manual-clock.js';
import { seededRandom } from '../../testing/seeded-random.js';
import type { RecordedDecision } from './coordinator.js';
import { type DecisionLog, FileDecisionLog } from './decision-log.js';
import { isDuplicateTransactionError } from './errors/duplicate-transaction-error.js';
import { isTransactionInDoubtError } from './errors/transaction-in-doubt-error.js';
import { isTransactionStoppedError } from './errors/transaction-stopped-error.js';
import type { TransactionMessage } from './messages.js';
import { TwoPhaseCoordinator, type TwoPhaseCoordinatorOptions } from './two-phase-coordinator.js';
import { type ParticipantStore, TwoPhaseParticipant, type TwoPhaseParticipantOptions } from './two-phase-participant.js';
import type { Decision, TxId, TxWrite } from './types.js';

class MapStore implements ParticipantStore {
  readonly values = new Map<string, string>();
  readonly applied = new Map<TxId, number>();
  failApplies = 0;
  read(key: string): Promise<string | undefined> {
    return Promise.resolve(this.values.get(key));
  }
  async apply(txId: TxId, writes: readonly TxWrite[]): Promise<void> {
    if (this.failApplies > 0) {
      this.failApplies--;
      throw new Error('store down');
    }
    this.applied.set(txId, (this.applied.get(txId) ?? 0) + 1);
    if (this.applied.get(txId) as number > 1) return; // once per txId
    for (const w of writes) {
      if (w.value === null) this.values.delete(w.key);
      else this.values.set(w.key, w.value);
    }
  }
}

/** A network of runtimes on one ManualClock: messages go through JSON (as over HTTP), asynchronously. */
class Net {
  readonly clock = new ManualClock(1_000_000);
  readonly parties = new Map<string, { receive(m: unknown): void }>();
  readonly sent: TransactionMessage[] = [];
  /** Return false to drop a message. */
  filter: (m: TransactionMessage) => boolean = () => true;
  /** Return true to deliver a message twice. */
  duplicate: (m: TransactionMessage) => boolean = () => false;
  transport = {
    send: (m: TransactionMessage): void => {
      this.sent.push(m);
      if (!this.filter(m)) return;
      const wire = JSON.parse(JSON.stringify(m)) as unknown;
      const copies = this.duplicate(m) ? 2 : 1;
      // A stopped party refuses (as an HTTP endpoint answers 503): the message is lost.
      for (let i = 0; i < copies; i++) {
        queueMicrotask(() => {
          try {
            this.parties.get(m.to)?.receive(wire);
          } catch (error) {
            if (!isTransactionStoppedError(error)) throw error;
          }
        });
      }
    },
  };
  async run(ms: number): Promise<void> {
    await this.clock.advanceAsync(ms);
    await flushPromises();
  }
}

const participantOptions = (net: Net, id: string, disk: CrashFs, store: ParticipantStore, extra: Partial<TwoPhaseParticipantOptions> = {}): TwoPhaseParticipantOptions => ({
  id,
  dir: `/${id}`,
  fs: disk,
  store,
  transport: net.transport,
  clock: net.clock,
  random: seededRandom(7),
  tickMs: 10,
  ...extra,
});

async function setup(extra: { coordinator?: Partial<TwoPhaseCoordinatorOptions>; decisionLog?: DecisionLog } = {}) {
  const net = new Net();
  const disks = { c: new CrashFs(), a: new CrashFs(), b: new CrashFs() };
  const stores = { a: new MapStore(), b: new MapStore() };
  const decisionLog = extra.decisionLog ?? FileDecisionLog.open({ dir: '/c', fs: disks.c });
  const coordinator = await TwoPhaseCoordinator.open({
    id: 'c',
    decisionLog,
    transport: net.transport,
    clock: net.clock,
    random: seededRandom(1),
    tickMs: 10,
    ...extra.coordinator,
  });
  const a = TwoPhaseParticipant.open(participantOptions(net, 'a', disks.a, stores.a));
  const b = TwoPhaseParticipant.open(participantOptions(net, 'b', disks.b, stores.b));
  net.parties.set('c', coordinator).set('a', a).set('b', b);
  return { net, disks, stores, decisionLog, coordinator, a, b };
}

const twoKeys = { a: { writes: [{ key: 'x', value: '1' }] }, b: { writes: [{ key: 'y', value: '2' }] } };

describe('TwoPhaseCoordinator and TwoPhaseParticipant', () => {
  it('commits a two-participant transaction: both stores apply it, locks released, status committed', async () => {
    const { net, stores, coordinator, a, b } = await setup();
    const pending = coordinator.transact({ id: 't1', participants: twoKeys });
    await net.run(0);
    const result = await pending;
    expect(result).toEqual({ id: 't1', status: 'committed', votes: { a: { vote: 'yes', reads: {} }, b: { vote: 'yes', reads: {} } } });
    await net.run(50);
    expect(stores.a.values.get('x')).toBe('1');
    expect(stores.b.values.get('y')).toBe('2');
    expect(a.locks()).toEqual([]);
    expect(b.locks()).toEqual([]);
    expect(coordinator.status('t1')).toMatchObject({ id: 't1', status: 'committed', participants: ['a', 'b'] });
    expect(coordinator.activeCount).toBe(0);
  });

  it('returns the values read under lock, and commits a read-only transaction without a decision record', async () => {
    const { net, stores, coordinator, decisionLog } = await setup();
    stores.a.values.set('r', 'old');
    const pending = coordinator.transact({ participants: { a: { writes: [], reads: ['r', 'missing'] } } });
    await net.run(0);
    const result = await pending;
    expect(result.status).toBe('committed');
    expect(result.id).toMatch(/^c-/);
    expect(result.votes.a).toEqual({ vote: 'read-only', reads: { r: 'old', missing: null } });
    expect((decisionLog as FileDecisionLog).size).toBe(0);
  });

  it('aborts on a lock conflict (no-wait) with the reason, and applies nothing', async () => {
    const { net, stores, coordinator } = await setup();
    net.filter = (m) => !(m.type === 'commit'); // hold the first transaction in phase two
    const first = coordinator.transact({ id: 't1', participants: twoKeys });
    await net.run(0);
    expect((await first).status).toBe('committed');
    const second = coordinator.transact({ id: 't2', participants: { a: { writes: [{ key: 'x', value: 'other' }] }, b: { writes: [{ key: 'z', value: '3' }] } } });
    await net.run(0);
    const result = await second;
    expect(result).toMatchObject({ id: 't2', status: 'aborted', reason: 'vote-no' });
    expect(result.votes.a).toEqual({ vote: 'no', reason: 'lock-conflict' });
    expect(stores.b.values.has('z')).toBe(false);
    net.filter = () => true;
    await net.run(2000); // the commit of t1 is re-sent
    expect(stores.a.values.get('x')).toBe('1');
  });

  it('aborts at the deadline when a participant never answers (reason timeout), and releases the other one', async () => {
    const { net, coordinator, a } = await setup();
    net.filter = (m) => m.to !== 'b';
    const pending = coordinator.transact({ id: 't1', participants: twoKeys, timeoutMs: 200 });
    await net.run(100);
    expect(a.locks()).toEqual([{ key: 'x', mode: 'exclusive', holders: ['t1'] }]);
    await net.run(150);
    expect(await pending).toMatchObject({ status: 'aborted', reason: 'timeout' });
    await net.run(10);
    expect(a.locks()).toEqual([]);
    expect(a.inDoubt()).toEqual([]);
  });

  it('rejects with TransactionInDoubtError when the deadline passes while the decision is being recorded', async () => {
    const never = new Promise<Decision>(() => undefined);
    const hanging: DecisionLog = {
      record: () => never,
      lookup: async () => undefined,
      end: async () => undefined,
      recover: async () => ({ epoch: 1, pending: [] }),
    };
    const { net, coordinator } = await setup({ decisionLog: hanging });
    const pending = coordinator.transact({ id: 't1', participants: twoKeys, timeoutMs: 100 });
    const caught = pending.catch((error: unknown) => error);
    await net.run(150);
    const error = await caught;
    expect(isTransactionInDoubtError(error)).toBe(true);
    expect(error).toMatchObject({ txId: 't1', waitedMs: 100 });
    expect(coordinator.status('t1').status).toBe('collecting');
    expect(coordinator.recordsInFlight).toBe(1);
    expect(net.sent.filter((m) => m.type === 'commit')).toEqual([]); // nothing goes out before the log answers
  });

  it('retries a decision the log failed to record, with backoff, until it lands', async () => {
    const disk = new CrashFs();
    const inner = FileDecisionLog.open({ dir: '/c', fs: disk });
    let failures = 2;
    const flaky: DecisionLog = {
      record: (txId, d, p) => (failures-- > 0 ? Promise.reject(new Error('no quorum')) : inner.record(txId, d, p)),
      lookup: (txId) => inner.lookup(txId),
      end: (txId) => inner.end(txId),
      recover: () => inner.recover(),
    };
    const { net, coordinator, stores } = await setup({ decisionLog: flaky, coordinator: { recordBackoff: { delay: () => 30 } } });
    const pending = coordinator.transact({ id: 't1', participants: twoKeys, timeoutMs: 10_000 });
    await net.run(0);
    expect(coordinator.recordsInFlight).toBe(1);
    await net.run(100);
    expect((await pending).status).toBe('committed');
    await net.run(50);
    expect(stores.a.values.get('x')).toBe('1');
  });

  it('stops (TransactionStoppedError, cause the log failure) when the decision log fails its fsync, instead of retrying against it', async () => {
    const disk = new FaultFs(new CrashFs());
    const decisionLog = FileDecisionLog.open({ dir: '/c', fs: disk });
    const { net, coordinator, stores } = await setup({ decisionLog, coordinator: { recordBackoff: { delay: () => 30 } } });
    disk.failNext('fsync');
    const caught = coordinator.transact({ id: 't1', participants: twoKeys, timeoutMs: 10_000 }).catch((error: unknown) => error);
    await net.run(0);
    await net.run(200);
    const error = await caught;
    expect(isTransactionStoppedError(error)).toBe(true);
    expect(isRecordLogFailedError((error as Error).cause)).toBe(true);
    expect(net.sent.filter((m) => m.type === 'commit')).toEqual([]);
    expect(stores.a.values.has('x')).toBe(false);
    await expect(coordinator.transact({ id: 't2', participants: twoKeys })).rejects.toMatchObject({ code: 'ETXSTOPPED' });
    expect(coordinator.recordsInFlight).toBe(0);
  });

  it('settles the caller with TransactionInDoubtError at the deadline even while a failing log keeps the abort from being recorded', async () => {
    const failing: DecisionLog = {
      record: () => Promise.reject(new Error('no quorum')),
      lookup: async () => undefined,
      end: async () => undefined,
      recover: async () => ({ epoch: 1, pending: [] }),
    };
    const { net, coordinator } = await setup({ decisionLog: failing, coordinator: { recordBackoff: { delay: () => 30 } } });
    net.filter = (m) => m.to !== 'b';
    const caught = coordinator.transact({ id: 't1', participants: twoKeys, timeoutMs: 100 }).catch((error: unknown) => error);
    await net.run(200);
    const error = await caught;
    expect(isTransactionInDoubtError(error)).toBe(true);
    expect(error).toMatchObject({ txId: 't1', waitedMs: 100 });
    expect(coordinator.recordsInFlight).toBe(1); // still retried
    await coordinator.stop();
  });

  it('stop() disarms the retry timers of failing records and sends no answer that arrives after it', async () => {
    let answerLookup: (d: Decision | undefined) => void = () => undefined;
    const slow: DecisionLog = {
      record: () => Promise.reject(new Error('no quorum')),
      lookup: (txId) => (txId === 'ghost' ? new Promise((resolve) => (answerLookup = resolve)) : Promise.resolve(undefined)),
      end: async () => undefined,
      recover: async () => ({ epoch: 1, pending: [] }),
    };
    const { net, coordinator, a, b } = await setup({ decisionLog: slow, coordinator: { recordBackoff: { delay: () => 1000 } } });
    await a.stop();
    await b.stop();
    const pending = coordinator.transact({ id: 'tx', participants: twoKeys, timeoutMs: 10_000 }).catch((error: unknown) => error);
    await net.run(0);
    coordinator.receive({ type: 'vote', txId: 'tx', from: 'a', to: 'c', vote: 'yes' });
    coordinator.receive({ type: 'vote', txId: 'tx', from: 'b', to: 'c', vote: 'yes' });
    coordinator.receive({ type: 'vote', txId: 'ghost', from: 'a', to: 'c', vote: 'yes' }); // an inquiry: answered from the (slow) log
    await net.run(0);
    expect(coordinator.recordsInFlight).toBe(1); // the commit failed; its retry is armed
    await coordinator.stop();
    expect(isTransactionStoppedError(await pending)).toBe(true);
    expect(coordinator.recordsInFlight).toBe(0);
    expect(net.clock.pendingTimers).toBe(0);
    net.sent.length = 0;
    answerLookup('commit'); // answered without a record: only the stop check keeps it from going out
    await net.run(0);
    expect(net.sent).toEqual([]);
  });

  it('a restarted coordinator resumes phase two of a recorded commit (new epoch); an in-doubt participant resolves', async () => {
    const { net, disks, stores, coordinator, decisionLog } = await setup();
    net.filter = (m) => m.type !== 'commit'; // the coordinator "crashes" before any commit gets out
    const pending = coordinator.transact({ id: 't1', participants: twoKeys });
    await net.run(0);
    expect((await pending).status).toBe('committed');
    await coordinator.stop();
    (decisionLog as FileDecisionLog).close();
    net.filter = () => true;
    const restarted = await TwoPhaseCoordinator.open({
      id: 'c',
      decisionLog: FileDecisionLog.open({ dir: '/c', fs: disks.c.afterCrash(seededRandom(3)) }),
      transport: net.transport,
      clock: net.clock,
      random: seededRandom(2),
      tickMs: 10,
    });
    expect(restarted.epoch).toBe(coordinator.epoch + 1);
    net.parties.set('c', restarted);
    await net.run(100);
    expect(stores.a.values.get('x')).toBe('1');
    expect(stores.b.values.get('y')).toBe('2');
    expect(restarted.activeCount).toBe(0);
  });

  it('a yes vote delayed past END and a coordinator restart hears commit, not a presumed abort', async () => {
    const { net, disks, coordinator, decisionLog } = await setup();
    const pending = coordinator.transact({ id: 't1', participants: twoKeys });
    await net.run(0);
    expect((await pending).status).toBe('committed');
    await net.run(50); // acked, ended
    expect((decisionLog as FileDecisionLog).size).toBe(0);
    await coordinator.stop();
    (decisionLog as FileDecisionLog).close();
    const restarted = await TwoPhaseCoordinator.open({
      id: 'c',
      decisionLog: FileDecisionLog.open({ dir: '/c', fs: disks.c }),
      transport: net.transport,
      clock: net.clock,
      random: seededRandom(2),
      tickMs: 10,
    });
    net.parties.set('c', restarted);
    net.sent.length = 0;
    restarted.receive({ type: 'vote', txId: 't1', from: 'a', to: 'c', vote: 'yes' });
    await net.run(0);
    expect(net.sent.filter((m) => m.txId === 't1' && m.to === 'a').map((m) => m.type)).toEqual(['commit']);
    await restarted.stop();
  });

  it('a participant restarted with a prepared transaction keeps its locks, asks with backoff, and commits when answered', async () => {
    const { net, disks, stores, coordinator, a } = await setup();
    let statusQueries = 0;
    let down = true;
    net.filter = (m) => {
      if (m.type === 'status') statusQueries++;
      return !(down && (m.type === 'commit' || m.type === 'status' || (m.type === 'ack' && m.from === 'a')));
    };
    const pending = coordinator.transact({ id: 't1', participants: twoKeys });
    await net.run(0);
    expect((await pending).status).toBe('committed');
    await a.stop(); // a crashes prepared
    const restarted = TwoPhaseParticipant.open(participantOptions(net, 'a', disks.a.afterCrash(seededRandom(1)), stores.a));
    net.parties.set('a', restarted);
    expect(restarted.inDoubt()).toMatchObject([{ txId: 't1', coordinator: 'c', epoch: coordinator.epoch, writes: [{ key: 'x', value: '1' }], undo: [{ key: 'x', value: null }] }]);
    expect(restarted.locks()).toEqual([{ key: 'x', mode: 'exclusive', holders: ['t1'] }]);
    await net.run(500);
    const asked = statusQueries;
    expect(asked).toBeGreaterThan(2);
    expect(asked).toBeLessThan(50); // backoff: 50 ticks passed, far fewer queries
    down = false;
    await net.run(1000);
    expect(stores.a.values.get('x')).toBe('1');
    expect(restarted.inDoubt()).toEqual([]);
    expect(restarted.locks()).toEqual([]);
  });

  it('answers an in-doubt participant about a transaction the coordinator never decided: abort (presumed), recorded first', async () => {
    const { net, decisionLog, a } = await setup();
    net.filter = (m) => m.type !== 'vote'; // the status query, not the yes vote, reaches the coordinator
    a.receive({ type: 'prepare', txId: 'ghost', from: 'c', to: 'a', epoch: 1, order: 1, writes: [{ key: 'g', value: 'v' }], reads: [] });
    await net.run(0);
    expect(a.inDoubt()).toHaveLength(1);
    await net.run(500);
    expect(net.sent.some((m) => m.type === 'status' && m.txId === 'ghost')).toBe(true);
    expect(a.inDoubt()).toEqual([]);
    expect(a.locks()).toEqual([]);
    expect(await decisionLog.lookup('ghost')).toBe('abort');
  });

  it('retries a failing store apply with backoff; the decision stands', async () => {
    const { net, stores, coordinator } = await setup();
    stores.a.failApplies = 3;
    const pending = coordinator.transact({ id: 't1', participants: twoKeys });
    await net.run(0);
    expect((await pending).status).toBe('committed');
    await net.run(3000);
    expect(stores.a.values.get('x')).toBe('1');
    expect(coordinator.activeCount).toBe(0);
  });

  it('limits each store call with storeTimeoutMs: a hung apply is retried once it settled (never two at once), a hung read votes no; stop() waits for store calls', async () => {
    const net = new Net();
    const store = new MapStore();
    let releaseApply: () => void = () => undefined;
    let releaseRead: (v: string) => void = () => undefined;
    let hang = 1;
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    const slow: ParticipantStore = {
      read: (key) => (key === 'stuck' ? new Promise<string>((resolve) => (releaseRead = resolve)) : store.read(key)),
      apply: async (txId, writes) => {
        calls++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        try {
          if (hang-- > 0) await new Promise<void>((resolve) => (releaseApply = resolve));
          else await store.apply(txId, writes);
        } finally {
          running--;
        }
      },
    };
    const p = TwoPhaseParticipant.open(participantOptions(net, 'a', new CrashFs(), slow, { storeTimeoutMs: 100 }));
    net.parties.set('a', p);
    p.receive({ type: 'prepare', txId: 't1', from: 'c', to: 'a', epoch: 1, order: 1, writes: [{ key: 'x', value: '1' }], reads: [] });
    await net.run(0);
    p.receive({ type: 'commit', txId: 't1', from: 'c', to: 'a', epoch: 1 });
    await net.run(50);
    expect(p.inDoubt()).toMatchObject([{ txId: 't1', state: 'applying' }]);
    await net.run(1000); // timed out, and the retry is due — but the first attempt is still running
    expect(calls).toBe(1);
    expect(p.inDoubt()).toMatchObject([{ txId: 't1', state: 'applying' }]);
    releaseApply();
    await net.run(1000);
    expect(calls).toBe(2);
    expect(maxRunning).toBe(1);
    expect(store.values.get('x')).toBe('1');
    expect(p.inDoubt()).toEqual([]);
    p.receive({ type: 'prepare', txId: 't2', from: 'c', to: 'a', epoch: 1, order: 2, writes: [{ key: 'stuck', value: '1' }], reads: [] });
    await net.run(150);
    expect(net.sent.filter((m) => m.type === 'vote' && m.txId === 't2')).toEqual([{ type: 'vote', txId: 't2', from: 'a', to: 'c', vote: 'no', reason: 'store-failed' }]);
    expect(() => TwoPhaseParticipant.open(participantOptions(net, 'b', new CrashFs(), store, { storeTimeoutMs: 0 }))).toThrow(/storeTimeoutMs/);
    // The hung read is still running: stop() waits for it.
    let stopped = false;
    const stopping = p.stop().then(() => (stopped = true));
    await net.run(10);
    expect(stopped).toBe(false);
    releaseRead('late');
    await stopping;
    expect(stopped).toBe(true);
  });

  it('validates requests and messages, naming the field', async () => {
    const { coordinator, a } = await setup();
    await expect(coordinator.transact({ participants: {} })).rejects.toThrow(/at least one participant/);
    await expect(coordinator.transact({ participants: { a: { writes: [{ key: '', value: 'v' }] } } })).rejects.toThrow(/participants\["a"\]: writes\[0\]\.key must be a non-empty string/);
    await expect(coordinator.transact({ participants: { a: { writes: [] } } })).rejects.toThrow(/neither writes nor reads/);
    await expect(coordinator.transact({ participants: twoKeys, timeoutMs: -1 })).rejects.toThrow(RangeError);
    await expect(coordinator.transact({ id: '', participants: twoKeys })).rejects.toThrow(/request\.id/);
    await expect(coordinator.transact(null as never)).rejects.toThrow(TypeError);
    expect(() => coordinator.receive({ type: 'vote', txId: 't', from: 'a', to: 'c', vote: 'maybe' })).toThrow(/message\.vote must be/);
    expect(() => a.receive({ type: 'prepare', txId: 't', from: 'c', to: 'a', epoch: -1 })).toThrow(/message\.epoch/);
    expect(() => a.receive({ type: 'commit', txId: 't', from: 'c', to: 'zz', epoch: 1 })).toThrow(RangeError);
  });

  it('is idempotent by id: the same work again gets the stored outcome, other work or a decided id is refused', async () => {
    const { net, stores, coordinator, decisionLog } = await setup();
    const first = coordinator.transact({ id: 't1', participants: twoKeys });
    await net.run(0);
    expect((await first).status).toBe('committed');
    await net.run(50);
    const prepares = net.sent.filter((m) => m.type === 'prepare').length;
    const again = coordinator.transact({ id: 't1', participants: twoKeys });
    await net.run(0);
    expect(await again).toEqual(await first);
    expect(net.sent.filter((m) => m.type === 'prepare').length).toBe(prepares); // nothing ran again
    const reused = coordinator.transact({ id: 't1', participants: { a: { writes: [{ key: 'x', value: 'new' }] } } }).catch((e: unknown) => e);
    await net.run(0);
    expect(await reused).toMatchObject({ code: 'ETXDUPLICATE', reason: 'different-work', txId: 't1' });
    expect(stores.a.values.get('x')).toBe('1');
    // Decided where this coordinator cannot see the work (another coordinator, or before a restart).
    await decisionLog.record('elsewhere', 'commit', ['a']);
    const decided = coordinator.transact({ id: 'elsewhere', participants: twoKeys }).catch((e: unknown) => e);
    await net.run(0);
    expect(await decided).toMatchObject({ code: 'ETXDUPLICATE', reason: 'decided' });
    expect(net.sent.filter((m) => m.txId === 'elsewhere')).toEqual([]);
    // An id the log does not know runs.
    const fresh = coordinator.transact({ id: 'fresh', participants: twoKeys });
    await net.run(0);
    expect((await fresh).status).toBe('committed');
  });

  it('refuses a transaction id that is running, and a transact after stop', async () => {
    const { net, coordinator } = await setup();
    net.filter = () => false;
    const first = coordinator.transact({ id: 'same', participants: twoKeys });
    const dup = await coordinator.transact({ id: 'same', participants: twoKeys }).catch((e: unknown) => e);
    expect(isDuplicateTransactionError(dup)).toBe(true);
    await coordinator.stop();
    await coordinator.stop();
    expect(isTransactionStoppedError(await first.catch((e: unknown) => e))).toBe(true);
    expect(isTransactionStoppedError(await coordinator.transact({ participants: twoKeys }).catch((e: unknown) => e))).toBe(true);
    expect(() => coordinator.receive({ type: 'ack', txId: 'same', from: 'a', to: 'c' })).toThrow(/coordinator is stopped/);
  });

  it('passes its options on: defaultTimeoutMs, resendTicks, lockPolicy, maxLockWaitTicks, inDoubtAfterTicks, backoff, onSync', async () => {
    const net = new Net();
    const syncs: number[] = [];
    const store = new MapStore();
    const p = TwoPhaseParticipant.open(
      participantOptions(net, 'a', new CrashFs(), store, { lockPolicy: 'ordered', maxLockWaitTicks: 5, inDoubtAfterTicks: 4, backoff: { delay: () => 1000 }, onSync: (s) => syncs.push(s) }),
    );
    const coordinator = await TwoPhaseCoordinator.open({
      id: 'c',
      decisionLog: FileDecisionLog.open({ dir: '/c', fs: new CrashFs() }),
      transport: net.transport,
      clock: net.clock,
      random: seededRandom(1),
      tickMs: 10,
      defaultTimeoutMs: 300,
      resendTicks: 7,
    });
    net.parties.set('a', p).set('c', coordinator);
    // b never answers: the prepare to it is re-sent every 7 ticks, and the default deadline aborts.
    const prepares: number[] = [];
    const statuses: number[] = [];
    net.filter = (m) => {
      if (m.type === 'prepare' && m.to === 'b') prepares.push(net.clock.now());
      if (m.type === 'status') statuses.push(net.clock.now());
      return m.to !== 'b' && !(m.type === 'abort');
    };
    const pending = coordinator.transact({ id: 'young', participants: twoKeys });
    await net.run(0);
    expect(syncs.length).toBe(1); // PREPARED forced, timed
    await net.run(250);
    expect(prepares.map((t) => t - (prepares[0] as number))).toEqual([0, 70, 140, 210]);
    // Ordered locks: an older prepare waits for the young holder; it gives up after 5 ticks.
    net.sent.length = 0;
    p.receive({ type: 'prepare', txId: 'old', from: 'c', to: 'a', epoch: coordinator.epoch, order: 1, writes: [{ key: 'x', value: 'o' }], reads: [] });
    await net.run(40);
    expect(net.sent.filter((m) => m.type === 'vote')).toEqual([]);
    await net.run(20);
    expect(net.sent.filter((m) => m.type === 'vote')).toEqual([{ type: 'vote', txId: 'old', from: 'a', to: 'c', vote: 'no', reason: 'lock-timeout' }]);
    expect((await pending).reason).toBe('timeout');
    // The abort was dropped: 'young' is in doubt; it asked after 4 ticks, then waits 1000 ticks.
    await net.run(500);
    expect(statuses.map((t) => t - (prepares[0] as number))).toEqual([40]);
    await coordinator.stop();
    await p.stop();
  });

  it('a participant whose log fails stops (failure kept) and refuses further messages', async () => {
    const net = new Net();
    const disk = new CrashFs(4); // open takes the first steps; the PREPARED sync crashes
    const p = TwoPhaseParticipant.open(participantOptions(net, 'a', disk, new MapStore()));
    p.receive({ type: 'prepare', txId: 't', from: 'c', to: 'a', epoch: 1, order: 1, writes: [{ key: 'x', value: '1' }], reads: [] });
    await net.run(0);
    expect(p.stopped).toBe(true);
    expect(String(p.failure)).toMatch(/crash/);
    expect(net.sent.filter((m) => m.type === 'vote')).toEqual([]); // no vote without its PREPARED
    expect(() => p.receive({ type: 'abort', txId: 't', from: 'c', to: 'a', epoch: 1 })).toThrow(/stopped after a failure/);
  });

  it('checks its options, naming them', async () => {
    const net = new Net();
    const base = participantOptions(net, 'a', new CrashFs(), new MapStore());
    expect(() => TwoPhaseParticipant.open({ ...base, store: undefined as never })).toThrow(/options\.store is required/);
    expect(() => TwoPhaseParticipant.open({ ...base, id: '' })).toThrow(/options\.id/);
    expect(() => TwoPhaseParticipant.open({ ...base, tickMs: 0 })).toThrow(/tickMs must be a positive/);
    expect(() => TwoPhaseParticipant.open({ ...base, random: undefined as never })).toThrow(/options\.random/);
    const log: DecisionLog = { record: async () => 'abort', lookup: async () => undefined, end: async () => undefined, recover: async () => ({ epoch: 1, pending: [] as RecordedDecision[] }) };
    const opts = { id: 'c', decisionLog: log, transport: net.transport, clock: net.clock, random: Math.random };
    await expect(TwoPhaseCoordinator.open({ ...opts, decisionLog: undefined as never })).rejects.toThrow(/options\.decisionLog is required/);
    await expect(TwoPhaseCoordinator.open({ ...opts, transport: {} as never })).rejects.toThrow(/options\.transport is required/);
    await expect(TwoPhaseCoordinator.open({ ...opts, defaultTimeoutMs: 0 })).rejects.toThrow(/defaultTimeoutMs/);
  });

  it('compacts the participant log and replays the compacted state', async () => {
    const net = new Net();
    const disk = new CrashFs();
    const store = new MapStore();
    const p = TwoPhaseParticipant.open(participantOptions(net, 'a', disk, store, { compactEvery: 4 }));
    for (let i = 0; i < 5; i++) {
      p.receive({ type: 'prepare', txId: `t${i}`, from: 'c', to: 'a', epoch: 1, order: i, writes: [{ key: `k${i}`, value: 'v' }], reads: [] });
      await net.run(0);
      if (i < 4) p.receive({ type: 'commit', txId: `t${i}`, from: 'c', to: 'a', epoch: 1 });
      await net.run(0);
    }
    await p.stop();
    const again = TwoPhaseParticipant.open(participantOptions(net, 'a', disk, store));
    expect(again.inDoubt().map((t) => t.txId)).toEqual(['t4']);
    // A duplicate prepare of a committed, compacted-away transaction still gets its answer.
    net.sent.length = 0;
    again.receive({ type: 'prepare', txId: 't1', from: 'c', to: 'a', epoch: 1, order: 1, writes: [{ key: 'k1', value: 'v' }], reads: [] });
    await net.run(0);
    expect(net.sent.filter((m) => m.type === 'vote')).toEqual([{ type: 'vote', txId: 't1', from: 'a', to: 'c', vote: 'yes' }]);
  });
});

const tally: Record<string, number> = {};

describe('TwoPhaseCoordinator and TwoPhaseParticipant under faults (seeded)', () => {
  afterAll(() => {
    // The runs are not vacuous: both outcomes happen.
    expect(tally.committed).toBeGreaterThan(0);
    expect(tally.aborted).toBeGreaterThan(0);
  });

  // Runtimes on a ManualClock with drops, duplicates and participant power cuts; after healing:
  // a transaction's writes are applied at every writer or none, as the client heard; no locks.
  for (let seed = 1; seed <= 16; seed++) {
    it(`seed ${seed}`, async () => {
      const random = seededRandom(seed);
      const net = new Net();
      const ids = ['a', 'b', 'c2'];
      const disks = new Map(ids.map((id) => [id, new CrashFs()]));
      const stores = new Map(ids.map((id) => [id, new MapStore()]));
      const participants = new Map<string, TwoPhaseParticipant>();
      const open = (id: string): void => {
        const p = TwoPhaseParticipant.open(participantOptions(net, id, disks.get(id) as CrashFs, stores.get(id) as MapStore, { random: seededRandom(seed * 31 + id.length) }));
        participants.set(id, p);
        net.parties.set(id, p);
      };
      ids.forEach(open);
      let coordinatorDisk = new CrashFs();
      const openCoordinator = (): Promise<TwoPhaseCoordinator> =>
        TwoPhaseCoordinator.open({
          id: 'c',
          decisionLog: FileDecisionLog.open({ dir: '/c', fs: coordinatorDisk }),
          transport: net.transport,
          clock: net.clock,
          random: seededRandom(seed),
          tickMs: 10,
        });
      let coordinator = await openCoordinator();
      net.parties.set('c', coordinator);
      let healing = false;
      let dropped = 0;
      net.filter = () => healing || random() >= 0.15 || (dropped++, false);
      net.duplicate = () => !healing && random() < 0.1;
      const works = Array.from({ length: 6 }, (_, t) =>
        Object.fromEntries(ids.filter(() => random() < 0.7).concat(ids[t % 3] as string).map((id) => [id, { writes: [{ key: `k${Math.floor(random() * 2)}`, value: `t${t}` }] }])),
      );
      const results = new Map<string, Promise<unknown>>();
      for (let t = 0; t < works.length; t++) {
        results.set(`t${t}`, coordinator.transact({ id: `t${t}`, participants: works[t] as never, timeoutMs: 300 }).catch((e: unknown) => e));
        await net.run(20 + Math.floor(random() * 40));
        if (random() < 0.4) {
          const victim = ids[Math.floor(random() * ids.length)] as string;
          await (participants.get(victim) as TwoPhaseParticipant).stop();
          net.parties.delete(victim);
          await net.run(30);
          disks.set(victim, (disks.get(victim) as CrashFs).afterCrash(random));
          open(victim);
        }
        if (random() < 0.1) {
          // The coordinator loses power: its callers hear TransactionStoppedError (unknown outcome).
          await coordinator.stop();
          net.parties.delete('c');
          await net.run(30);
          coordinatorDisk = coordinatorDisk.afterCrash(random);
          coordinator = await openCoordinator();
          net.parties.set('c', coordinator);
        }
      }
      healing = true;
      expect(dropped).toBeGreaterThan(0);
      await net.run(20_000);
      for (const [txId, pending] of results) {
        const outcome = (await pending) as { status?: string };
        if (outcome.status === undefined) expect(isTransactionStoppedError(outcome) || isTransactionInDoubtError(outcome)).toBe(true);
        const work = works[Number(txId.slice(1))] as Record<string, unknown>;
        const applied = Object.keys(work).filter((id) => (stores.get(id) as MapStore).applied.has(txId));
        expect([0, Object.keys(work).length]).toContain(applied.length);
        if (outcome.status === 'committed') expect(applied.length).toBe(Object.keys(work).length);
        if (outcome.status === 'aborted') expect(applied).toEqual([]);
        tally[outcome.status ?? 'unknown'] = (tally[outcome.status ?? 'unknown'] ?? 0) + 1;
      }
      for (const p of participants.values()) {
        expect(p.locks()).toEqual([]);
        expect(p.inDoubt()).toEqual([]);
        expect(p.anomalies().conflictingDecisions).toBe(0);
        await p.stop();
      }
      expect(coordinator.activeCount).toBe(0);
      await coordinator.stop();
    });
  }
});
