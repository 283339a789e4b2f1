/* eslint-disable @nx/enforce-module-boundaries -- the example imports the package by its public name, as users do */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Message, MemoryStorage, Raft } from '@bulwark/core';
import { seededRandom } from '@bulwark/core/testing';

// The README's Raft example is this file's package imports and the region between the markers
// below, byte for byte (dedented):
// it is compiled by the typecheck target and run here, so the README cannot drift.
function example(): string[] {
  // README:begin
  const ids = ['a', 'b', 'c'];
  const nodes = new Map(
    ids.map((id, i) => {
      const storage = new MemoryStorage({ voters: ids });
      return [id, { storage, raft: new Raft({ id, storage, random: seededRandom(i) }) }] as const;
    }),
  );
  const inFlight: Message[] = [];
  const applied: string[] = [];
  const settle = (): void => {
    do {
      const message = inFlight.shift();
      if (message !== undefined) nodes.get(message.to)?.raft.step(message);
      for (const [id, { raft, storage }] of nodes) {
        while (raft.hasReady()) {
          const ready = raft.ready();
          storage.append(ready.entriesToPersist); // 1. persist entries and hard state
          if (ready.hardState) storage.setHardState(ready.hardState);
          inFlight.push(...ready.messages); // 2. only then send
          for (const { data } of ready.committedEntries) {
            if (data.length > 0) applied.push(`${id}: ${new TextDecoder().decode(data)}`); // 3. apply
          }
          raft.advance(); // 4. acknowledge
        }
      }
    } while (inFlight.length > 0);
  };
  nodes.get('a')?.raft.campaign();
  settle();
  nodes.get('a')?.raft.propose(new TextEncoder().encode('x=1'));
  settle();
  // README:end
  return applied;
}

describe('README: Raft (in progress)', () => {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  const source = readFileSync(fileURLToPath(import.meta.url), 'utf8');

  it('shows the example byte for byte', () => {
    const section = readme.slice(readme.indexOf('## Raft (in progress)'));
    const block = /^```ts\n([\s\S]*?)^```$/m.exec(section)?.[1];
    const region = /\/\/ README:begin\n([\s\S]*?)\s*\/\/ README:end/.exec(source)?.[1] ?? '';
    const dedented = region
      .split('\n')
      .map((line) => line.replace(/^ {2}/, ''))
      .join('\n');
    // The block opens with this file's imports of the package (the lines naming '@bulwark/core').
    const imports = source
      .split('\n')
      .filter((line) => line.startsWith('import ') && line.includes("'@bulwark/core"))
      .join('\n');
    expect(block).toBe(`${imports}\n\n${dedented.trimEnd()}\n`);
  });

  it('runs: the three nodes apply the command', () => {
    expect(example().sort()).toEqual(['a: x=1', 'b: x=1', 'c: x=1']);
  });
});
