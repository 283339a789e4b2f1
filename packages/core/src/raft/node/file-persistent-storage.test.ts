import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ManualClock } from '../../testing/manual-clock.js';
import { seededRandom } from '../../testing/seeded-random.js';
import { CrashFs } from '../wal/crash-fs.js';
import { isNodeStoppedError } from './errors/node-stopped-error.js';
import { FilePersistentStorage } from './file-persistent-storage.js';
import { needsSync } from './persistent-storage.js';
import { RaftNode } from './raft-node.js';
import { LogMachine, text } from './test-cluster.js';

/** A one-voter node on `storage`, leading after a campaign. */
function singleNode(storage: FilePersistentStorage, clock: ManualClock, snapshotEvery = 0): { node: RaftNode<number>; machine: LogMachine } {
  const machine = new LogMachine();
  const node = new RaftNode<number>({ id: 'a', storage, transport: { send: () => undefined }, stateMachine: machine, clock, random: seededRandom(1), tickMs: 10, snapshotEvery });
  return { node, machine };
}

async function settle(clock: ManualClock, condition: () => boolean, ticks = 200): Promise<void> {
  for (let i = 0; i < ticks && !condition(); i++) await clock.advanceAsync(10);
}

describe('FilePersistentStorage', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-fps-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps everything a RaftNode acknowledged across a restart, snapshot included, and reports each sync', async () => {
    const clock = new ManualClock(0);
    const syncs: number[] = [];
    const storage = FilePersistentStorage.open({ dir, voters: ['a'], onSync: (s) => syncs.push(s) });
    const { node } = singleNode(storage, clock, 4);
    await settle(clock, () => node.status().role === 'leader');
    const results: number[] = [];
    for (let i = 1; i <= 10; i++) results.push(await node.propose(text(`c${i}`)));
    expect(results).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await node.stop();
    storage.close();
    expect(syncs.length).toBeGreaterThan(10);
    expect(syncs.every((s) => s >= 0 && s < 60)).toBe(true);
    expect(fs.readdirSync(dir).some((name) => name.endsWith('.snap'))).toBe(true);

    const reopened = FilePersistentStorage.open({ dir, voters: ['ignored'] });
    expect(reopened.snapshot().metadata.index).toBeGreaterThan(0);
    const again = singleNode(reopened, clock);
    await settle(clock, () => again.machine.applied.length === 10 && again.node.status().role === 'leader');
    expect(again.machine.applied).toEqual(['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9', 'c10']);
    await expect(again.node.propose(text('c11'))).resolves.toBe(11);
    await again.node.stop();
    reopened.close();
  });

  it('commits proposals made together with one fsync (group commit)', async () => {
    const clock = new ManualClock(0);
    const storage = FilePersistentStorage.open({ dir, voters: ['a'] });
    const { node } = singleNode(storage, clock);
    await settle(clock, () => node.status().role === 'leader');
    await node.propose(text('warm-up'));
    const before = storage.file.syncCount;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => node.propose(text(`p${i}`))));
    expect(results).toHaveLength(50);
    expect(storage.file.syncCount - before).toBeGreaterThanOrEqual(1);
    expect(storage.file.syncCount - before).toBeLessThanOrEqual(2);
    await node.stop();
    storage.close();
  });

  it('fsyncs entries, votes and terms, but writes a commit-only change without one (durable with the next)', async () => {
    const syncs: number[] = [];
    const storage = FilePersistentStorage.open({ dir, voters: ['a'], onSync: (s) => syncs.push(s) });
    const entry = (index: number) => ({ index, term: 1, type: 'normal' as const, data: text(`e${index}`) });
    await storage.save({ snapshot: undefined, entriesToPersist: [entry(1), entry(2)], hardState: { term: 1, vote: 'a', commit: 0 } });
    const base = storage.file.syncCount; // the first save also fsyncs the new segment's directory
    expect(syncs).toHaveLength(1);
    await storage.save({ snapshot: undefined, entriesToPersist: [], hardState: { term: 1, vote: 'a', commit: 2 } });
    expect(storage.file.syncCount).toBe(base); // commit only: no fsync, no onSync
    expect(syncs).toHaveLength(1);
    expect(storage.initialState().hardState.commit).toBe(2);
    await storage.save({ snapshot: undefined, entriesToPersist: [], hardState: { term: 2, vote: undefined, commit: 2 } });
    expect(storage.file.syncCount).toBe(base + 1); // a new term must be durable
    await storage.save({ snapshot: undefined, entriesToPersist: [], hardState: { term: 2, vote: 'a', commit: 2 } });
    expect(storage.file.syncCount).toBe(base + 2); // and a vote
    await storage.save({ snapshot: undefined, entriesToPersist: [], hardState: undefined });
    expect(storage.file.syncCount).toBe(base + 2);
    expect(syncs).toHaveLength(3);
    storage.close();
    const reopened = FilePersistentStorage.open({ dir, voters: ['a'] });
    expect(reopened.initialState().hardState).toEqual({ term: 2, vote: 'a', commit: 2 });
    expect(reopened.lastIndex()).toBe(2);
    reopened.close();
  });

  it('may lose a commit-only change in a crash, and nothing else', async () => {
    const disk = new CrashFs();
    const storage = FilePersistentStorage.open({ dir: '/d', voters: ['a'], fs: disk });
    const entry = (index: number) => ({ index, term: 1, type: 'normal' as const, data: text(`e${index}`) });
    await storage.save({ snapshot: undefined, entriesToPersist: [entry(1)], hardState: { term: 1, vote: 'a', commit: 0 } });
    await storage.save({ snapshot: undefined, entriesToPersist: [], hardState: { term: 1, vote: 'a', commit: 1 } });
    for (let seed = 1; seed <= 20; seed++) {
      const after = FilePersistentStorage.open({ dir: '/d', voters: ['x'], fs: disk.afterCrash(seededRandom(seed)) });
      const { hardState } = after.initialState();
      expect({ term: hardState.term, vote: hardState.vote }).toEqual({ term: 1, vote: 'a' });
      expect([0, 1]).toContain(hardState.commit);
      expect(after.lastIndex()).toBe(1);
      after.close();
    }
    storage.close();
  });

  it('ignores an onSync listener that throws, and validates it', async () => {
    expect(() => FilePersistentStorage.open({ dir, voters: ['a'], onSync: 5 as never })).toThrow(/options\.onSync must be a function/);
    expect(() => FilePersistentStorage.open({ dir: '', voters: ['a'] })).toThrow(/options\.dir/);
    const storage = FilePersistentStorage.open({ dir, voters: ['a'], onSync: () => { throw new Error('metrics down'); } });
    await storage.save({ snapshot: undefined, entriesToPersist: [{ index: 1, term: 1, type: 'normal', data: text('x') }], hardState: { term: 1, vote: 'a', commit: 1 } });
    await storage.saveConfState({ voters: ['a', 'b'] });
    await storage.compact(1, { voters: ['a', 'b'] }, text('state'));
    storage.close();
    const reopened = FilePersistentStorage.open({ dir, voters: ['a'] });
    expect(reopened.initialState()).toEqual({ hardState: { term: 1, vote: 'a', commit: 1 }, confState: { voters: ['a', 'b'] } });
    expect(reopened.snapshot().metadata).toEqual({ index: 1, term: 1, confState: { voters: ['a', 'b'] } });
    expect(reopened.firstIndex()).toBe(2);
    expect(reopened.lastIndex()).toBe(1);
    expect(reopened.term(1)).toBe(1);
    expect(reopened.entries(2, 2)).toEqual([]);
    reopened.close();
  });
});

