import { show } from '../../policies/validate.js';
import type { LinkOptions, SimNetwork } from './sim-network.js';
import type { SimRandom } from './sim-random.js';

/** The faults {@link scheduleNemesis} can inject by itself. */
export type NemesisFault = 'partition' | 'isolate' | 'one-way' | 'bridge' | 'pause' | 'crash' | 'flaky-link';

/** A fault of the caller's own (a leadership transfer, a membership change), drawn among the others. */
export interface CustomFault {
  /** Its name; the caller records it with `network.recordFault` if it should be traced. */
  readonly name: string;
  /** Relative weight against the built-in faults' weights. */
  readonly weight: number;
  /** Injects the fault now; `random` is the nemesis's own stream. */
  readonly run: (random: SimRandom) => void;
}

/** A range of virtual ms, both ends included. */
export interface MsRange {
  readonly min: number;
  readonly max: number;
}

/** Options of {@link scheduleNemesis}. */
export interface NemesisOptions {
  /** When the faults stop: at this virtual time everything is healed, resumed and restarted. Required. */
  readonly endMs: number;
  /** When the first fault may start. Default: the network's `now`. */
  readonly startMs?: number;
  /** The nodes to fault. Default: every node of the network. */
  readonly targets?: readonly string[];
  /** The gap between the starts of two faults. Default `{ min: 50, max: 300 }`. */
  readonly intervalMs?: MsRange;
  /** How long each fault lasts (cut short at `endMs`). Default `{ min: 50, max: 500 }`. */
  readonly durationMs?: MsRange;
  /**
   * Relative weight of each built-in fault; missing ones weigh 1, and `bridge` weighs 0 with
   * fewer than 3 targets. A weight of 0 switches a fault off.
   */
  readonly weights?: Partial<Record<NemesisFault, number>>;
  /** Faults of the caller's own, drawn with the built-in ones. Default none. */
  readonly custom?: readonly CustomFault[];
  /**
   * Most targets crashed or paused at once (whoever crashed or paused them): no pause or crash
   * starts beyond it. Default `floor((targets - 1) / 2)`: a majority stays up, as a Raft cluster
   * needs to make progress (set it higher to test safety alone).
   */
  readonly maxDown?: number;
  /** How a `flaky-link` fault degrades a link. Default: half the messages lost, 10–100 ms delay, half reordered. */
  readonly flakyLink?: Partial<LinkOptions>;
  /** The random source. Default: a fork of the network's. */
  readonly random?: SimRandom;
}

const WHERE = 'scheduleNemesis';
const FAULTS: readonly NemesisFault[] = ['partition', 'isolate', 'one-way', 'bridge', 'pause', 'crash', 'flaky-link'];

/**
 * Schedules random faults on `network` from `startMs` to `endMs`, each lasting a random
 * duration: partitions into two sides, an isolated node, one-way cuts, a bridge, a paused node,
 * a crashed node (restarted later through the network's `onRestart`), a flaky link, and the
 * caller's own faults. Only one network topology fault holds at a time (a new one heals the
 * last). At `endMs` every link heals, every paused target resumes and every crashed target
 * restarts, so a liveness phase can follow. Every choice comes from `random`, so the schedule
 * replays with the seed; it is drawn as the faults fire, in the network's event order.
 *
 * @example
 * const net = new SimNetwork<string>({ nodes: ['a', 'b', 'c'], seed: 7, deliver: () => {} });
 * scheduleNemesis(net, { endMs: 2_000, weights: { crash: 0 } }); // no crashes
 * net.runUntil(3_000);
 * net.faultCounts(); // { partition: …, pause: …, heal: … }
 *
 * @throws {TypeError | RangeError} for bad options (the message names them)
 */
