/**
 * Finds apps/cluster's launcher (`startCluster`, apps/cluster/src/launcher) in the app's build
 * output. Tools may not import apps (the workspace's module boundaries: `scope:tool` depends on
 * core and adapters only), and the launcher starts the built app anyway, so it is loaded at run
 * time from the build, the same one `npm start` runs.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChaosCluster } from './cluster-target.js';

/** The launcher's options this tool passes (a subset of its `StartClusterOptions`). */
export interface StartClusterOptions {
  readonly nodes: number;
  readonly basePort?: number;
  readonly host?: string;
  readonly dataDir: string;
  readonly token?: string;
  readonly faults?: boolean;
  readonly env?: Readonly<Record<string, string>>;
  readonly log?: (line: string) => void;
}

/** The launcher's `startCluster`, as far as this tool uses it. */
export type StartCluster = (options: StartClusterOptions) => Promise<ChaosCluster>;

/** apps/cluster/dist/launcher/index.js, from tools/<tool>/{src,dist}/cluster/. */
export const LAUNCHER_URL = new URL('../../../../apps/cluster/dist/launcher/index.js', import.meta.url);

/**
 * Loads `startCluster` from `url` (default {@link LAUNCHER_URL}).
 *
 * @throws Error (rejection) naming the build command when the app is not built, or when the
 *   module has no `startCluster` function
 */
export async function loadStartCluster(url: URL = LAUNCHER_URL): Promise<StartCluster> {
  const path = fileURLToPath(url);
  if (!existsSync(path)) throw new Error(`the cluster app's launcher is not built (${path} is missing): run \`npx nx run cluster:build\` first`);
  const module = (await import(url.href)) as { startCluster?: unknown };
  if (typeof module.startCluster !== 'function') throw new Error(`${path} exports no startCluster function`);
  return module.startCluster as StartCluster;
}
