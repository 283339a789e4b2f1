import { seededRandom } from '../testing/seeded-random.js';
import type { Random } from '../time/random.js';
import type { RaftConfig } from './config.js';
import type { Entry, NodeId } from './entry.js';
import { MemoryStorage } from './memory-storage.js';
import type { Message } from './messages.js';
import { Raft, type Ready } from './raft.js';
import type { HardState } from './raft-state.js';

// Test-only builders (not exported from the package).

const encoder = new TextEncoder();

/** Entries 1..n whose terms are `terms` (`data` is "index/term"). */
export function entriesOfTerms(terms: readonly number[], from = 1): Entry[] {
  return terms.map((term, i) => ({
    index: from + i,
    term,
    type: 'normal',
    data: encoder.encode(`${from + i}/${term}`),
  }));
}

/** An entry with a command. */
export function entry(index: number, term: number, command = `${index}/${term}`): Entry {
  return { index, term, type: 'normal', data: encoder.encode(command) };
}

export interface Fixture {
  readonly raft: Raft;
  readonly storage: MemoryStorage;
}

/** A node `id` of `voters`, with a durable log of the given terms and hard state. */
export function newRaft(
  options: {
    id?: NodeId;
    voters?: readonly NodeId[];
    learners?: readonly NodeId[];
    logTerms?: readonly number[];
    hardState?: Partial<HardState>;
    seed?: number;
    random?: Random;
  } & Partial<Omit<RaftConfig, 'id' | 'storage' | 'random'>> = {},
): Fixture {
  const { id = 'a', voters = ['a', 'b', 'c'], learners, logTerms = [], hardState, seed = 1, random, ...config } = options;
  const storage = new MemoryStorage(learners === undefined ? { voters } : { voters, learners });
  storage.append(entriesOfTerms(logTerms));
  if (hardState !== undefined) {
    storage.setHardState({ term: 0, vote: undefined, commit: 0, ...hardState });
  }
  const raft = new Raft({ electionTick: 10, heartbeatTick: 1, ...config, id, storage, random: random ?? seededRandom(seed) });
  return { raft, storage };
}

/** Handles every Ready as the contract says; returns them, with all messages to peers. */
export function drain(fixture: Fixture): { readies: Ready[]; messages: Message[]; committed: Entry[] } {
  const readies: Ready[] = [];
  while (fixture.raft.hasReady()) {
    const ready = fixture.raft.ready();
    fixture.storage.append(ready.entriesToPersist);
    if (ready.hardState !== undefined) fixture.storage.setHardState(ready.hardState);
    readies.push(ready);
    fixture.raft.advance();
  }
  return {
    readies,
    messages: readies.flatMap((r) => r.messages),
    committed: readies.flatMap((r) => r.committedEntries),
  };
}

/** Ticks until the node's randomized election timeout runs out (at most 2 × electionTick). */
export function tickUntilCampaign(fixture: Fixture, electionTick = 10): void {
  for (let i = 0; i < 2 * electionTick; i++) {
    fixture.raft.tick();
    if (fixture.raft.status().role !== 'follower') return;
  }
}
