import { DottedVersionVector } from '../clocks/dotted-version-vector.js';
import { siblingsClock, syncSiblings } from '../clocks/dvv-siblings.js';
import type { HybridLogicalClock } from '../clocks/hybrid-logical-clock.js';
import type { VectorClock } from '../clocks/vector-clock.js';
import { compareStamps } from '../crdt/lww-stamp.js';
import { QuorumNotReachedError } from '../errors/quorum-not-reached-error.js';
import type { CausalToken } from './causal-token.js';
import type { ResolvedRequest } from './request-options.js';
import type { ReadReplyMessage, StoreMessage, WriteAckMessage } from './store-messages.js';
import type { GetResult, StoreCompletion, StoreRequestError } from './store-results.js';
import type { NodeId, StoredVersion } from './stored-version.js';
import { newestStamp, newestVersion } from './stored-version.js';

/** What the coordinator needs from its node. */
export interface CoordinatorHost<V> {
  readonly id: NodeId;
  readonly hlc: HybridLogicalClock;
  readonly standInAfterMs: number;
  readonly merge: ((values: readonly V[]) => V) | undefined;
  now(): number;
  send(message: StoreMessage<V>): void;
  complete(completion: StoreCompletion<V>): void;
  nextDot(): number;
  suspect(node: NodeId): void;
  isSuspected(node: NodeId): boolean;
  readonly metrics: { readRepairs: number; failed: number };
}

/** A request this node coordinates, from its start until nothing more is expected of it. */
export interface Pending<V> {
  readonly id: string;
  readonly kind: 'get' | 'put' | 'delete';
  readonly key: string;
  readonly request: ResolvedRequest;
  readonly token: CausalToken;
  readonly deadline: number;
  /** The key's preference list: home replicas first, then stand-ins. */
  readonly extended: readonly NodeId[];
  readonly home: readonly NodeId[];
  /** Put and delete: the value, and the context the write supersedes. */
  readonly value: V | undefined;
  readonly context: VectorClock;
  phase: 'read' | 'write';
  /** Who was asked in this phase (stand-ins included). */
  targets: NodeId[];
  /** Stand-in → the home replica it holds the data for. */
  hintFor: Map<NodeId, NodeId>;
  sentAt: Map<NodeId, number>;
  /** Targets given up on (a stand-in was asked instead). */
  replaced: Set<NodeId>;
  replies: Map<NodeId, readonly StoredVersion<V>[]>;
  merged: StoredVersion<V>[];
  acks: Set<NodeId>;
  /** What the write phase sends: the new version, or (a strong read's write-back) what was read. */
  payload: StoredVersion<V>[];
  result: GetResult<V> | undefined;
  done: boolean;
}

/**
 * The coordinator side of a quorum node: runs each get, put and delete through its phases —
 * read R replicas (a strong write reads first too), write W — with stand-ins for silent
 * replicas when the quorum is sloppy, read repair, and the session token check. Not exported:
 * the node drives it.
 */
export class Coordinator<V> {
  readonly pending = new Map<string, Pending<V>>();

  constructor(private readonly host: CoordinatorHost<V>) {}

  /** Starts a request's first phase. */
  start(request: Pending<V>): void {
    this.pending.set(request.id, request);
    const { consistency } = request.request;
    if (request.kind === 'get' || consistency === 'strong') {
      request.phase = 'read';
      // A weak read asks only this node when it is a home replica.
      request.targets = consistency === 'weak' && request.home.includes(this.host.id) ? [this.host.id] : this.chooseTargets(request);
      for (const target of request.targets) this.sendPhase(request, target);
    } else {
      this.startWrite(request);
    }
  }

  onReadReply(message: ReadReplyMessage<V>, phase: string): void {
    const request = this.pending.get(message.requestId.slice(0, -2));
    if (request === undefined || phase !== 'r' || !request.targets.includes(message.from) || request.replies.has(message.from)) return;
    request.replies.set(message.from, message.versions);
    if (request.phase === 'read') {
      request.merged = syncSiblings(request.merged, message.versions);
      if (!request.done) this.progressRead(request);
      else this.repairIfStale(request, message.from, message.versions); // a late reply to an eventual read
    } else if (request.kind === 'get' && covers(message.versions, request.payload)) {
      this.acknowledge(request, message.from); // a strong read's late reply that proves the replica current
    }
    this.settleIfIdle(request);
  }

