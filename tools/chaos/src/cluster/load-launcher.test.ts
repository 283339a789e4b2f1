import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LAUNCHER_URL, loadStartCluster } from './load-launcher.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'load-launcher-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadStartCluster', () => {
  it("points at the cluster app's built launcher", () => {
    expect(LAUNCHER_URL.pathname.endsWith('/apps/cluster/dist/launcher/index.js')).toBe(true);
  });

  it('names the build command when the app is not built', async () => {
    await expect(loadStartCluster(pathToFileURL(join(dir, 'missing.mjs')))).rejects.toThrow('run `npx nx run cluster:build` first');
  });

  it('refuses a module without startCluster and returns the function of one that has it', async () => {
    const none = join(dir, 'none.mjs');
    await writeFile(none, 'export const other = 1;\n');
    await expect(loadStartCluster(pathToFileURL(none))).rejects.toThrow('exports no startCluster function');
    const some = join(dir, 'some.mjs');
    await writeFile(some, 'export async function startCluster(options) { return { started: options.nodes }; }\n');
    const start = await loadStartCluster(pathToFileURL(some));
    expect(await start({ nodes: 3, dataDir: dir })).toEqual({ started: 3 });
  });
});
