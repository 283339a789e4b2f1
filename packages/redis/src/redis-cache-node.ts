import type { CacheNode, CacheNodeCallOptions, CacheNodeSetOptions } from '@bulwark/core';
import type { RedisClientType } from 'redis';

/**
 * What the node needs of a Redis client: node-redis 5's `sendCommand(args, { abortSignal })`.
 * A client from `createClient()` of the `redis` package fits, whatever its modules and scripts
 * (Redis Cluster clients do not: their `sendCommand` takes a routing key first).
 */
export type RedisCommandClient = Pick<RedisClientType, 'sendCommand'>;

/** Options of {@link createRedisNode}. */
export interface RedisNodeOptions {
  /** A connected node-redis 5 client (required). The node never connects, closes or listens to it. */
  readonly client: RedisCommandClient;
  /**
   * Prepended to every key in Redis (default `''`). Give each cache its own, so that `keys()`
   * (SCAN) lists only the cache's entries and sweeps never touch other data in the database.
   */
  readonly prefix?: string;
  /** The COUNT hint of each SCAN step of `keys()` (default 100). */
  readonly scanCount?: number;
}

const show = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : typeof value === 'function' ? 'a function' : String(value));

/** Escapes Redis glob characters, so a prefix matches itself only. */
const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

/**
 * A Redis {@link CacheNode} for `createShardedCache`: `GET`, `SET … PX … NX`, `DEL`, `PTTL` and
 * `SCAN MATCH <prefix>*` over a node-redis 5 client. Each call passes the cache's signal on as
 * the command's `abortSignal`, so a command the cache gave up on is dropped from the client's
 * queue if it was not sent yet.
 *
 * Create the client with `disableOfflineQueue: true`: while disconnected it then rejects commands
 * at once (the cache reads that as a miss and its breaker counts it) instead of queueing them
 * until the cache's timeout. And listen to its `'error'` events, which node-redis emits on every
 * failed reconnection.
 *
 * @throws TypeError or RangeError naming the option when `client`, `prefix` or `scanCount` is invalid
 * @example
 * const client = createClient({ url: 'redis://cache-1:6379', disableOfflineQueue: true });
 * client.on('error', (error) => log.warn('cache-1', error));
 * await client.connect();
 * const cache = createShardedCache({ nodes: { 'cache-1': createRedisNode({ client, prefix: 'products:' }) } });
 */
export function createRedisNode(options: RedisNodeOptions): CacheNode {
  if (typeof options !== 'object' || options === null) throw new TypeError(`createRedisNode: options must be an object, got ${show(options)}`);
  const { client, prefix = '', scanCount = 100 } = options;
  if (typeof client !== 'object' || client === null || typeof client.sendCommand !== 'function') {
    throw new TypeError(`createRedisNode: options.client must be a node-redis client with sendCommand(), got ${show(client)}`);
  }
  if (typeof prefix !== 'string') throw new TypeError(`createRedisNode: options.prefix must be a string, got ${show(prefix)}`);
  if (typeof scanCount !== 'number' || !Number.isInteger(scanCount) || scanCount < 1) {
    throw new (typeof scanCount === 'number' ? RangeError : TypeError)(`createRedisNode: options.scanCount must be a positive integer, got ${show(scanCount)}`);
  }
  const send = <T>(args: string[], call?: CacheNodeCallOptions): Promise<T> =>
    client.sendCommand<T>(args, call?.signal === undefined ? undefined : { abortSignal: call.signal });

  return {
    async get(key, call) {
      const value = await send<string | null>(['GET', prefix + key], call);
      return value ?? undefined;
    },

    async set(key, value, call?: CacheNodeSetOptions) {
      const args = ['SET', prefix + key, value];
      // PX takes whole milliseconds, at least 1.
      if (call?.ttlMs !== undefined) args.push('PX', String(Math.max(1, Math.ceil(call.ttlMs))));
      if (call?.onlyIfAbsent === true) args.push('NX');
      return (await send<string | null>(args, call)) === 'OK';
    },

    async delete(key, call) {
      return (await send<number>(['DEL', prefix + key], call)) > 0;
    },

    async *keys(call) {
      const pattern = `${escapeGlob(prefix)}*`;
      let cursor = '0';
      do {
        const [next, batch] = await send<[string, string[]]>(['SCAN', cursor, 'MATCH', pattern, 'COUNT', String(scanCount)], call);
        for (const key of batch) yield key.slice(prefix.length);
        cursor = next;
      } while (cursor !== '0');
    },

    async ttl(key, call) {
      const ms = await send<number>(['PTTL', prefix + key], call);
      // -2: no such key; -1: no expiry.
      return ms === -2 ? undefined : ms === -1 ? Infinity : ms;
    },
  };
}
