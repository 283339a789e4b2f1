/**
 * The nemesis's schedule, drawn in full from a seed before the run starts: which fault, on
 * whom, when it starts and when it heals. Pure, so a seed names a schedule and tests can check
 * it without a cluster.
 */
import { SimRandom } from '@bulwark/core/testing';

/** The faults the nemesis injects. */
export type ChaosFaultKind = 'kill' | 'pause' | 'partition' | 'isolate' | 'flaky';

/** Every {@link ChaosFaultKind}, in the order reports list them. */
export const CHAOS_FAULT_KINDS: readonly ChaosFaultKind[] = Object.freeze(['kill', 'pause', 'partition', 'isolate', 'flaky']);

/**
 * A member the fault hits: a fixed id, or `'leader'`, resolved when the fault starts (the
 * member the cluster then names as leader), since hitting the leader is what exercises
 * elections and in-flight proposals.
 */
export type MemberTarget = string | { readonly leader: true };

/** One fault: what it does until it heals. */
export type ChaosFault =
  /** SIGKILL the member; heal: restart it on the same data directory. */
  | { readonly kind: 'kill'; readonly target: MemberTarget }
  /** SIGSTOP the member; heal: SIGCONT. */
  | { readonly kind: 'pause'; readonly target: MemberTarget }
  /** Cut every peer link between the two sides (through the fault hook); heal: clear the rules. */
  | { readonly kind: 'partition'; readonly sides: readonly [readonly string[], readonly string[]] }
  /** Cut every peer link of one member; heal: clear the rules. */
  | { readonly kind: 'isolate'; readonly target: MemberTarget }
  /** Make one member's peer links lossy and slow (drop a share of its messages, delay the rest). */
  | { readonly kind: 'flaky'; readonly target: MemberTarget; readonly drop: number; readonly delayMs: number };

/** One scheduled fault, in ms since the fault phase began. */
export interface NemesisStep {
  readonly atMs: number;
  /** When the fault heals (after `atMs`). The next step starts after it. */
  readonly healAtMs: number;
  readonly fault: ChaosFault;
}

/** A range of ms, both ends included. */
export interface MsRange {
  readonly min: number;
  readonly max: number;
}

/** Options of {@link planNemesis}. */
export interface NemesisPlanOptions {
  /** The seed: the same seed and options give the same plan. Required. */
  readonly seed: number;
  /** The members' ids. Required, at least 1. */
  readonly members: readonly string[];
  /** Length of the fault phase, in ms: no fault starts or lasts past it. Required. */
  readonly durationMs: number;
  /** Quiet time before the first fault and between a heal and the next fault. Default `{ min: 500, max: 2000 }`. */
  readonly gapMs?: MsRange;
  /** How long a fault lasts. Default `{ min: 1000, max: 4000 }`. */
  readonly faultMs?: MsRange;
  /** Relative weight of each fault kind; missing ones weigh 1, 0 switches a kind off. */
  readonly weights?: Partial<Record<ChaosFaultKind, number>>;
  /** Chance that a kill, pause, isolate or flaky fault targets the leader rather than a random member. Default 0.5. */
  readonly leaderShare?: number;
}

const WHERE = 'planNemesis';

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function checkRange(name: string, value: MsRange): MsRange {
  if (typeof value !== 'object' || value === null || !Number.isInteger(value.min) || !Number.isInteger(value.max) || value.min < 0 || value.max < value.min) {
    throw new RangeError(`${WHERE}: options.${name} must be { min, max } with integers 0 ≤ min ≤ max, got ${show(value)}`);
  }
  return value;
}

/**
 * Draws the fault schedule: quiet gap, fault, heal, quiet gap, fault, … until `durationMs`.
 * One fault holds at a time, so at most one member is down or cut off and a majority of three
 * stays connected; a fault that would not heal before `durationMs` is not scheduled. A kill or
 * pause on a cluster of one is left out of the draw (nothing would answer).
 *
 * @throws RangeError or TypeError naming the option, for bad options
 * @example
 * planNemesis({ seed: 7, members: ['a', 'b', 'c'], durationMs: 30_000, weights: { kill: 0 } });
 * // [{ atMs: 1214, healAtMs: 3960, fault: { kind: 'pause', target: { leader: true } } }, …]
 */
