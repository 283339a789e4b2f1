import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LAUNCHER_URL, startBulwarkCluster } from './bulwark-cluster.js';

const options = { nodes: 3, basePort: 30_000, host: '127.0.0.1', dataDir: '/tmp/x', log: () => undefined };
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-cluster-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('startBulwarkCluster', () => {
  it("loads the cluster app's built launcher", () => {
    expect(LAUNCHER_URL.pathname.endsWith('/apps/cluster/dist/launcher/index.js')).toBe(true);
  });

  it('names the build command when the app is not built, and refuses a module without startCluster', async () => {
    await expect(startBulwarkCluster(options, pathToFileURL(join(dir, 'missing.js')))).rejects.toThrow('run `npx nx run cluster:build` first');
    const none = join(dir, 'none.mjs');
    await writeFile(none, 'export const x = 1;\n');
    await expect(startBulwarkCluster(options, pathToFileURL(none))).rejects.toThrow('exports no startCluster function');
  });

  it('passes the options to the launcher', async () => {
    const fake = join(dir, 'fake.mjs');
    await writeFile(fake, 'export async function startCluster(o) { return { members: [], got: [o.nodes, o.basePort, o.host, o.dataDir] }; }\n');
    expect(await startBulwarkCluster(options, pathToFileURL(fake))).toMatchObject({ got: [3, 30_000, '127.0.0.1', '/tmp/x'] });
  });
});