// A node proposing commands one after another on a disk that crashes at `crashAt`: returns the
// commands acknowledged before the crash, and those applied after restarting from the disk.
async function crashRun(crashAt: number, seed: number): Promise<{ acked: string[]; recovered: string[]; crashed: boolean }> {
  const clock = new ManualClock(0);
  const disk = new CrashFs(crashAt);
  const acked: string[] = [];
  let crashed: boolean;
  try {
    const storage = FilePersistentStorage.open({ dir: '/data', voters: ['a'], fs: disk, maxSegmentBytes: 200 });
    const { node } = singleNode(storage, clock, 3);
    await settle(clock, () => node.status().role === 'leader' || node.status().stopped);
    for (let i = 1; i <= 8; i++) {
      const command = `c${i}`;
      const outcome = await node.propose(text(command)).then(
        () => 'ok',
        (error: unknown) => error,
      );
      if (outcome !== 'ok') {
        if (!isNodeStoppedError(outcome) && !(outcome instanceof Error && outcome.name === 'NotLeaderError')) throw outcome;
        break;
      }
      acked.push(command);
    }
    crashed = node.status().stopped;
    await node.stop();
  } catch (error) {
    if ((error as Error).name !== 'CrashError') throw error;
    crashed = true;
  }
  const image = disk.afterCrash(seededRandom(seed));
  const storage = FilePersistentStorage.open({ dir: '/data', voters: ['a'], fs: image, maxSegmentBytes: 200 });
  const { node, machine } = singleNode(storage, clock);
  await settle(clock, () => node.status().role === 'leader' && machine.applied.length >= acked.length && node.status().appliedIndex >= node.status().commit);
  const recovered = [...machine.applied];
  await node.stop();
  storage.close();
  return { acked, recovered, crashed };
}

