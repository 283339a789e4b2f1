import { show } from '../../policies/validate.js';

/**
 * How one directed link treats a message. Each message's delay is drawn in
 * `[minDelayMs, maxDelayMs]`; messages keep their order on the link (FIFO) unless chosen to be
 * reordered.
 */
export interface LinkOptions {
  /** Shortest delay, in virtual ms. Default 1. */
  readonly minDelayMs: number;
  /** Longest delay, in virtual ms (≥ `minDelayMs`). Default 5. */
  readonly maxDelayMs: number;
  /** Chance a message is lost, in `[0, 1]`. Default 0. */
  readonly dropRate: number;
  /** Chance a message is delivered twice (each copy with its own delay), in `[0, 1]`. Default 0. */
  readonly duplicateRate: number;
  /** Chance a message ignores FIFO order on its link (it may overtake or be overtaken). Default 0. */
  readonly reorderRate: number;
}

/** Every link's default: 1–5 ms, nothing lost, duplicated or reordered. */
export const DEFAULT_LINK: LinkOptions = { minDelayMs: 1, maxDelayMs: 5, dropRate: 0, duplicateRate: 0, reorderRate: 0 };

/** A link's settings in a trace line. */
export function describeLink(link: LinkOptions): string {
  return `delay ${link.minDelayMs}-${link.maxDelayMs}ms drop ${link.dropRate} dup ${link.duplicateRate} reorder ${link.reorderRate}`;
}

/**
 * `options` over `base`, checked.
 *
 * @throws {TypeError | RangeError} naming `where` and the field
 */
export function resolveLink(owner: string, base: LinkOptions, options: Partial<LinkOptions> | undefined, where: string): LinkOptions {
  if (options === undefined) return base;
  if (typeof options !== 'object' || options === null) throw new TypeError(`${owner}: ${where} must be an object, got ${show(options)}`);
  const merged = { ...base, ...options };
  for (const name of ['minDelayMs', 'maxDelayMs'] as const) {
    const value: unknown = merged[name];
    if (typeof value !== 'number') throw new TypeError(`${owner}: ${where}.${name} must be a number of ms, got ${show(value)}`);
    if (!(value >= 0) || value === Infinity) throw new RangeError(`${owner}: ${where}.${name} must be a finite number ≥ 0, got ${show(value)}`);
  }
  if (merged.maxDelayMs < merged.minDelayMs) {
    throw new RangeError(`${owner}: ${where}.maxDelayMs must be ≥ minDelayMs (${merged.minDelayMs}), got ${merged.maxDelayMs}`);
  }
  for (const name of ['dropRate', 'duplicateRate', 'reorderRate'] as const) {
    const value: unknown = merged[name];
    if (typeof value !== 'number') throw new TypeError(`${owner}: ${where}.${name} must be a number from 0 to 1, got ${show(value)}`);
    if (!(value >= 0 && value <= 1)) throw new RangeError(`${owner}: ${where}.${name} must be a number from 0 to 1, got ${show(value)}`);
  }
  return merged;
}
