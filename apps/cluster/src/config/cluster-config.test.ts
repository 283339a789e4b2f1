import { ConfigError, isConfigError } from './config-error.js';
import { loadConfig, nodeDataDir } from './cluster-config.js';

const TOKEN = 'a-secret-of-16-chars';
const base = {
  NODE_ID: 'a',
  PORT: '7001',
  PEERS: 'a=http://127.0.0.1:7001,b=http://127.0.0.1:7002, c=http://127.0.0.1:7003/',
  DATA_DIR: '.data',
  CLUSTER_TOKEN: TOKEN,
};

function problems(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(env, '/srv');
  } catch (error) {
    if (isConfigError(error)) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('reads a valid environment, with the defaults', () => {
    const config = loadConfig(base, '/srv');
    expect(config).toEqual({
      nodeId: 'a',
      host: '127.0.0.1',
      port: 7001,
      peers: new Map([
        ['a', 'http://127.0.0.1:7001'],
        ['b', 'http://127.0.0.1:7002'],
        ['c', 'http://127.0.0.1:7003'],
      ]),
      dataDir: '/srv/.data',
      token: TOKEN,
      faults: false,
      tickMs: 100,
      join: false,
      forward: true,
      snapshotEvery: 10_000,
      maxRequestIds: 100_000,
    });
    expect(nodeDataDir(config)).toBe('/srv/.data/a');
  });

  it('reads the optional variables', () => {
    const config = loadConfig(
      { ...base, HOST: '0.0.0.0', BULWARK_FAULTS: '1', TICK_MS: '20', JOIN: 'true', FORWARD: '0', SNAPSHOT_EVERY: '0', MAX_REQUEST_IDS: '5', DATA_DIR: '/var/kv' },
      '/srv',
    );
    expect(config).toMatchObject({ host: '0.0.0.0', faults: true, tickMs: 20, join: true, forward: false, snapshotEvery: 0, maxRequestIds: 5, dataDir: '/var/kv' });
  });

  it('names every missing variable at once', () => {
    expect(problems({})).toEqual([
      "NODE_ID is required: this member's id, one of the PEERS ids",
      'PORT is required (an integer from 0 to 65535)',
      'PEERS is required: a comma-separated list of id=url, this member included (a=http://127.0.0.1:7001,b=…)',
      'DATA_DIR is required: the directory under which this member keeps its log (DATA_DIR/<NODE_ID>)',
      'CLUSTER_TOKEN is required: a shared secret of at least 16 characters',
    ]);
  });

  it.each([
    [{ PORT: '70000' }, 'PORT must be an integer from 0 to 65535, got "70000"'],
    [{ PORT: '12ab' }, 'PORT must be an integer from 0 to 65535, got "12ab"'],
    [{ NODE_ID: 'no spaces' }, 'NODE_ID must be letters, digits'],
    [{ NODE_ID: 'z' }, 'PEERS must include this member: NODE_ID "z" is not among a, b, c'],
    [{ PEERS: 'a=http://127.0.0.1:7001,a=http://127.0.0.1:7002' }, 'PEERS: "a" is listed twice'],
    [{ PEERS: 'a=ftp://127.0.0.1:7001' }, 'PEERS: the URL of "a" must be an http(s) base URL with no path, got "ftp://127.0.0.1:7001"'],
    [{ PEERS: 'a=http://127.0.0.1:7001/kv' }, 'PEERS: the URL of "a" must be an http(s) base URL'],
    [{ PEERS: 'a' }, 'PEERS: the URL of "a" must be'],
    [{ PEERS: '=http://x' }, 'PEERS: "=http://x" must be id=url'],
    [{ CLUSTER_TOKEN: 'short' }, 'CLUSTER_TOKEN must be at least 16 characters, got 5'],
    [{ CLUSTER_TOKEN: 'sixteen chars with spaces' }, 'CLUSTER_TOKEN must be printable ASCII with no spaces'],
    [{ BULWARK_FAULTS: 'yes' }, 'BULWARK_FAULTS must be 1 or 0 (or true/false), got "yes"'],
    [{ TICK_MS: '0' }, 'TICK_MS must be an integer from 1 to 10000, got "0"'],
    [{ MAX_REQUEST_IDS: '-3' }, 'MAX_REQUEST_IDS must be an integer from 1 to 10000000, got "-3"'],
  ])('refuses %j, naming the variable', (override, message) => {
    const found = problems({ ...base, ...override });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(message);
  });

  it('throws a ConfigError whose message lists the problems, one a line', () => {
    try {
      loadConfig({ ...base, PORT: 'x', TICK_MS: 'y' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).name).toBe('ConfigError');
      expect((error as ConfigError).message).toBe(
        'invalid configuration:\n  - PORT must be an integer from 0 to 65535, got "x"\n  - TICK_MS must be an integer from 1 to 10000, got "y"',
      );
    }
    expect(isConfigError(new Error('x'))).toBe(false);
  });
});