describe('FilePersistentStorage under crashes (in-memory disk)', () => {
  it('loses no acknowledged proposal when the disk crashes at any write step', async () => {
    const total = await crashRun(Infinity, 1);
    expect(total.crashed).toBe(false);
    expect(total.acked).toHaveLength(8);
    const steps = new CrashFs();
    {
      const clock = new ManualClock(0);
      const storage = FilePersistentStorage.open({ dir: '/data', voters: ['a'], fs: steps, maxSegmentBytes: 200 });
      const { node } = singleNode(storage, clock, 3);
      await settle(clock, () => node.status().role === 'leader');
      for (let i = 1; i <= 8; i++) await node.propose(text(`c${i}`));
      await node.stop();
    }
    expect(steps.steps).toBeGreaterThan(30);
    let crashes = 0;
    for (let step = 1; step <= steps.steps + 1; step++) {
      for (const seed of [step, step * 7919 + 1]) {
        const { acked, recovered, crashed } = await crashRun(step, seed);
        if (crashed) crashes++;
        // Everything acknowledged survived, in order; what follows is at most unacknowledged tail.
        expect(recovered.slice(0, acked.length)).toEqual(acked);
        expect(recovered).toEqual(['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8'].slice(0, recovered.length));
      }
    }
    expect(crashes).toBeGreaterThan(steps.steps);
  });
});

describe('needsSync', () => {
  const hardState = { term: 2, vote: 'a', commit: 5 };
  const none = { snapshot: undefined, entriesToPersist: [], hardState: undefined };
  it('asks for an fsync for entries, a snapshot, a new term or vote; not for a commit index alone', () => {
    expect(needsSync(none, hardState)).toBe(false);
    expect(needsSync({ ...none, hardState: { ...hardState, commit: 9 } }, hardState)).toBe(false);
    expect(needsSync({ ...none, hardState: { ...hardState, term: 3 } }, hardState)).toBe(true);
    expect(needsSync({ ...none, hardState: { ...hardState, vote: 'b' } }, hardState)).toBe(true);
    expect(needsSync({ ...none, entriesToPersist: [{ index: 6, term: 2, type: 'normal', data: new Uint8Array(1) }] }, hardState)).toBe(true);
    const snapshot = { metadata: { index: 9, term: 2, confState: { voters: ['a'] } }, data: new Uint8Array(0) };
    expect(needsSync({ ...none, snapshot }, hardState)).toBe(true);
  });
});