export function planNemesis(options: NemesisPlanOptions): NemesisStep[] {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${WHERE}: options must be an object`);
  const { seed, members, durationMs } = options;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`${WHERE}: options.seed must be an integer, got ${show(seed)}`);
  if (!Array.isArray(members) || members.length === 0 || members.some((m) => typeof m !== 'string' || m === '') || new Set(members).size !== members.length) {
    throw new TypeError(`${WHERE}: options.members must be distinct non-empty ids, got ${show(members)}`);
  }
  if (!Number.isInteger(durationMs) || durationMs < 0) throw new RangeError(`${WHERE}: options.durationMs must be an integer ≥ 0, got ${show(durationMs)}`);
  const gap = checkRange('gapMs', options.gapMs ?? { min: 500, max: 2000 });
  const lasting = checkRange('faultMs', options.faultMs ?? { min: 1000, max: 4000 });
  const leaderShare = options.leaderShare ?? 0.5;
  if (typeof leaderShare !== 'number' || !(leaderShare >= 0 && leaderShare <= 1)) {
    throw new RangeError(`${WHERE}: options.leaderShare must be a number in [0, 1], got ${show(leaderShare)}`);
  }
  const weights: Record<ChaosFaultKind, number> = { kill: 1, pause: 1, partition: 1, isolate: 1, flaky: 1 };
  for (const [kind, weight] of Object.entries(options.weights ?? {})) {
    if (!CHAOS_FAULT_KINDS.includes(kind as ChaosFaultKind)) {
      throw new TypeError(`${WHERE}: options.weights has an unknown fault ${show(kind)} (known: ${CHAOS_FAULT_KINDS.join(', ')})`);
    }
    if (typeof weight !== 'number' || !(weight >= 0) || !Number.isFinite(weight)) {
      throw new RangeError(`${WHERE}: options.weights.${kind} must be a finite number ≥ 0, got ${show(weight)}`);
    }
    weights[kind as ChaosFaultKind] = weight;
  }
  // One member: nothing to cut, and nothing would answer while it is down.
  if (members.length < 2) {
    weights.kill = 0;
    weights.pause = 0;
    weights.partition = 0;
    weights.isolate = 0;
    weights.flaky = 0;
  }
  const steps: NemesisStep[] = [];
  if (CHAOS_FAULT_KINDS.every((kind) => weights[kind] === 0)) return steps;

  const random = new SimRandom(seed);
  const target = (): MemberTarget => (random.chance(leaderShare) ? { leader: true } : random.pick(members));
  let at = random.int(gap.min, gap.max);
  for (;;) {
    const lasts = Math.max(1, random.int(lasting.min, lasting.max));
    if (at + lasts > durationMs) break;
    const kind = random.weighted(weights);
    let fault: ChaosFault;
    switch (kind) {
      case 'partition': {
        const shuffled = random.shuffle(members);
        // A minority of one or more on one side, the rest on the other.
        const cut = random.int(1, Math.floor((shuffled.length - 1) / 2) || 1);
        fault = { kind, sides: [shuffled.slice(0, cut), shuffled.slice(cut)] };
        break;
      }
      case 'flaky':
        fault = { kind, target: target(), drop: random.int(10, 50) / 100, delayMs: random.int(5, 50) };
        break;
      default:
        fault = { kind, target: target() };
    }
    steps.push({ atMs: at, healAtMs: at + lasts, fault });
    at += lasts + random.int(gap.min, gap.max);
  }
  return steps;
}

/** The target as text: the id, or `leader`. */
export function describeTarget(target: MemberTarget): string {
  return typeof target === 'string' ? target : 'leader';
}

/**
 * One line for a fault, with its resolved target when known: `kill b`, `kill leader (b)`,
 * `partition a | b c`, `flaky c (drop 30%, delay 12 ms)`.
 */
export function describeFault(fault: ChaosFault, resolved?: string): string {
  if (fault.kind === 'partition') return `partition ${fault.sides[0].join(' ')} | ${fault.sides[1].join(' ')}`;
  const who = typeof fault.target === 'string' ? fault.target : `leader${resolved === undefined ? '' : ` (${resolved})`}`;
  if (fault.kind === 'flaky') return `flaky ${who} (drop ${Math.round(fault.drop * 100)}%, delay ${fault.delayMs} ms)`;
  return `${fault.kind} ${who}`;
}