export function scheduleNemesis<M>(network: SimNetwork<M>, options: NemesisOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${WHERE}: options must be an object`);
  const startMs = options.startMs ?? network.now;
  const { endMs } = options;
  if (typeof endMs !== 'number' || !Number.isFinite(endMs) || endMs < startMs) {
    throw new RangeError(`${WHERE}: options.endMs must be a finite time ≥ startMs (${startMs}), got ${show(endMs)}`);
  }
  if (typeof startMs !== 'number' || !(startMs >= network.now)) {
    throw new RangeError(`${WHERE}: options.startMs must be a time ≥ the network's now (${network.now}), got ${show(startMs)}`);
  }
  const targets = [...(options.targets ?? network.nodes)];
  for (const id of targets) network.isUp(id); // throws for an unknown node
  const interval = range('intervalMs', options.intervalMs ?? { min: 50, max: 300 }, 1);
  const duration = range('durationMs', options.durationMs ?? { min: 50, max: 500 }, 0);
  const maxDown = options.maxDown ?? Math.floor((targets.length - 1) / 2);
  if (!Number.isInteger(maxDown) || maxDown < 0) throw new RangeError(`${WHERE}: options.maxDown must be an integer ≥ 0, got ${show(maxDown)}`);
  const random = options.random ?? network.random.fork();
  const custom = options.custom ?? [];
  const weights: Record<string, number> = {};
  for (const fault of FAULTS) {
    const weight = options.weights?.[fault] ?? (fault === 'bridge' && targets.length < 3 ? 0 : 1);
    if (typeof weight !== 'number' || !(weight >= 0)) throw new RangeError(`${WHERE}: options.weights.${fault} must be a number ≥ 0, got ${show(weight)}`);
    weights[fault] = weight;
  }
  for (const fault of custom) {
    if (typeof fault?.run !== 'function' || typeof fault.name !== 'string' || weights[fault.name] !== undefined) {
      throw new TypeError(`${WHERE}: options.custom needs { name, weight, run } with distinct names, got ${show(fault)}`);
    }
    if (!(fault.weight >= 0)) throw new RangeError(`${WHERE}: options.custom weight of ${show(fault.name)} must be ≥ 0`);
    weights[fault.name] = fault.weight;
  }
  const flakyLink: Partial<LinkOptions> = { dropRate: 0.5, minDelayMs: 10, maxDelayMs: 100, reorderRate: 0.5, ...options.flakyLink };

  // The topology fault now in force: its end heals only if no newer one replaced it.
  let topology = 0;

  const startTopology = (apply: () => void, lastsMs: number): void => {
    network.heal();
    apply();
    const token = ++topology;
    at(lastsMs, () => {
      if (token === topology) network.heal();
    });
  };
  const at = (delayMs: number, run: () => void): void => {
    network.schedule(Math.min(delayMs, Math.max(0, endMs - network.now)), run);
  };
  const inject = (): void => {
    const lastsMs = random.int(duration.min, duration.max);
    const kind = random.weighted(weights);
    const up = targets.filter((id) => network.isUp(id) && !network.isPaused(id));
    switch (kind) {
      case 'partition': {
        const shuffled = random.shuffle(targets);
        const cut = random.int(1, Math.max(1, shuffled.length - 1));
        startTopology(() => network.partition(shuffled.slice(0, cut), shuffled.slice(cut)), lastsMs);
        break;
      }
      case 'isolate':
        startTopology(() => network.isolate(random.pick(targets)), lastsMs);
        break;
      case 'one-way': {
        const [from, to] = random.shuffle(targets);
        if (from !== undefined && to !== undefined) startTopology(() => network.cutOneWay(from, to), lastsMs);
        break;
      }
      case 'bridge': {
        const [via, ...rest] = random.shuffle(targets);
        const cut = Math.floor(rest.length / 2);
        if (via !== undefined) startTopology(() => network.bridge(rest.slice(0, cut), via, rest.slice(cut)), lastsMs);
        break;
      }
      case 'flaky-link': {
        const [from, to] = random.shuffle(targets);
        if (from !== undefined && to !== undefined) startTopology(() => network.configureLink(from, to, flakyLink), lastsMs);
        break;
      }
      case 'pause':
      case 'crash': {
        // Counted from the network, so faults injected by others count too.
        if (targets.length - up.length >= maxDown || up.length === 0) break;
        const node = random.pick(up);
        if (kind === 'pause') {
          network.pause(node);
          at(lastsMs, () => network.resume(node));
        } else {
          network.crash(node);
          at(lastsMs, () => network.restart(node));
        }
        break;
      }
      default:
        custom.find((fault) => fault.name === kind)?.run(random);
    }
  };

  let next = startMs + random.int(interval.min, interval.max);
  while (next < endMs) {
    network.schedule(next - network.now, inject);
    next += random.int(interval.min, interval.max);
  }
  // The end of the fault phase: scheduled after every fault's end (which are cut short to endMs
  // and were scheduled earlier, or run at endMs and are scheduled later but see `topology` moved).
  network.schedule(endMs - network.now, () => {
    topology++;
    network.heal();
    for (const id of targets) {
      network.resume(id);
      network.restart(id);
    }
  });
}

function range(name: string, value: MsRange, min: number): MsRange {
  if (typeof value !== 'object' || value === null || typeof value.min !== 'number' || typeof value.max !== 'number') {
    throw new TypeError(`${WHERE}: options.${name} must be { min, max } in ms, got ${show(value)}`);
  }
  if (!(value.min >= min) || !(value.max >= value.min) || !Number.isFinite(value.max)) {
    throw new RangeError(`${WHERE}: options.${name} must have ${min} ≤ min ≤ max < Infinity, got ${show(value)}`);
  }
  return value;
}
