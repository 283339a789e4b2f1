import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/cluster-config.js';
import { ClusterRuntime } from '../src/cluster/cluster-runtime.js';
import { createClusterApp } from '../src/create-app.js';
import { until } from './in-process-cluster.js';

// ClusterRuntime.open: the production parts (FilePersistentStorage under DATA_DIR/<id>,
// HttpTransport), on the system clock with 5 ms ticks; one member, so it elects itself.
describe('ClusterRuntime.open', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bulwark-cluster-open-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function start() {
    const config = loadConfig({ NODE_ID: 'solo', PORT: '0', PEERS: 'solo=http://127.0.0.1:1', DATA_DIR: dir, CLUSTER_TOKEN: 'open-test-token-0123', TICK_MS: '5' });
    const runtime = ClusterRuntime.open(config);
    const app = await createClusterApp(runtime);
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    await until(() => runtime.isLeader(), 'the single member to lead itself');
    return { runtime, app, url, stop: async () => (await runtime.stop(), await app.close()) };
  }

  it('keeps acknowledged writes on disk across a restart, and counts its fsyncs', async () => {
    const first = await start();
    const put = await fetch(`${first.url}/kv/durable`, { method: 'PUT', body: JSON.stringify({ value: 'kept' }) });
    expect(put.status).toBe(200);
    const { revision } = (await put.json()) as { revision: number };
    const metrics = await (await fetch(`${first.url}/metrics`)).text();
    expect(metrics).toMatch(/bulwark_raft_fsync_duration_seconds_count\{node="solo"\} [1-9]\d*/);
    await first.stop();

    const second = await start();
    try {
      const get = await fetch(`${second.url}/kv/durable`);
      expect(await get.json()).toEqual({ key: 'durable', value: 'kept', revision });
    } finally {
      await second.stop();
    }
  });
});