  onWriteAck(message: WriteAckMessage, phase: string): void {
    const request = this.pending.get(message.requestId.slice(0, -2));
    if (request === undefined || phase !== 'w' || request.phase !== 'write' || !request.targets.includes(message.from)) return;
    this.acknowledge(request, message.from);
    this.settleIfIdle(request);
  }

  /** Times requests out and, for sloppy ones, asks stand-ins in place of silent replicas. */
  tick(): void {
    const now = this.host.now();
    for (const request of [...this.pending.values()]) {
      if (now >= request.deadline) {
        if (!request.done) {
          const reading = request.phase === 'read';
          const needed = reading ? request.request.r : request.request.w;
          this.fail(request, new QuorumNotReachedError(request.kind, request.key, 'timeout', needed, reading ? request.replies.size : request.acks.size));
        }
        this.pending.delete(request.id);
        continue;
      }
      if (!request.request.sloppy) continue;
      for (const target of this.outstanding(request)) {
        if (now - (request.sentAt.get(target) ?? now) < this.host.standInAfterMs) continue;
        request.replaced.add(target);
        this.host.suspect(target);
        const candidates = request.extended.filter((node) => !request.targets.includes(node));
        const standIn = candidates.find((node) => !this.host.isSuspected(node)) ?? candidates[0];
        if (standIn === undefined) continue;
        request.targets.push(standIn);
        const owner = request.hintFor.get(target) ?? (request.home.includes(target) ? target : undefined);
        if (owner !== undefined && !request.home.includes(standIn)) request.hintFor.set(standIn, owner);
        this.sendPhase(request, standIn);
      }
    }
  }

  /** The first N nodes of the key not suspected (sloppy), or its home replicas (strict). */
  private chooseTargets(request: Pending<V>): NodeId[] {
    const { n, sloppy } = request.request;
    request.hintFor = new Map();
    if (!sloppy) return [...request.home];
    const healthy = request.extended.filter((node) => !this.host.isSuspected(node));
    const targets = [...healthy, ...request.extended.filter((node) => this.host.isSuspected(node))].slice(0, n);
    const orphans = request.home.filter((node) => !targets.includes(node));
    for (const node of targets) if (!request.home.includes(node)) request.hintFor.set(node, orphans.shift() as NodeId);
    return targets;
  }

  private sendPhase(request: Pending<V>, to: NodeId): void {
    request.sentAt.set(to, this.host.now());
    const from = this.host.id;
    if (request.phase === 'read') {
      this.host.send({ type: 'read', from, to, requestId: `${request.id}/r`, key: request.key });
    } else {
      this.host.send({ type: 'write', from, to, requestId: `${request.id}/w`, key: request.key, versions: request.payload, hintFor: request.hintFor.get(to) });
    }
  }

  private progressRead(request: Pending<V>): void {
    const enough = request.replies.size >= request.request.r;
    // A get answers only at or after the session's token; a strong write's read needs no such thing.
    const caughtUp = request.kind !== 'get' || siblingsClock(request.merged).dominates(request.token.for(request.key));
    if (enough && caughtUp) {
      if (request.kind === 'get') this.finishRead(request);
      else this.startWrite(request);
      return;
    }
    if (this.outstanding(request).length > 0) return;
    // Everyone asked has answered and none has caught up with the token: ask further down the list.
    const next = request.extended.find((node) => !request.targets.includes(node));
    if (next !== undefined) {
      request.targets.push(next);
      this.sendPhase(request, next);
    } else {
      this.fail(request, new QuorumNotReachedError('get', request.key, 'session', request.request.r, request.replies.size));
    }
  }

  private finishRead(request: Pending<V>): void {
    request.result = this.readResult(request);
    if (request.request.consistency === 'strong') {
      // ABD's second phase: what is returned must be on W replicas first, so that no later read
      // returns something older.
      request.phase = 'write';
      request.payload = request.merged;
      for (const [node, versions] of request.replies) if (covers(versions, request.payload)) request.acks.add(node);
      if (request.acks.size >= request.request.w) return this.succeed(request);
      for (const target of request.targets) {
        if (request.acks.has(target)) continue;
        this.host.metrics.readRepairs++;
        this.sendPhase(request, target);
      }
      return;
    }
    this.succeed(request);
    for (const [node, versions] of request.replies) this.repairIfStale(request, node, versions);
  }

