import { show } from '../policies/validate.js';
import type { NodeId } from './entry.js';

/**
 * One membership step (etcd-io/raft's `ConfChangeSingle`):
 * - `'add-voter'`: make `node` a voter (a learner is promoted; a voter stays one);
 * - `'add-learner'`: make `node` a learner, which receives the log but does not vote (a voter
 *   is demoted — in a joint configuration, once it is left);
 * - `'promote'`: make the learner `node` a voter (refused unless it is a learner);
 * - `'remove'`: take `node` out of the configuration.
 */
export interface ConfChangeStep {
  readonly type: 'add-voter' | 'add-learner' | 'promote' | 'remove';
  readonly node: NodeId;
}

/**
 * How a change is carried out (etcd-io/raft's `ConfChangeTransition`):
 * - `'auto'` (default): one step is a simple change, applied at once (thesis §4.1: one server
 *   at a time keeps every two consecutive majorities overlapping); several steps go through a
 *   joint configuration that the leader leaves by itself;
 * - `'joint-implicit'`: always through a joint configuration, left by the leader automatically;
 * - `'joint-explicit'`: through a joint configuration that stays until a change with no steps
 *   (`{ changes: [] }`) leaves it.
 */
export type ConfChangeTransition = 'auto' | 'joint-implicit' | 'joint-explicit';

/**
 * A membership change, proposed with `Raft.proposeConfChange` and, once committed, applied by
 * every node with `Raft.applyConfChange` (etcd's `ConfChangeV2`). No steps leaves a joint
 * configuration. `context` travels with it, opaque to Raft (say, the new member's address).
 *
 * @example
 * const addD: ConfChange = { changes: [{ type: 'add-learner', node: 'd' }] };
 * const replaceAwithD: ConfChange = { changes: [{ type: 'add-voter', node: 'd' }, { type: 'remove', node: 'a' }] };
 */
export interface ConfChange {
  readonly changes: readonly ConfChangeStep[];
  readonly transition?: ConfChangeTransition;
  readonly context?: string;
}

const STEP_TYPES: ReadonlySet<string> = new Set(['add-voter', 'add-learner', 'promote', 'remove']);
const TRANSITIONS: ReadonlySet<string> = new Set(['auto', 'joint-implicit', 'joint-explicit']);

/**
 * Checks a {@link ConfChange}'s shape and returns it with defaults filled in.
 *
 * @throws {TypeError} naming the field that is wrong
 */
export function checkConfChange(change: ConfChange, where = 'Raft'): Required<Omit<ConfChange, 'context'>> & ConfChange {
  if (typeof change !== 'object' || change === null || !Array.isArray(change.changes)) {
    throw new TypeError(`${where}: a configuration change must be { changes: [...] }, got ${show(change)}`);
  }
  change.changes.forEach((step, i) => {
    if (typeof step !== 'object' || step === null || !STEP_TYPES.has(step.type)) {
      throw new TypeError(`${where}: changes[${i}].type must be 'add-voter', 'add-learner', 'promote' or 'remove', got ${show(step)}`);
    }
    if (typeof step.node !== 'string' || step.node === '') {
      throw new TypeError(`${where}: changes[${i}].node must be a non-empty string, got ${show(step.node)}`);
    }
  });
  const transition = change.transition ?? 'auto';
  if (!TRANSITIONS.has(transition)) {
    throw new TypeError(`${where}: transition must be 'auto', 'joint-implicit' or 'joint-explicit', got ${show(transition)}`);
  }
  if (change.context !== undefined && typeof change.context !== 'string') {
    throw new TypeError(`${where}: context must be a string, got ${show(change.context)}`);
  }
  return { ...change, transition };
}

/** Whether `change` leaves a joint configuration (it has no steps). */
export function leavesJoint(change: ConfChange): boolean {
  return change.changes.length === 0;
}

/**
 * Whether `change` goes through a joint configuration, and if so whether the leader leaves it
 * by itself (`autoLeave`).
 */
export function entersJoint(change: ConfChange): { readonly joint: boolean; readonly autoLeave: boolean } {
  const transition = change.transition ?? 'auto';
  const joint = !leavesJoint(change) && (transition !== 'auto' || change.changes.length > 1);
  return { joint, autoLeave: joint && transition !== 'joint-explicit' };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A change as the data of a `conf-change` log entry (UTF-8 JSON). */
export function encodeConfChange(change: ConfChange): Uint8Array {
  const { changes, transition = 'auto', context } = checkConfChange(change, 'encodeConfChange');
  const steps = changes.map(({ type, node }) => ({ type, node }));
  return encoder.encode(JSON.stringify(context === undefined ? { changes: steps, transition } : { changes: steps, transition, context }));
}

/**
 * The change a `conf-change` entry holds, to hand to `Raft.applyConfChange`.
 *
 * @throws {TypeError} when `data` is not an encoded {@link ConfChange}
 * @example
 * for (const entry of ready.committedEntries) {
 *   if (entry.type === 'conf-change') storage.setConfState(raft.applyConfChange(decodeConfChange(entry.data)));
 * }
 */
export function decodeConfChange(data: Uint8Array): ConfChange {
  if (!(data instanceof Uint8Array)) throw new TypeError(`decodeConfChange: data must be a Uint8Array, got ${show(data)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data));
  } catch (cause) {
    throw new TypeError('decodeConfChange: data is not an encoded configuration change', { cause });
  }
  return checkConfChange(parsed as ConfChange, 'decodeConfChange');
}
