import { EntryList, HEAD, NIL } from './entry-list.js';
import { isUnknownOutcome } from './history-operation.js';
import type { HistoryOperation } from './history-operation.js';
import type { LinearizabilityModel } from './linearizability-model.js';
import { StateInterner } from './state-interner.js';
import { StepCache } from './step-cache.js';
import type { TimeLimit } from './time-limit.js';
import { VisitedSet } from './visited-set.js';

/** What the search of one partition found; operations are indices into the partition. */
export type SearchOutcome<S> =
  | { readonly kind: 'ok'; readonly order: readonly number[] }
  | { readonly kind: 'illegal'; readonly prefix: readonly number[]; readonly state: S }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'configuration-limit' };

/** Options of {@link searchPartition}. */
export interface SearchOptions {
  /** Stop once the memo holds this many pairs (default Infinity). */
  readonly maxConfigurations?: number;
  /** See {@link LOOKAHEAD_AFTER_DEAD_ENDS} (the default); tests set it to 0 or Infinity. */
  readonly lookaheadAfterDeadEnds?: number;
}

const TIMEOUT = Object.freeze({ kind: 'timeout' as const });
const CONFIGURATION_LIMIT = Object.freeze({ kind: 'configuration-limit' as const });
/** Thrown from deep in the search when the memo is full; caught by `searchPartition`. */
class ConfigurationLimitReached {}
/** What `popAndRetry` answers when the popped operation took another next state. */
const FOUND = -2;
/** What `popAndRetry` answers when there was nothing to pop: the partition is not linearizable. */
const EXHAUSTED = -3;
/**
 * Dead ends (returns reached) after which the search looks one step ahead for reads (see
 * `readSatisfier`): most partitions never get there and pay nothing for it.
 */
export const LOOKAHEAD_AFTER_DEAD_ENDS = 64;

/** murmur3's finaliser: spreads every input bit over the low bits that index the table. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * Decides whether one partition's operations are linearizable: Wing & Gong's backtracking search
 * with Lowe's memo of visited (linearized set, state) pairs, as in Porcupine.
 *
 * At each step the candidates are the calls before the first return left in the entry list (the
 * operations that may come next), tried in call order: if the model accepts one from the current
 * state, and the resulting pair is new, it is linearized (pushed, lifted) and the search goes on
 * from there. When every candidate fails, the operation that returns first cannot be placed: the
 * search pops the last operation and tries that operation's other next states, then the
 * candidates after it. It succeeds once every operation with a known outcome is linearized (the
 * rest are taken not to have taken effect), and fails when it must pop from an empty stack.
 *
 * Prunings beyond Porcupine's:
 * - a read-only operation (see the model's `readOnly`) that may come next and keeps the state is
 *   linearized first, and the search never backtracks into orders that delay it (`forced`);
 * - an operation with an unknown outcome that is read-only is left out (it cannot matter);
 * - once the search has met `LOOKAHEAD_AFTER_DEAD_ENDS` dead ends, it first tries the candidate
 *   after which a pending read can take effect (`readSatisfier`).
 */
export function searchPartition<S, I, O>(
  model: LinearizabilityModel<S, I, O>,
  operations: readonly HistoryOperation<I, O>[],
  limit: TimeLimit,
  options: SearchOptions = {},
): SearchOutcome<S> {
  try {
    return new PartitionSearch(model, operations, options).run(limit);
  } catch (error) {
    if (error instanceof ConfigurationLimitReached) return CONFIGURATION_LIMIT;
    throw error;
  }
}

class PartitionSearch<S, I, O> {
  private readonly inputs: I[];
  private readonly outputs: O[];
  private readonly unknown: Uint8Array;
  /** The model's `readOnly` for each operation. */
  private readonly readOnly: Uint8Array;
  /** A fixed random word per operation; the linearized set's hash is the XOR of its members' (Zobrist). */
  private readonly zobrist: Int32Array;
  private readonly list: EntryList;
  private readonly linearized: Uint32Array;
  private readonly visited: VisitedSet;
  private readonly interner: StateInterner<S>;
  private readonly steps: StepCache<S>;
  /** The step cache slot of the last `step()`. */
  private slot = 0;

