export { createRedisNode } from './redis-cache-node.js';
export type { RedisCommandClient, RedisNodeOptions } from './redis-cache-node.js';