  /** Eventual reads repair in the background: a replica that answered with less gets what was read. */
  private repairIfStale(request: Pending<V>, node: NodeId, versions: readonly StoredVersion<V>[]): void {
    if (request.request.consistency !== 'eventual' || covers(versions, request.merged)) return;
    this.host.metrics.readRepairs++;
    const hintFor = request.hintFor.get(node);
    this.host.send({ type: 'write', from: this.host.id, to: node, key: request.key, versions: request.merged, hintFor });
  }

  private startWrite(request: Pending<V>): void {
    const context = request.context.merge(siblingsClock(request.merged));
    const seen = newestStamp(request.merged);
    let timestamp;
    try {
      // A strong write's stamp must be after every version its read saw (ABD's tag).
      timestamp = seen === undefined ? this.host.hlc.now() : this.host.hlc.receive(seen.timestamp);
    } catch (error) {
      return this.fail(request, error as StoreRequestError);
    }
    const dot = this.host.nextDot();
    if (context.get(this.host.id) >= dot) {
      return this.fail(request, new RangeError(`Quorum store ${request.kind} of ${JSON.stringify(request.key)}: the context names version ${context.get(this.host.id)} of ${JSON.stringify(this.host.id)}, which this node never wrote`));
    }
    const deleted = request.kind === 'delete';
    request.payload = [{ version: DottedVersionVector.event(context, this.host.id, dot), stamp: { timestamp, replica: this.host.id }, deleted, value: deleted ? undefined : request.value }];
    request.phase = 'write';
    request.replies.clear();
    request.sentAt.clear();
    request.replaced.clear();
    request.targets = request.request.consistency === 'strong' ? [...request.home] : this.chooseTargets(request);
    for (const target of request.targets) this.sendPhase(request, target);
  }

  private acknowledge(request: Pending<V>, node: NodeId): void {
    request.acks.add(node);
    if (!request.done && request.acks.size >= request.request.w) this.succeed(request);
  }

  private succeed(request: Pending<V>): void {
    request.done = true;
    if (request.kind === 'get') {
      this.host.complete({ requestId: request.id, kind: 'get', ok: true, result: request.result as GetResult<V> });
      return;
    }
    const version = request.payload[0].version;
    const token = request.token.observe(request.key, version.toVectorClock());
    this.host.complete({ requestId: request.id, kind: request.kind, ok: true, result: { key: request.key, version, token, acks: request.acks.size } });
  }

  private fail(request: Pending<V>, error: StoreRequestError): void {
    request.done = true;
    this.host.metrics.failed++;
    this.pending.delete(request.id);
    this.host.complete({ requestId: request.id, kind: request.kind, ok: false, error });
  }

  private readResult(request: Pending<V>): GetResult<V> {
    const live = request.merged.filter((v) => !v.deleted).sort((a, b) => compareStamps(b.stamp, a.stamp));
    const siblings = live.map((v) => v.value as V);
    let value: V | undefined;
    if (this.host.merge !== undefined && siblings.length > 1) value = this.host.merge(siblings);
    else if (this.host.merge !== undefined) value = siblings[0];
    else value = newestVersion(request.merged)?.value;
    const context = siblingsClock(request.merged);
    return { key: request.key, value, siblings, context, token: request.token.observe(request.key, context), replies: request.replies.size };
  }

  private outstanding(request: Pending<V>): NodeId[] {
    const answered = request.phase === 'read' ? request.replies : request.acks;
    return request.targets.filter((node) => !answered.has(node) && !request.replaced.has(node));
  }

  /** A finished request that expects nothing more is forgotten before its deadline. */
  private settleIfIdle(request: Pending<V>): void {
    if (request.done && this.outstanding(request).length === 0) this.pending.delete(request.id);
  }
}

/** True when a replica holding `versions` has seen everything in `what`. */
function covers(versions: readonly StoredVersion<unknown>[], what: readonly StoredVersion<unknown>[]): boolean {
  return siblingsClock(versions).dominates(siblingsClock(what));
}