  // The stack of linearized operations: each one's call node, the state before it, and the next
  // states its step offered with the one taken, to try the others after backtracking.
  private readonly stackNode: Int32Array;
  private readonly stackState: S[];
  private readonly stackStateId: Int32Array;
  private readonly stackChoices: Array<readonly S[]>;
  private readonly stackChoice: Int32Array;
  // Whether the operation is read-only (the model's `readOnly`: it changes no state, wherever it
  // is placed). Such an operation may as well be linearized as soon as it may come next: moving it
  // earlier in any linearization changes no other operation's state and breaks no real-time
  // order (nothing left returned before its call). So if the search fails after it, it fails
  // without it: backtracking pops past it, and it is tried before any other candidate.
  private readonly forced: Uint8Array;
  // The candidates of each depth, in the order the walk tries them: depth d's are
  // order[start[d] .. start[d] + candidates[d]), of which the first tried[d] have been tried.
  // A deeper depth's come after them, so a depth's survive the search below it.
  private order: Int32Array;
  private readonly start: Int32Array;
  private readonly candidates: Int32Array;
  private readonly tried: Int32Array;
  /** Scratch: the pending reads of `readSatisfier`. */
  private readonly reads: Int32Array;
  private deadEnds = 0;
  private readonly lookaheadAfter: number;
  private readonly maxConfigurations: number;
  private depth = 0;
  private state: S;
  private stateId: number;
  private setHash = 0;
  /** Operations with a known outcome not yet linearized. */
  private remaining = 0;

  private bestDepth = -1;
  private bestPrefix: number[] = [];
  private bestState: S;

  private readonly model: LinearizabilityModel<S, I, O>;

