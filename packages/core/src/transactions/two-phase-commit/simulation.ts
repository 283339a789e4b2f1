import { CrashError, CrashFs } from '../../raft/wal/crash-fs.js';
import { seededRandom } from '../../testing/seeded-random.js';
import type { Random } from '../../time/random.js';
import { RecordLog } from '../log/record-log.js';
import { Coordinator, type CoordinatorBugs } from './coordinator.js';
import { FileDecisionLog } from './decision-log.js';
import type { TransactionMessage } from './messages.js';
import { type LockPolicy, Participant, type ParticipantBugs } from './participant.js';
import { decodeParticipantRecord, encodeParticipantRecord } from './participant-record.js';
import type { ParticipantWork, PartyId, TxId } from './types.js';

/**
 * Test-only: a deterministic simulation of one coordinator and `participants` participants
 * running the pure cores over simulated disks (`CrashFs` under `RecordLog`) and a lossy network,
 * with the drive order of the runtimes (persist, then send, then effects, then advance). Random
 * mode: drops, duplicates, delays and power cuts at random; targeted modes: crash one party's
 * disk at write step `crashAt.step`, or drop / duplicate the n-th message sent. Then everything
 * heals and runs until quiet, and the invariants are checked (see `checkInvariants`).
 */
export interface TwoPhaseSimulationOptions {
  readonly seed: number;
  readonly participants?: number;
  readonly transactions?: number;
  /** Keys per participant (fewer: more lock conflicts). */
  readonly keys?: number;
  readonly lockPolicy?: LockPolicy;
  readonly dropRate?: number;
  readonly duplicateRate?: number;
  /** Chance per tick that some party loses power (random mode). */
  readonly crashRate?: number;
  /** Crash this party's (`'c'`, `'p0'`, `'p1'`, …) disk at this write step of its first incarnation. */
  readonly crashAt?: { readonly party: PartyId; readonly step: number };
  /** Drop (or duplicate) the n-th message sent, from 1. */
  readonly dropMessage?: number;
  readonly duplicateMessage?: number;
  /** Ticks of the faulty phase before healing. Default 150. */
  readonly faultTicks?: number;
  readonly bugs?: { readonly participant?: ParticipantBugs; readonly coordinator?: CoordinatorBugs; readonly lazyCommit?: boolean };
}

/** Test-only: what a simulation run did. */
export interface TwoPhaseSimulationReport {
  readonly seed: number;
  readonly committed: number;
  readonly aborted: number;
  /** Transactions whose client never heard (the coordinator crashed): resolved all the same. */
  readonly unknownToClient: number;
  readonly crashes: number;
  readonly messages: number;
  readonly dropped: number;
  readonly duplicated: number;
  /** Whether the targeted `crashAt` was reached. */
  readonly crashedAtStep: boolean;
  /** The write steps each party's first disk took (to know how far to sweep `crashAt`). */
  readonly diskSteps: Readonly<Record<PartyId, number>>;
  readonly ticks: number;
}

const COORDINATOR = 'c';
const TIMEOUT_TICKS = 40;
const HEAL_TICKS = 4000;

interface Store {
  readonly values: Map<string, string | null>;
  readonly applied: Set<TxId>;
}

interface Party {
  readonly id: PartyId;
  disk: CrashFs;
  readonly firstDisk: CrashFs;
  up: boolean;
  downUntil: number;
}

interface SimP extends Party {
  log: RecordLog | undefined;
  core: Participant | undefined;
  readonly store: Store;
  conflicting: number;
}

interface SimC extends Party {
  dlog: FileDecisionLog | undefined;
  core: Coordinator | undefined;
  readonly deadlines: Map<TxId, number>;
}

/** Test-only: a broken invariant, with the seed to replay it. */
export class SimulationViolation extends Error {
  override readonly name = 'SimulationViolation';
}

/** Test-only: runs one simulation; throws {@link SimulationViolation} when an invariant breaks. */
export function runTwoPhaseSimulation(options: TwoPhaseSimulationOptions): TwoPhaseSimulationReport {
  return new Simulation(options).run();
}

class Simulation {
  readonly #o: TwoPhaseSimulationOptions;
  readonly #random: Random;
  readonly #ps: SimP[] = [];
  readonly #c: SimC;
  #now = 0;
  #inflight: Array<{ at: number; seq: number; message: TransactionMessage }> = [];
  #seq = 0;
  #sent = 0;
  #dropped = 0;
  #duplicated = 0;
  #crashes = 0;
  #crashedAtStep = false;
  readonly #work = new Map<TxId, Readonly<Record<PartyId, ParticipantWork>>>();
  readonly #outcomes = new Map<TxId, 'committed' | 'aborted'>();
  readonly #schedule = new Map<number, TxId[]>();

