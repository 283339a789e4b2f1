// examples/raft-wal.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStorage, Raft } from '@bulwark/core';
import { seededRandom } from '@bulwark/core/testing';

/** A one-node cluster on disk: writes 'x=1', restarts, and returns what the log held after the restart. */
export function restartFromDisk(): { commands: string[]; term: number; syncs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'raft-wal-'));
  try {
    const storage = FileStorage.open({ dir, voters: ['a'] });
    const raft = new Raft({ id: 'a', storage, random: seededRandom(1) });
    const handleReadies = (): void => {
      while (raft.hasReady()) {
        const ready = raft.ready();
        storage.persist(ready); // snapshot, entries, hard state: one fsync
        // ...only now send ready.messages, then apply ready.committedEntries
        raft.advance();
      }
    };
    raft.campaign(); // pre-vote, then vote: a single voter wins at once
    handleReadies();
    raft.propose(new TextEncoder().encode('x=1'));
    handleReadies();
    const syncs = storage.syncCount;
    storage.close(); // or a crash: everything persisted survives

    const reopened = FileStorage.open({ dir, voters: ['a'] });
    const entries = reopened.entries(reopened.firstIndex(), reopened.lastIndex() + 1);
    const commands = entries.filter((e) => e.data.byteLength > 0).map((e) => new TextDecoder().decode(e.data));
    const { term } = reopened.initialState().hardState;
    reopened.close();
    return { commands, term, syncs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