  constructor(model: LinearizabilityModel<S, I, O>, operations: readonly HistoryOperation<I, O>[], options: SearchOptions) {
    this.model = model;
    this.lookaheadAfter = options.lookaheadAfterDeadEnds ?? LOOKAHEAD_AFTER_DEAD_ENDS;
    this.maxConfigurations = options.maxConfigurations ?? Infinity;
    const n = operations.length;
    const calls = new Float64Array(n);
    const returns = new Float64Array(n);
    this.unknown = new Uint8Array(n);
    this.readOnly = new Uint8Array(n);
    this.inputs = new Array<I>(n);
    this.outputs = new Array<O>(n);
    this.zobrist = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const operation = operations[i];
      const unknown = isUnknownOutcome(operation);
      calls[i] = operation.call;
      returns[i] = unknown ? Infinity : operation.return;
      this.unknown[i] = unknown ? 1 : 0;
      this.inputs[i] = operation.input;
      this.outputs[i] = operation.output as O;
      this.readOnly[i] = model.readOnly?.(operation.input, unknown ? undefined : operation.output) === true ? 1 : 0;
      this.zobrist[i] = mix(Math.imul(i + 1, 0x9e3779b9));
      if (!unknown) this.remaining++;
    }
    this.list = new EntryList(calls, returns);
    this.linearized = new Uint32Array((n + 31) >>> 5);
    this.visited = new VisitedSet(this.linearized.length);
    this.interner = new StateInterner(model as LinearizabilityModel<S, unknown, unknown>);
    this.steps = new StepCache<S>(n);
    this.stackNode = new Int32Array(n);
    this.stackState = new Array<S>(n);
    this.stackStateId = new Int32Array(n);
    this.stackChoices = new Array<readonly S[]>(n);
    this.stackChoice = new Int32Array(n);
    this.forced = new Uint8Array(n);
    this.order = new Int32Array(Math.max(64, 4 * n));
    this.start = new Int32Array(n + 2);
    this.candidates = new Int32Array(n + 1);
    this.tried = new Int32Array(n + 1);
    this.reads = new Int32Array(n);
    this.state = model.init();
    this.stateId = this.interner.id(this.state);
    this.bestState = this.state;
    // An operation with an unknown outcome that changes no state (a read that timed out) cannot
    // matter: it leaves the list before the search starts, and is never linearized.
    for (let node = this.list.next[HEAD]; node !== NIL; node = this.list.next[node]) {
      const op = this.list.op[node];
      if (this.list.isCall(node) && this.unknown[op] === 1 && this.readOnly[op] === 1) this.list.lift(node);
    }
  }

  run(limit: TimeLimit): SearchOutcome<S> {
    if (this.remaining === 0) return this.success();
    const { candidates, tried, start } = this;
    let arrived = true;
    for (;;) {
      if (--limit.countdown === 0 && limit.expired()) return TIMEOUT;
      if (arrived) {
        const forced = this.pushForced();
        if (forced === 'pushed') {
          if (this.remaining === 0) return this.success();
          continue;
        }
        if (forced === 'failed') {
          // Its pair was explored already: so was this one.
          const popped = this.popAndRetry();
          if (popped === EXHAUSTED) return this.failure();
          arrived = popped === FOUND;
          continue;
        }
        this.orderCandidates();
      }
      // Try this depth's candidates in order (see orderCandidates).
      const d = this.depth;
      const base = start[d];
      let pushed = false;
      while (tried[d] < candidates[d]) {
        if (this.tryCall(this.order[base + tried[d]++])) {
          pushed = true;
          break;
        }
      }
      if (pushed) {
        if (this.remaining === 0) return this.success();
        arrived = true;
        continue;
      }
      // Every candidate failed: the operation due first cannot be placed from this state.
      this.recordDeadEnd();
      const popped = this.popAndRetry();
      if (popped === EXHAUSTED) return this.failure();
      arrived = popped === FOUND;
    }
  }

  /**
   * Starts the walk of this depth's candidates (gathered by `pushForced` in call order, as
   * Porcupine tries them), a read's satisfier first once the search has met dead ends (see
   * `readSatisfier`).
   */
  private orderCandidates(): void {
    const d = this.depth;
    this.tried[d] = 0;
    if (this.deadEnds < this.lookaheadAfter) return;
    const satisfier = this.readSatisfier();
    if (satisfier === NIL) return;
    const { order } = this;
    const base = this.start[d];
    let i = base;
    while (order[i] !== satisfier) i++;
    for (; i > base; i--) order[i] = order[i - 1];
    order[base] = satisfier;
  }

  /** Linearizes the operation of `call` into its first next state whose pair is new. */
  private tryCall(call: number): boolean {
    return this.tryChoices(call, this.step(this.list.op[call]), 0, true);
  }

  /**
   * Pops (see `backtrack`) and tries the popped operation's other next states: FOUND if one
   * was new, EXHAUSTED if nothing is left to pop, else 0 (the walk of the popped depth goes on).
   */
  private popAndRetry(): number {
    const node = this.backtrack();
    if (node === NIL) return EXHAUSTED;
    return this.retry(node) ? FOUND : 0;
  }

  /** After popping the operation of call `node`: tries its other next states. */
  private retry(node: number): boolean {
    const depth = this.depth;
    return this.tryChoices(node, this.stackChoices[depth], this.stackChoice[depth] + 1, false);
  }

  /** The next states of operation `op` from the current state; sets `slot`. */
  private step(op: number): readonly S[] {
    return this.stepFrom(this.state, this.stateId, op);
  }

  /** The next states of operation `op` from `state` (whose id is `stateId`); sets `slot`. */
  private stepFrom(state: S, stateId: number, op: number): readonly S[] {
    const { model, steps } = this;
    const slot = (this.slot = steps.slot(stateId, op));
    const cached = steps.answer(slot, stateId, op);
    if (cached !== undefined) return cached;
    let choices: readonly S[];
    if (this.unknown[op] === 0) {
      choices = model.step(state, this.inputs[op], this.outputs[op]);
    } else {
      if (model.stepUnknown === undefined) throw new TypeError(`checkLinearizability: model ${JSON.stringify(model.name ?? 'model')} has no stepUnknown`);
      choices = model.stepUnknown(state, this.inputs[op]);
    }
    if (!Array.isArray(choices)) {
      throw new TypeError(
        `checkLinearizability: model ${JSON.stringify(model.name ?? 'model')}'s ${this.unknown[op] === 0 ? 'step' : 'stepUnknown'} must return an array of next states, got ${typeof choices}`,
      );
    }
    steps.set(slot, stateId, op, choices);
    return choices;
  }

  /** The state id of `choices[c]`; `choices` came from the last `step()` when `fromStep`. */
  private idOf(choices: readonly S[], c: number, fromStep: boolean): number {
    if (!fromStep || choices.length !== 1) return this.interner.id(choices[c]);
    let id = this.steps.nextId(this.slot);
    if (id < 0) {
      id = this.interner.id(choices[0]);
      this.steps.setNextId(this.slot, id);
    }
    return id;
  }

  /**
   * Looks, among the operations that may come next, for a read-only one that the model accepts:
   * 'pushed' it, 'failed' if its pair was explored already (so this pair fails too), or 'none'.
   */
  private pushForced(): 'pushed' | 'failed' | 'none' {
    const { next, match, op: opOf } = this.list;
    const d = this.depth;
    const base = this.start[d];
    let count = 0;
    let node = next[HEAD];
    for (; match[node] !== NIL; node = next[node]) {
      if (base + count === this.order.length) this.growOrder();
      this.order[base + count++] = node;
      const op = opOf[node];
      if (this.readOnly[op] === 0) continue;
      const choices = this.step(op);
      if (choices.length !== 1) continue;
      // Comparing primitives directly spares hashing a new state (a long string, say) to intern it.
      const known = this.steps.nextId(this.slot);
      const same =
        known >= 0
          ? known === this.stateId
          : choices[0] === this.state || (!this.interner.byValue && this.idOf(choices, 0, true) === this.stateId);
      if (!same) continue;
      this.candidates[d] = 0;
      return this.tryChoices(node, choices, 0, true) ? 'pushed' : 'failed';
    }
    this.candidates[d] = count;
    return 'none';
  }

  private growOrder(): void {
    const order = new Int32Array(this.order.length * 2);
    order.set(this.order);
    this.order = order;
  }

  /**
   * A candidate that changes the state, has one next state, and after which a pending read (a
   * read-only candidate with a known outcome, which the current state does not satisfy) may take
   * effect: its call node, or NIL. Trying it first follows what the reads saw, where the walk in
   * call order would first try an operation that a read shows came later, and pay for refuting
   * every order of the operations concurrent with that read before coming back.
   */
  private readSatisfier(): number {
    const { next, match, op: opOf } = this.list;
    const { reads } = this;
    let count = 0;
    for (let node = next[HEAD]; match[node] !== NIL; node = next[node]) {
      const op = opOf[node];
      if (this.readOnly[op] === 1 && this.unknown[op] === 0) reads[count++] = op;
    }
    if (count === 0) return NIL;
    for (let node = next[HEAD]; match[node] !== NIL; node = next[node]) {
      const op = opOf[node];
      if (this.readOnly[op] === 1) continue;
      const choices = this.step(op);
      if (choices.length !== 1) continue;
      const nextState = choices[0];
      const nextId = this.idOf(choices, 0, true);
      for (let r = 0; r < count; r++) {
        const after = this.stepFrom(nextState, nextId, reads[r]);
        if (after.length === 1 && (after[0] === nextState || this.idOf(after, 0, true) === nextId)) return node;
      }
    }
    return NIL;
  }

  /**
   * Linearizes the operation of call `node` into the first of `choices[from..]` whose pair is
   * new; `fromStep` when `choices` is the last `step()`'s answer.
   */
  private tryChoices(node: number, choices: readonly S[], from: number, fromStep: boolean): boolean {
    const op = this.list.op[node];
    const bitWord = op >>> 5;
    const bit = 1 << (op & 31);
    const setHash = this.setHash ^ this.zobrist[op];
    for (let c = from; c < choices.length; c++) {
      const nextState = choices[c];
      const nextId = this.idOf(choices, c, fromStep);
      if (!this.visited.addIfAbsent(mix(setHash ^ Math.imul(nextId + 1, 0x9e3779b1)), this.linearized, op, nextId)) continue;
      if (this.visited.size >= this.maxConfigurations) throw new ConfigurationLimitReached();
      const depth = this.depth++;
      this.start[depth + 1] = this.start[depth] + this.candidates[depth];
      this.stackNode[depth] = node;
      this.stackState[depth] = this.state;
      this.stackStateId[depth] = this.stateId;
      this.stackChoices[depth] = choices;
      this.stackChoice[depth] = c;
      this.forced[depth] = this.readOnly[op] === 1 && choices.length === 1 && nextId === this.stateId ? 1 : 0;
      this.state = nextState;
      this.stateId = nextId;
      this.linearized[bitWord] |= bit;
      this.setHash = setHash;
      this.list.lift(node);
      if (this.unknown[op] === 0) this.remaining--;
      return true;
    }
    return false;
  }

  /** Pops operations down to one that is not forced, and returns its call node (NIL: none left). */
  private backtrack(): number {
    let node: number;
    do {
      if (this.depth === 0) return NIL;
      const depth = --this.depth;
      node = this.stackNode[depth];
      const op = this.list.op[node];
      this.state = this.stackState[depth];
      this.stateId = this.stackStateId[depth];
      this.linearized[op >>> 5] &= ~(1 << (op & 31));
      this.setHash ^= this.zobrist[op];
      this.list.unlift(node);
      if (this.unknown[op] === 0) this.remaining++;
    } while (this.forced[this.depth] === 1);
    return node;
  }

  /** Keeps the deepest dead end as the explanation of a failure. */
  private recordDeadEnd(): void {
    this.deadEnds++;
    if (this.depth <= this.bestDepth) return;
    const opOf = this.list.op;
    this.bestDepth = this.depth;
    this.bestPrefix = Array.from(this.stackNode.subarray(0, this.depth), (call) => opOf[call]);
    this.bestState = this.state;
  }

  private failure(): SearchOutcome<S> {
    return { kind: 'illegal', prefix: this.bestPrefix, state: this.bestState };
  }

  private success(): SearchOutcome<S> {
    const opOf = this.list.op;
    return { kind: 'ok', order: Array.from(this.stackNode.subarray(0, this.depth), (call) => opOf[call]) };
  }
}