  constructor(options: TwoPhaseSimulationOptions) {
    this.#o = options;
    this.#random = seededRandom(options.seed);
    const n = options.participants ?? 3;
    const disk = (id: PartyId): CrashFs => new CrashFs(options.crashAt?.party === id ? options.crashAt.step : Infinity);
    for (let i = 0; i < n; i++) {
      const d = disk(`p${i}`);
      this.#ps.push({ id: `p${i}`, disk: d, firstDisk: d, up: false, downUntil: 0, log: undefined, core: undefined, store: { values: new Map(), applied: new Set() }, conflicting: 0 });
    }
    const cd = disk(COORDINATOR);
    this.#c = { id: COORDINATOR, disk: cd, firstDisk: cd, up: false, downUntil: 0, dlog: undefined, core: undefined, deadlines: new Map() };
    this.#plan(n);
  }

  run(): TwoPhaseSimulationReport {
    const faultTicks = this.#o.faultTicks ?? 150;
    for (const p of this.#ps) this.#restart(p);
    this.#restart(this.#c);
    for (this.#now = 1; this.#now <= faultTicks + HEAL_TICKS; this.#now++) {
      const healing = this.#now > faultTicks;
      for (const txId of this.#schedule.get(this.#now) ?? []) this.#begin(txId);
      this.#deliver(healing);
      for (const party of [this.#c, ...this.#ps]) {
        if (!party.up && (healing || party.downUntil <= this.#now)) this.#restart(party);
      }
      if (!healing && this.#random() < (this.#o.crashRate ?? 0)) {
        const all = [this.#c, ...this.#ps].filter((p) => p.up);
        const victim = all[Math.floor(this.#random() * all.length)];
        if (victim !== undefined) this.#crash(victim, false);
      }
      this.#tick();
      if (healing && this.#quiet()) break;
    }
    this.#check();
    const steps: Record<PartyId, number> = {};
    for (const party of [this.#c, ...this.#ps]) steps[party.id] = party.firstDisk.steps;
    const committed = [...this.#outcomes.values()].filter((s) => s === 'committed').length;
    return {
      seed: this.#o.seed,
      committed,
      aborted: this.#outcomes.size - committed,
      unknownToClient: this.#work.size - this.#outcomes.size,
      crashes: this.#crashes,
      messages: this.#sent,
      dropped: this.#dropped,
      duplicated: this.#duplicated,
      crashedAtStep: this.#crashedAtStep,
      diskSteps: steps,
      ticks: this.#now,
    };
  }

  // Transactions: each touches a random subset of participants (at least two when there are two).
  #plan(n: number): void {
    const count = this.#o.transactions ?? 6;
    const keys = this.#o.keys ?? 3;
    for (let t = 0; t < count; t++) {
      const txId = `t${t}`;
      const work: Record<PartyId, ParticipantWork> = {};
      const ids = this.#ps.map((p) => p.id).filter(() => this.#random() < 0.7);
      while (ids.length < Math.min(2, n)) {
        const id = `p${Math.floor(this.#random() * n)}`;
        if (!ids.includes(id)) ids.push(id);
      }
      for (const id of ids) {
        const key = `k${Math.floor(this.#random() * keys)}`;
        const readOnly = this.#random() < 0.1;
        const read = this.#random() < 0.3 ? [`k${Math.floor(this.#random() * keys)}`] : [];
        work[id] = readOnly ? { writes: [], reads: [key] } : { writes: [{ key, value: `${txId}@${id}` }], reads: read.filter((k) => k !== key) };
      }
      this.#work.set(txId, work);
      const at = 1 + Math.floor(this.#random() * 60);
      this.#schedule.set(at, [...(this.#schedule.get(at) ?? []), txId]);
    }
  }

  #begin(txId: TxId): void {
    const c = this.#c;
    if (!c.up || c.core === undefined) return; // the client finds the coordinator down and gives up (never begun)
    c.core.begin(txId, this.#work.get(txId) as Record<PartyId, ParticipantWork>, this.#now);
    c.deadlines.set(txId, this.#now + TIMEOUT_TICKS);
    this.#driveC();
  }

  #send(message: TransactionMessage, healing: boolean): void {
    this.#sent++;
    const drop = this.#sent === this.#o.dropMessage || (!healing && this.#random() < (this.#o.dropRate ?? 0));
    if (drop) {
      this.#dropped++;
      return;
    }
    const copies = this.#sent === this.#o.duplicateMessage || (!healing && this.#random() < (this.#o.duplicateRate ?? 0)) ? 2 : 1;
    if (copies === 2) this.#duplicated++;
    for (let i = 0; i < copies; i++) this.#inflight.push({ at: this.#now + 1 + Math.floor(this.#random() * 3), seq: this.#seq++, message });
  }

  #deliver(healing: boolean): void {
    const due = this.#inflight.filter((m) => m.at <= this.#now);
    this.#inflight = this.#inflight.filter((m) => m.at > this.#now);
    // Deliver in a random order (reordering).
    for (let i = due.length - 1; i > 0; i--) {
      const j = Math.floor(this.#random() * (i + 1));
      [due[i], due[j]] = [due[j] as (typeof due)[number], due[i] as (typeof due)[number]];
    }
    for (const { message } of due) {
      if (message.to === COORDINATOR) {
        if (!this.#c.up || this.#c.core === undefined) continue;
        this.#c.core.step(message);
        this.#driveC(healing);
      } else {
        const p = this.#ps.find((x) => x.id === message.to) as SimP;
        if (!p.up || p.core === undefined) continue;
        p.core.step(message);
        this.#driveP(p, healing);
      }
    }
  }

  #tick(): void {
    const c = this.#c;
    if (c.up && c.core !== undefined) {
      for (const [txId, at] of c.deadlines) {
        if (at <= this.#now) {
          c.deadlines.delete(txId);
          c.core.abort(txId, 'timeout');
        }
      }
      c.core.tick();
      this.#driveC();
    }
    for (const p of this.#ps) {
      if (!p.up || p.core === undefined) continue;
      p.core.tick();
      this.#driveP(p);
    }
  }

  #driveP(p: SimP, healing = this.#now > (this.#o.faultTicks ?? 150)): void {
    const core = p.core as Participant;
    const log = p.log as RecordLog;
    while (p.up && core.hasReady()) {
      const ready = core.ready();
      try {
        for (const record of ready.records) log.append(encodeParticipantRecord(record));
        if (ready.sync) log.sync();
      } catch (error) {
        this.#diskCrash(p, error);
        return;
      }
      for (const m of ready.messages) this.#send(m, healing);
      core.advance();
      for (const effect of ready.effects) {
        if (effect.type === 'read') {
          const values: Record<string, string | null> = {};
          for (const key of effect.keys) values[key] = p.store.values.get(key) ?? null;
          core.readDone(effect.txId, values);
        } else {
          // The store (the cluster's Raft KV) is durable and applies once per txId.
          if (!p.store.applied.has(effect.txId)) {
            p.store.applied.add(effect.txId);
            for (const w of effect.writes) p.store.values.set(w.key, w.value);
          }
          core.applied(effect.txId);
        }
      }
    }
  }

  #driveC(healing = this.#now > (this.#o.faultTicks ?? 150)): void {
    const c = this.#c;
    const core = c.core as Coordinator;
    const dlog = c.dlog as FileDecisionLog;
    while (c.up && core.hasReady()) {
      const ready = core.ready();
      const recorded: Array<[TxId, 'commit' | 'abort']> = [];
      const answers: TransactionMessage[] = [];
      try {
        for (const record of ready.records) {
          if (record.type === 'decision') recorded.push([record.txId, dlog.recordSync(record.txId, record.decision, record.participants)]);
          else dlog.endSync(record.txId);
        }
        for (const { txId, from } of ready.inquiries) {
          const decision = dlog.lookupSync(txId) ?? dlog.recordSync(txId, 'abort', [from]);
          answers.push({ type: decision, txId, from: COORDINATOR, to: from, epoch: core.epoch });
        }
      } catch (error) {
        this.#diskCrash(c, error);
        return;
      }
      for (const m of [...ready.messages, ...answers]) this.#send(m, healing);
      for (const outcome of ready.outcomes) {
        const before = this.#outcomes.get(outcome.txId);
        if (before !== undefined && before !== outcome.status) this.#fail(`client heard ${before} then ${outcome.status} for ${outcome.txId}`);
        this.#outcomes.set(outcome.txId, outcome.status);
        c.deadlines.delete(outcome.txId);
      }
      core.advance();
      for (const [txId, decision] of recorded) core.recorded(txId, decision);
    }
  }

  #diskCrash(party: Party, error: unknown): void {
    // The logs wrap the crash in their fail-stop error (RecordLogFailedError, cause the crash).
    const crash = error instanceof Error && !(error instanceof CrashError) ? error.cause : error;
    if (!(crash instanceof CrashError)) throw error;
    if (party.disk === party.firstDisk) this.#crashedAtStep = true;
    this.#crash(party, true);
  }

  // A power cut: the party stops; its disk keeps what a crash would keep.
  #crash(party: Party, frozen: boolean): void {
    this.#crashes++;
    party.up = false;
    party.downUntil = this.#now + 5 + Math.floor(this.#random() * 25);
    // A disk that crashed is frozen; a power cut (frozen false) stops a working one: either way the
    // restart finds what a crash keeps.
    void frozen;
    party.disk = party.disk.afterCrash(this.#random);
    if (party === this.#c) {
      this.#c.core = undefined;
      this.#c.dlog = undefined;
      this.#c.deadlines.clear();
    } else {
      const p = party as SimP;
      p.conflicting += p.core?.anomalies().conflictingDecisions ?? 0;
      p.core = undefined;
      p.log = undefined;
    }
  }

  #restart(party: Party): void {
    try {
      if (party === this.#c) this.#startC();
      else this.#startP(party as SimP);
    } catch (error) {
      this.#diskCrash(party, error);
    }
  }

  #startP(p: SimP): void {
    const { log, records } = RecordLog.open({ dir: `/${p.id}`, fs: p.disk, maxSegmentBytes: 4096 });
    p.log = log;
    p.core = new Participant({
      id: p.id,
      random: this.#random,
      lockPolicy: this.#o.lockPolicy ?? 'no-wait',
      records: records.map((r, i) => decodeParticipantRecord(r, i)),
      ...(this.#o.bugs?.participant === undefined ? {} : { bugs: this.#o.bugs.participant }),
    });
    p.up = true;
    this.#driveP(p);
  }

  #startC(): void {
    const c = this.#c;
    const dlog = FileDecisionLog.open({ dir: '/c', fs: c.disk, maxSegmentBytes: 4096, compactEvery: 3, ...(this.#o.bugs?.lazyCommit ? { bugs: { lazyCommit: true } } : {}) });
    const { epoch, pending } = dlog.recoverSync();
    c.dlog = dlog;
    c.core = new Coordinator({ id: COORDINATOR, epoch, random: this.#random, pending, ...(this.#o.bugs?.coordinator === undefined ? {} : { bugs: this.#o.bugs.coordinator }) });
    c.up = true;
    this.#driveC();
  }

  #quiet(): boolean {
    return (
      this.#inflight.length === 0 &&
      this.#c.up &&
      (this.#c.core as Coordinator).activeCount === 0 &&
      this.#ps.every((p) => p.up && (p.core as Participant).activeCount === 0)
    );
  }

  #fail(what: string): never {
    throw new SimulationViolation(`two-phase commit simulation seed ${this.#o.seed}${this.#o.crashAt ? ` crashAt ${this.#o.crashAt.party}@${this.#o.crashAt.step}` : ''}: ${what}`);
  }

  // Invariants, once everything healed:
  // - every transaction resolved: the coordinator runs nothing, no participant has one in doubt or holds a lock;
  // - atomicity: a transaction's writes are applied at all of its writing participants or at none,
  //   and never against a decision (no participant saw a decision contradicting what it did);
  // - what the client heard stands: committed ⇒ applied everywhere; aborted ⇒ applied nowhere.
  #check(): void {
    for (const p of this.#ps) {
      if (p.conflicting + (p.core?.anomalies().conflictingDecisions ?? 0) > 0) this.#fail(`${p.id} received a decision contradicting its own state`);
    }
    if (!this.#quiet()) {
      const busy = this.#ps.filter((p) => p.up && (p.core as Participant).activeCount > 0).map((p) => `${p.id}: ${JSON.stringify((p.core as Participant).inDoubt().map((t) => t.txId))}`);
      this.#fail(`not resolved after healing: coordinator active ${JSON.stringify(this.#c.core?.active())}, ${busy.join('; ')}, ${this.#inflight.length} messages in flight`);
    }
    for (const p of this.#ps) {
      const core = p.core as Participant;
      if (core.locks().length > 0) this.#fail(`${p.id} still holds locks ${JSON.stringify(core.locks())}`);
    }
    for (const [txId, work] of this.#work) {
      const writers = Object.entries(work).filter(([, w]) => w.writes.length > 0).map(([id]) => id);
      const applied = writers.filter((id) => (this.#ps.find((p) => p.id === id) as SimP).store.applied.has(txId));
      const heard = this.#outcomes.get(txId);
      if (applied.length > 0 && applied.length < writers.length) this.#fail(`${txId} committed at ${applied.join(',')} but not at ${writers.filter((w) => !applied.includes(w)).join(',')}`);
      if (heard === 'committed' && applied.length < writers.length) this.#fail(`${txId}: the client heard committed, but its writes are applied at ${JSON.stringify(applied)} of ${JSON.stringify(writers)} (a committed write lost)`);
      if (heard === 'aborted' && applied.length > 0) this.#fail(`${txId}: the client heard aborted, but its writes are applied at ${applied.join(',')}`);
    }
  }
}
