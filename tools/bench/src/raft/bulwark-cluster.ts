/**
 * apps/cluster's launcher (`startCluster`, apps/cluster/src/launcher), loaded at run time from
 * the app's build: tools may not import apps (module boundaries: `scope:tool` depends on core
 * and adapters only), and the launcher runs the built app anyway.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The launched cluster, as far as the suite uses it. */
export interface BulwarkCluster {
  readonly members: ReadonlyArray<{ readonly id: string; readonly url: string; readonly pid: number | undefined }>;
  waitForLeader(timeoutMs?: number): Promise<{ readonly id: string; readonly url: string }>;
  stop(): Promise<void>;
}

/** The launcher's options the suite passes. */
export interface BulwarkClusterOptions {
  readonly nodes: number;
  readonly basePort: number;
  readonly host: string;
  readonly dataDir: string;
  readonly log: (line: string) => void;
}

/** apps/cluster/dist/launcher/index.js, from tools/bench/{src,dist}/raft/. */
export const LAUNCHER_URL = new URL('../../../../apps/cluster/dist/launcher/index.js', import.meta.url);

/**
 * Starts a cluster with the built app's launcher.
 *
 * @throws Error (rejection) naming the build command when the app is not built
 */
export async function startBulwarkCluster(options: BulwarkClusterOptions, url: URL = LAUNCHER_URL): Promise<BulwarkCluster> {
  const path = fileURLToPath(url);
  if (!existsSync(path)) throw new Error(`the cluster app is not built (${path} is missing): run \`npx nx run cluster:build\` first`);
  const launcher = (await import(url.href)) as { startCluster?: (o: BulwarkClusterOptions) => Promise<BulwarkCluster> };
  if (typeof launcher.startCluster !== 'function') throw new Error(`${path} exports no startCluster function`);
  return launcher.startCluster(options);
}
