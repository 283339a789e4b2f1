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
  | { readonly kind: 'timeout' };

const TIMEOUT = Object.freeze({ kind: 'timeout' as const });
/** Where the walk stands when it has just reached a new (set, state) pair. */
const ARRIVED = -2;

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
 * Walking the entry list from the head, the search tries each call that may come next: if the
 * model accepts it from the current state, and the resulting pair is new, it is linearized
 * (pushed, lifted) and the walk restarts from the head. Reaching a return means the operation
 * that returns there cannot be placed: the search pops the last operation and tries that
 * operation's other next states, then the calls after it. It succeeds once every operation with a
 * known outcome is linearized (the rest are taken not to have taken effect), and fails when it
 * must pop from an empty stack.
 *
 * One pruning beyond Porcupine's: a read-only operation (see the model's `readOnly`) that may come
 * next is linearized first, and the search never backtracks into orders that delay it (`forced`).
 */
export function searchPartition<S, I, O>(
  model: LinearizabilityModel<S, I, O>,
  operations: readonly HistoryOperation<I, O>[],
  limit: TimeLimit,
): SearchOutcome<S> {
  return new PartitionSearch(model, operations).run(limit);
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

  constructor(model: LinearizabilityModel<S, I, O>, operations: readonly HistoryOperation<I, O>[]) {
    this.model = model;
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
    this.state = model.init();
    this.stateId = this.interner.id(this.state);
    this.bestState = this.state;
  }

  run(limit: TimeLimit): SearchOutcome<S> {
    if (this.remaining === 0) return this.success();
    const { next, match, op: opOf } = this.list;
    let node = ARRIVED;
    for (;;) {
      if (--limit.countdown === 0 && limit.expired()) return TIMEOUT;
      let pushed: boolean;
      if (node === ARRIVED) {
        const forced = this.pushForced();
        if (forced === 'none') {
          node = next[HEAD];
          continue;
        }
        pushed = forced === 'pushed';
        if (!pushed) {
          node = this.backtrack();
          if (node === NIL) return this.failure();
          pushed = this.retry(node);
        }
      } else if (match[node] !== NIL) {
        pushed = this.tryChoices(node, this.step(opOf[node]), 0, true);
      } else {
        // A return: that operation cannot be placed before it returns, from this state.
        this.recordDeadEnd();
        node = this.backtrack();
        if (node === NIL) return this.failure();
        pushed = this.retry(node);
      }
      if (!pushed) {
        node = next[node];
      } else if (this.remaining === 0) {
        return this.success();
      } else {
        node = ARRIVED;
      }
    }
  }

  /** After popping the operation of call `node`: tries its other next states. */
  private retry(node: number): boolean {
    const depth = this.depth;
    return this.tryChoices(node, this.stackChoices[depth], this.stackChoice[depth] + 1, false);
  }

  /** The next states of operation `op` from the current state; sets `slot`. */
  private step(op: number): readonly S[] {
    const { model, steps, stateId } = this;
    const slot = (this.slot = steps.slot(stateId, op));
    const cached = steps.answer(slot, stateId, op);
    if (cached !== undefined) return cached;
    let choices: readonly S[];
    if (this.unknown[op] === 0) {
      choices = model.step(this.state, this.inputs[op], this.outputs[op]);
    } else {
      if (model.stepUnknown === undefined) throw new TypeError(`checkLinearizability: model ${JSON.stringify(model.name ?? 'model')} has no stepUnknown`);
      choices = model.stepUnknown(this.state, this.inputs[op]);
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
    for (let node = next[HEAD]; match[node] !== NIL; node = next[node]) {
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
      return this.tryChoices(node, choices, 0, true) ? 'pushed' : 'failed';
    }
    return 'none';
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
      const depth = this.depth++;
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
