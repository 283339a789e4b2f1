import type { Emit } from '../metric-set.js';
import { show } from '../options.js';

/** What every per-node collector reads from: something with an id, the `node` label. */
export interface NodeSource {
  readonly id: string;
}

/** One source, several, or a function returning the sources to export now (read at every scrape). */
export type NodeSources<S extends NodeSource> = S | readonly S[] | (() => Iterable<S>);

/**
 * Checks the sources argument of a per-node registration function (`registerRaftMetrics`,
 * `registerTransactionMetrics`) and returns what lists them at scrape time. A function is
 * called at every scrape, so the sources it returns are not checked here.
 *
 * @param where the function's name, which starts the message
 * @param argument the parameter's name (`nodes`, `sources`)
 * @param method the method every source must have besides its string `id` (`status`)
 * @param what one source in words (`a Raft node`)
 * @throws TypeError naming the argument and the value received
 */
export function nodeSources<S extends NodeSource>(where: string, argument: string, value: unknown, method: string, what: string): () => Iterable<S> {
  const ok = (s: unknown): boolean =>
    typeof s === 'object' && s !== null && typeof (s as Record<string, unknown>)[method] === 'function' && typeof (s as NodeSource).id === 'string';
  if (typeof value === 'function') return value as () => Iterable<S>;
  if (Array.isArray(value) && value.every(ok)) return () => value as readonly S[];
  if (ok(value)) return () => [value as S];
  throw new TypeError(`${where}: ${argument} must be ${what} (id and ${method}()), an array of them, or a function returning them, got ${show(value)}`);
}

/**
 * A scrape-time `read` that emits one series per source, labelled `node` with its id: `pick`
 * applied to what `stats` returns for it.
 */
export function perNode<S extends NodeSource, T>(list: () => Iterable<S>, stats: (source: S) => T, pick: (stats: T) => number): (emit: Emit<'node'>) => void {
  return (emit) => {
    for (const source of list()) emit({ node: source.id }, pick(stats(source)));
  };
}
