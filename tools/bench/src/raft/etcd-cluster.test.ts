import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdArgs, etcdVersion, findEtcd } from './etcd-cluster.js';

describe('etcdArgs', () => {
  it('gives member i its client and peer ports, data directory and the static initial cluster', () => {
    const args = etcdArgs({ nodes: 3, basePort: 30_000, dataDir: '/d' }, 1);
    const flag = (name: string) => args[args.indexOf(name) + 1];
    expect(flag('--name')).toBe('e2');
    expect(flag('--data-dir')).toBe('/d/e2');
    expect(flag('--listen-client-urls')).toBe('http://127.0.0.1:30002');
    expect(flag('--advertise-client-urls')).toBe('http://127.0.0.1:30002');
    expect(flag('--listen-peer-urls')).toBe('http://127.0.0.1:30003');
    expect(flag('--initial-advertise-peer-urls')).toBe('http://127.0.0.1:30003');
    expect(flag('--initial-cluster')).toBe('e1=http://127.0.0.1:30001,e2=http://127.0.0.1:30003,e3=http://127.0.0.1:30005');
    expect(flag('--initial-cluster-state')).toBe('new');
  });
});

describe('findEtcd / etcdVersion', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'find-etcd-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prefers ETCD_BIN, then PATH, and reads the version line', async () => {
    const fake = join(dir, 'etcd');
    await writeFile(fake, '#!/bin/sh\necho "etcd Version: 3.4.99"\necho "Git SHA: x"\n');
    await chmod(fake, 0o755);
    expect(findEtcd({ ETCD_BIN: fake })).toBe(fake);
    expect(findEtcd({ ETCD_BIN: join(dir, 'missing') })).toBeUndefined();
    expect(findEtcd({ PATH: `/nonexistent:${dir}` })).toBe(fake);
    expect(etcdVersion(fake)).toBe('3.4.99');
    expect(etcdVersion(join(dir, 'missing'))).toBe('?');
  });
});
