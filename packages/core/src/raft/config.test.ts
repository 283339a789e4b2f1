import { seededRandom } from '../testing/seeded-random.js';
import { type RaftConfig, resolveRaftConfig } from './config.js';
import { MemoryStorage } from './memory-storage.js';
import { Raft } from './raft.js';
import { entriesOfTerms } from './test-fixtures.js';

const base = (): RaftConfig => ({ id: 'a', storage: new MemoryStorage({ voters: ['a'] }), random: seededRandom(1) });

describe('Raft config', () => {
  it('fills in the defaults', () => {
    const resolved = resolveRaftConfig(base());
    expect(resolved).toMatchObject({
      electionTick: 10,
      heartbeatTick: 1,
      preVote: true,
      checkQuorum: true,
      maxEntriesPerMessage: 64,
      maxBytesPerMessage: 1024 * 1024,
      maxCommittedBytesPerReady: Infinity,
      maxInflightMessages: 256,
      maxInflightBytes: Infinity,
      maxUncommittedBytes: Infinity,
      readOnly: 'safe',
      maxClockDrift: 0.1,
      applied: 0,
    });
  });

  it.each<[string, Partial<Record<keyof RaftConfig, unknown>>, ErrorConstructor, RegExp]>([
    ['id', { id: '' }, TypeError, /config\.id must be a non-empty string, got ""/],
    ['id', { id: 7 }, TypeError, /config\.id/],
    ['storage', { storage: {} }, TypeError, /config\.storage must be a Storage/],
    ['random', { random: 0.5 }, TypeError, /config\.random must be a function/],
    ['electionTick', { electionTick: 0 }, RangeError, /config\.electionTick must be an integer ≥ 1, got 0/],
    ['electionTick', { electionTick: '10' }, TypeError, /config\.electionTick/],
    ['heartbeatTick', { heartbeatTick: 1.5 }, RangeError, /config\.heartbeatTick/],
    ['electionTick', { electionTick: 3, heartbeatTick: 3 }, RangeError, /electionTick must be greater than heartbeatTick \(3\), got 3/],
    ['preVote', { preVote: 'yes' }, TypeError, /config\.preVote must be a boolean/],
    ['checkQuorum', { checkQuorum: 1 }, TypeError, /config\.checkQuorum must be a boolean/],
    ['maxEntriesPerMessage', { maxEntriesPerMessage: 0 }, RangeError, /config\.maxEntriesPerMessage/],
    ['maxBytesPerMessage', { maxBytesPerMessage: -1 }, RangeError, /config\.maxBytesPerMessage/],
    ['maxCommittedBytesPerReady', { maxCommittedBytesPerReady: NaN }, RangeError, /config\.maxCommittedBytesPerReady/],
    ['maxInflightMessages', { maxInflightMessages: 0 }, RangeError, /config\.maxInflightMessages must be an integer ≥ 1, got 0/],
    ['maxInflightMessages', { maxInflightMessages: Infinity }, RangeError, /config\.maxInflightMessages/],
    ['maxInflightBytes', { maxInflightBytes: '1' }, TypeError, /config\.maxInflightBytes/],
    ['maxUncommittedBytes', { maxUncommittedBytes: 0.5 }, RangeError, /config\.maxUncommittedBytes/],
    ['applied', { applied: 1 }, RangeError, /config\.applied must be at most the stored commit index \(0\), got 1/],
  ])('rejects a bad %s', (_field, override, errorClass, message) => {
    const config = { ...base(), ...override } as RaftConfig;
    expect(() => resolveRaftConfig(config)).toThrow(errorClass);
    expect(() => new Raft(config)).toThrow(message);
  });

  it('accepts Infinity for the byte and entry limits', () => {
    const resolved = resolveRaftConfig({ ...base(), maxBytesPerMessage: Infinity, maxEntriesPerMessage: Infinity });
    expect(resolved.maxBytesPerMessage).toBe(Infinity);
    expect(resolved.maxEntriesPerMessage).toBe(Infinity);
  });

  it('refuses storage whose commit index is past its last entry', () => {
    const storage = new MemoryStorage({ voters: ['a'] });
    storage.append(entriesOfTerms([1]));
    storage.setHardState({ term: 1, vote: 'a', commit: 2 });
    expect(() => new Raft({ id: 'a', storage, random: seededRandom(1), applied: 2 })).toThrow(
      /stored commit index 2 is past the stored last index 1/,
    );
  });
});
