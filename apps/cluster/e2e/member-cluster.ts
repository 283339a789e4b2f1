// Shared by the multi-process tests: one launched cluster per test file, in a temporary
// directory, with the members' output kept to add to a failing step's message.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClusterHandle, findFreePortRange, startCluster } from '../src/launcher/index.js';

/** A cluster started before the file's tests and stopped after them. */
export interface MemberCluster {
  /** The running cluster (throws if it did not start). */
  handle(): ClusterHandle;
  /** A member's base URL. */
  urlOf(id: string): string;
  /** Runs a test step; on a failure, the members' last output lines join the error (they say more than the assertion). */
  withOutput(step: () => Promise<void>): () => Promise<void>;
}

/**
 * Registers `beforeAll`/`afterAll` that start `nodes` members of the built app through the
 * launcher (free ports, a fresh data directory named after `name`) and stop them.
 */
export function useMemberCluster(name: string, options: { readonly nodes?: number; readonly faults?: boolean } = {}): MemberCluster {
  let dir: string | undefined;
  let cluster: ClusterHandle | undefined;
  const output: string[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `bulwark-${name}-e2e-`));
    const nodes = options.nodes ?? 3;
    const basePort = await findFreePortRange(nodes);
    cluster = await startCluster({ nodes, basePort, dataDir: dir, faults: options.faults ?? false, log: (line) => output.push(line) });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  const handle = (): ClusterHandle => {
    if (cluster === undefined) throw new Error('the cluster did not start');
    return cluster;
  };
  return {
    handle,
    urlOf(id) {
      const member = handle().members.find((m) => m.id === id);
      if (member === undefined) throw new Error(`no member ${id}`);
      return member.url;
    },
    withOutput(step) {
      return async () => {
        try {
          await step();
        } catch (error) {
          if (error instanceof Error) error.message += `\n\nlast member output:\n${output.slice(-60).join('\n')}`;
          throw error;
        }
      };
    },
  };
}
