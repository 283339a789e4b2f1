/**
 * Argument checks shared by the placement strategies, in the policies' message pattern:
 * `HashRing: options.virtualNodes must be a positive integer, got 0`.
 */
import { show } from '../../policies/validate.js';
import type { HashFunction } from './consistent-hash.js';

/** A node id: a non-empty string. */
export function checkNode(where: string, node: unknown): string {
  if (typeof node !== 'string' || node.length === 0) throw new TypeError(`${where}: node must be a non-empty string, got ${show(node)}`);
  return node;
}

/** A key: a string. */
export function checkKey(where: string, key: unknown): string {
  if (typeof key !== 'string') throw new TypeError(`${where}: key must be a string, got ${show(key)}`);
  return key;
}

/** A weight: a positive finite number (default 1). */
export function checkWeight(where: string, weight: unknown): number {
  if (weight === undefined) return 1;
  if (typeof weight !== 'number') throw new TypeError(`${where}: weight must be a positive finite number, got ${show(weight)}`);
  if (!(weight > 0) || weight === Infinity) throw new RangeError(`${where}: weight must be a positive finite number, got ${show(weight)}`);
  return weight;
}

/** The `n` of a preference list: a non-negative integer. */
export function checkCount(where: string, n: unknown): number {
  if (typeof n !== 'number') throw new TypeError(`${where}: n must be a non-negative integer, got ${show(n)}`);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${where}: n must be a non-negative integer, got ${show(n)}`);
  return n;
}

/** The options object of a constructor (`undefined` reads as `{}`). */
export function checkOptions(where: string, options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${where}: options must be an object, got ${show(options)}`);
  }
  return options as Record<string, unknown>;
}

/** The `hash` option: a function, or `undefined` for the default. */
export function checkHash(where: string, hash: unknown): HashFunction | undefined {
  if (hash === undefined) return undefined;
  if (typeof hash !== 'function') throw new TypeError(`${where}: options.hash must be a function, got ${show(hash)}`);
  return hash as HashFunction;
}
