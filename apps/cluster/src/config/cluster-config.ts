import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from './config-error.js';

/** A cluster member's configuration, read from the environment by {@link loadConfig}. */
export interface ClusterConfig {
  /** `NODE_ID`: this member's id, one of the `PEERS` ids. */
  readonly nodeId: string;
  /** `HOST` (default `127.0.0.1`): the interface to listen on. */
  readonly host: string;
  /** `PORT`: the port to listen on (0 picks a free one; tests use it). */
  readonly port: number;
  /** `PEERS`: every member's id and base URL, this one included, in the order given. */
  readonly peers: ReadonlyMap<string, string>;
  /** `DATA_DIR`: the parent of this member's data directory (`dataDir/<id>`), absolute. */
  readonly dataDir: string;
  /** `CLUSTER_TOKEN`: the shared secret of peer and operator requests (≥ 16 characters). */
  readonly token: string;
  /** `BULWARK_FAULTS=1`: enables the transport fault hook and `/cluster/faults` (default off). */
  readonly faults: boolean;
  /** `TICK_MS` (default 100): milliseconds per Raft tick; an election takes 10–20 ticks. */
  readonly tickMs: number;
  /** `JOIN=1`: start with an empty membership and wait to be added by the leader (default off: the voters are the `PEERS` ids). */
  readonly join: boolean;
  /** `FORWARD=0` disables forwarding: followers answer 307 with the leader's address instead (default on). */
  readonly forward: boolean;
  /** `SNAPSHOT_EVERY` (default 10000): compact the log after this many applied entries; 0 never. */
  readonly snapshotEvery: number;
  /** `MAX_REQUEST_IDS` (default 100000): how many client request ids the dedupe table remembers. */
  readonly maxRequestIds: number;
}

/** The variables {@link loadConfig} reads, in the order it reports them. */
export const CONFIG_VARIABLES = [
  'NODE_ID',
  'PORT',
  'PEERS',
  'DATA_DIR',
  'CLUSTER_TOKEN',
  'HOST',
  'BULWARK_FAULTS',
  'TICK_MS',
  'JOIN',
  'FORWARD',
  'SNAPSHOT_EVERY',
  'MAX_REQUEST_IDS',
] as const;

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number | undefined, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    if (fallback === undefined) problems.push(`${name} is required (an integer from ${min} to ${max})`);
    return fallback ?? min;
  }
  const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    return fallback ?? min;
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean, problems: string[]): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  problems.push(`${name} must be 1 or 0 (or true/false), got ${JSON.stringify(raw)}`);
  return fallback;
}

function parsePeers(raw: string | undefined, problems: string[]): Map<string, string> {
  const peers = new Map<string, string>();
  if (raw === undefined || raw.trim() === '') {
    problems.push('PEERS is required: a comma-separated list of id=url, this member included (a=http://127.0.0.1:7001,b=…)');
    return peers;
  }
  for (const item of raw.split(',')) {
    const part = item.trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    const id = eq === -1 ? part : part.slice(0, eq).trim();
    const url = eq === -1 ? '' : part.slice(eq + 1).trim();
    if (!ID.test(id)) {
      problems.push(`PEERS: ${JSON.stringify(part)} must be id=url with an id of letters, digits, '_', '.', '-' (up to 64, starting with a letter or digit)`);
      continue;
    }
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '') {
      problems.push(`PEERS: the URL of ${JSON.stringify(id)} must be an http(s) base URL with no path, got ${JSON.stringify(url)}`);
      continue;
    }
    if (peers.has(id)) {
      problems.push(`PEERS: ${JSON.stringify(id)} is listed twice`);
      continue;
    }
    peers.set(id, parsed.origin);
  }
  if (peers.size === 0 && problems.length === 0) problems.push('PEERS lists no member');
  return peers;
}

/**
 * Reads and validates a member's configuration from the environment. Every problem is found in
 * one pass, and the error lists them all, each naming its variable.
 *
 * @param env the environment (`process.env`)
 * @param cwd what a relative `DATA_DIR` is resolved against (default `process.cwd()`)
 * @throws {ConfigError} when a variable is missing or malformed
 * @example
 * const config = loadConfig({ NODE_ID: 'a', PORT: '7001', PEERS: 'a=http://127.0.0.1:7001', DATA_DIR: '.data', CLUSTER_TOKEN: 'x'.repeat(16) });
 */
export function loadConfig(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): ClusterConfig {
  const problems: string[] = [];
  const nodeId = env.NODE_ID?.trim() ?? '';
  if (nodeId === '') problems.push('NODE_ID is required: this member\'s id, one of the PEERS ids');
  else if (!ID.test(nodeId)) problems.push(`NODE_ID must be letters, digits, '_', '.', '-' (up to 64, starting with a letter or digit), got ${JSON.stringify(nodeId)}`);
  const port = integer(env, 'PORT', undefined, 0, 65535, problems);
  const peers = parsePeers(env.PEERS, problems);
  if (ID.test(nodeId) && peers.size > 0 && !peers.has(nodeId)) {
    problems.push(`PEERS must include this member: NODE_ID ${JSON.stringify(nodeId)} is not among ${[...peers.keys()].join(', ')}`);
  }
  const rawDir = env.DATA_DIR?.trim() ?? '';
  if (rawDir === '') problems.push('DATA_DIR is required: the directory under which this member keeps its log (DATA_DIR/<NODE_ID>)');
  const token = env.CLUSTER_TOKEN ?? '';
  if (token === '') problems.push('CLUSTER_TOKEN is required: a shared secret of at least 16 characters');
  else if (token.length < 16) problems.push(`CLUSTER_TOKEN must be at least 16 characters, got ${token.length}`);
  else if (!/^[\x21-\x7e]+$/.test(token)) problems.push('CLUSTER_TOKEN must be printable ASCII with no spaces (it travels in an HTTP header)');
  const host = env.HOST?.trim() || '127.0.0.1';
  const faults = flag(env, 'BULWARK_FAULTS', false, problems);
  const tickMs = integer(env, 'TICK_MS', 100, 1, 10_000, problems);
  const join = flag(env, 'JOIN', false, problems);
  const forward = flag(env, 'FORWARD', true, problems);
  const snapshotEvery = integer(env, 'SNAPSHOT_EVERY', 10_000, 0, 1_000_000_000, problems);
  const maxRequestIds = integer(env, 'MAX_REQUEST_IDS', 100_000, 1, 10_000_000, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    nodeId,
    host,
    port,
    peers,
    dataDir: isAbsolute(rawDir) ? rawDir : resolve(cwd, rawDir),
    token,
    faults,
    tickMs,
    join,
    forward,
    snapshotEvery,
    maxRequestIds,
  };
}

/** This member's own data directory: `DATA_DIR/<NODE_ID>`. */
export function nodeDataDir(config: Pick<ClusterConfig, 'dataDir' | 'nodeId'>): string {
  return join(config.dataDir, config.nodeId);
}
