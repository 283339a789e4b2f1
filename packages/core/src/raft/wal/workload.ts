import type { Entry } from '../entry.js';
import type { MemoryStorage } from '../memory-storage.js';
import type { ConfState, HardState } from '../raft-state.js';
import type { FileStorage } from './file-storage.js';

/** Test-only: one step of a storage workload (see `runWorkload`). */
export type WorkloadOp =
  | { readonly kind: 'append' | 'overwrite' | 'hard' | 'conf' | 'sync' | 'snapshot'; readonly n: number };

/** Test-only: what a storage holds, compaction aside — what must survive a crash. */
export interface StorageView {
  readonly snapshot: { index: number; term: number; data: string };
  readonly hardState: HardState;
  readonly confState: ConfState;
  readonly entries: readonly string[];
}

const text = new TextEncoder();

/** The view of a storage (entries from the snapshot on, as `index:term:type:data`). */
export function viewOf(storage: MemoryStorage | FileStorage): StorageView {
  const snap = storage.snapshot();
  const lo = snap.metadata.index + 1;
  const hi = storage.lastIndex() + 1;
  const entries = lo < hi ? storage.entries(lo, hi) : [];
  const { hardState, confState } = storage.initialState();
  return {
    snapshot: { index: snap.metadata.index, term: snap.metadata.term, data: new TextDecoder().decode(snap.data) },
    hardState: { term: hardState.term, vote: hardState.vote, commit: hardState.commit },
    confState,
    entries: entries.map((e) => `${e.index}:${e.term}:${e.type}:${new TextDecoder().decode(e.data)}`),
  };
}

/**
 * Test-only: runs `ops` against `model` (a MemoryStorage) and `target` in lockstep, reporting
 * the model's view after every mutation (`onState`) and each completed sync (`onSynced`, with
 * the number of states so far). Arguments are computed from the model so both see the same calls.
 */
export function runWorkload(
  ops: readonly WorkloadOp[],
  model: MemoryStorage,
  target: FileStorage,
  onState: (view: StorageView) => void,
  onSynced: () => void,
): void {
  let term = 1;
  let k = 0;
  for (const op of ops) {
    const last = model.lastIndex();
    const snapIndex = model.snapshot().metadata.index;
    switch (op.kind) {
      case 'append':
      case 'overwrite': {
        if (op.kind === 'overwrite') term++;
        const from = op.kind === 'append' ? last + 1 : Math.max(snapIndex + 1, last - op.n + 2);
        const entries: Entry[] = Array.from({ length: op.n }, (_, i) => ({
          index: from + i,
          term,
          type: i % 3 === 2 ? 'conf-change' : 'normal',
          data: text.encode(`v${from + i}.${term}`.repeat(1 + ((from + i) % 4))),
        }));
        model.append(entries);
        target.append(entries);
        break;
      }
      case 'hard': {
        const hs: HardState = { term, vote: op.n % 2 === 0 ? `n${op.n}` : undefined, commit: Math.min(last, op.n + snapIndex) };
        model.setHardState(hs);
        target.setHardState(hs);
        break;
      }
      case 'conf': {
        const cs: ConfState = op.n % 2 === 0 ? { voters: ['a', 'b', `n${k++}`] } : { voters: ['a'], learners: [`l${k++}`] };
        model.setConfState(cs);
        target.setConfState(cs);
        break;
      }
      case 'snapshot': {
        if (last <= snapIndex) continue;
        const index = Math.max(snapIndex + 1, last - op.n + 1);
        const data = text.encode(`state@${index}`);
        model.createSnapshot(index, model.initialState().confState, data);
        target.createSnapshot(index, model.initialState().confState, data);
        onState(viewOf(model));
        model.compact(index);
        target.compact(index);
        onSynced();
        continue;
      }
      case 'sync':
        target.sync();
        onSynced();
        continue;
    }
    onState(viewOf(model));
  }
}
