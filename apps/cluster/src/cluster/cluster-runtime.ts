import { mkdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  FilePersistentStorage,
  HttpTransport,
  RaftNode,
  TransportFaults,
  createPeerHandler,
  createPeerStreamHandler,
  createRegistry,
  systemClock,
  systemRandom,
} from '@bulwark/core';
import type { Clock, Disposable, Message, PeerState, PeerStreamHandler, PersistentStorage, PolicyRegistry, Random, RaftNodeOptions, Transport } from '@bulwark/core';
import { registerMetrics, registerRaftMetrics } from '@bulwark/prometheus';
import type { MetricsHandle, RaftMetricsHandle } from '@bulwark/prometheus';
import { Registry } from 'prom-client';
import { nodeDataDir } from '../config/cluster-config.js';
import type { ClusterConfig } from '../config/cluster-config.js';
import { encodeCommand } from '../kv/kv-command.js';
import type { KvCommand, KvResult } from '../kv/kv-command.js';
import { KvStateMachine } from '../kv/kv-state-machine.js';
import { LeaderClient } from '../http/leader-client.js';
import { CompactableStorage } from './compactable-storage.js';
import { ElectionLog } from './election-log.js';
import { ProposalBatcher } from './proposal-batcher.js';
import { ReadBarrierBatcher } from './read-barrier-batcher.js';
import type { ClusterStatus, MemberStatus } from './cluster-status.js';

/**
 * The largest peer request accepted. A snapshot travels whole in one request (core's transport
 * does not chunk it), so this bounds the state a lagging follower can catch up on: beyond it the
 * follower's 413s keep it behind. Peers are authenticated before a body is read.
 */
export const MAX_PEER_BODY_BYTES = 256 * 1024 * 1024;

/** The peer transport as the runtime uses it: `HttpTransport`, or an in-process stand-in in tests. */
export interface ClusterTransport extends Transport {
  setPeers?(peers: Readonly<Record<string, string>>): void;
  peerStates?(): readonly PeerState[];
  close?(): Promise<void>;
  /** Where messages that peers send back in their answers go (`HttpTransport.setReceiver`). */
  setReceiver?(receive: (message: Message) => void): void;
  /** Holds the answer to a peer's request for this node's messages (`HttpTransport.holdReply`). */
  holdReply?(peer: string, answer: (frame: Uint8Array | undefined) => void): void;
}

/** What a runtime is built from. {@link ClusterRuntime.open} makes the production parts from the config. */
export interface ClusterRuntimeParts {
  readonly storage: PersistentStorage & { close?(): void };
  /** Built once the node exists (the transport hands messages to it). */
  readonly transport: ClusterTransport;
  /** The fault hook shared by the transport and the peer handler; present only with `BULWARK_FAULTS=1`. */
  readonly faults?: TransportFaults;
  /** Time for the Raft ticks and the policies (default the system clock). */
  readonly clock?: Clock;
  readonly random?: Random;
  /** Raft core options over the app's (`checkQuorum`, `preVote`, lease reads). */
  readonly raft?: RaftNodeOptions<KvResult>['raft'];
  /**
   * The leader's hold on commit-only appends (`RaftNodeOptions.commitHoldMs`). Default: the
   * node's (2 ms) on the system clock; 0 with an injected `clock`, whose time moves only when
   * a test moves it — a hold would wait for the test.
   */
  readonly commitHoldMs?: number;
  /** The Raft metrics handle, when the storage was built to report fsyncs to it (see {@link ClusterRuntime.open}). */
  readonly raftMetrics?: RaftMetricsHandle;
  /** The prom-client registry the metrics go on (default a new one). */
  readonly register?: Registry;
}

/** The policies of a member, by name, in its registry (shown on the dashboard and at /metrics). */
export const POLICIES = {
  /** Bounds the client operations in flight (and waiting) on this member. */
  kv: { bulkhead: { maxConcurrent: 4096, maxQueued: 4096, queueTimeoutMs: 5000 } },
  /** A proposal or read that Raft has not answered in this time is answered 503 (outcome unknown). */
  raft: { timeout: { timeoutMs: 10_000, strategy: 'aggressive' as const } },
  /** A request forwarded to the leader. */
  forward: { timeout: { timeoutMs: 5000 } },
  /** Asking a peer for its /cluster/status (the dashboard). */
  'peer-status': { timeout: { timeoutMs: 500 } },
};

/** Breakers made on demand (`forward:<id>`, `peer-status:<id>`): open after half the calls of a 10 s window fail, at least 3; a trial after 1 s. */
export const BREAKER_DEFAULTS = { timeout: false as const, resetTimeout: 1000, errorThresholdPercentage: 50, volumeThreshold: 3 };

/**
 * One cluster member, framework-free: the Raft node over the KV state machine, its storage and
 * transport, the policy registry, the metrics, and the views (`status()`, `dashboard()`) the
 * HTTP layer serves. The Nest app is a thin shell over it.
 */
export class ClusterRuntime {
  readonly config: ClusterConfig;
  readonly kv: KvStateMachine;
  readonly node: RaftNode<KvResult>;
  readonly registry: PolicyRegistry;
  readonly register: Registry;
  readonly raftMetrics: RaftMetricsHandle;
  /** The policy metrics of the registry (breakers, bulkheads, timeouts) on {@link ClusterRuntime.register}. */
  readonly policyMetrics: MetricsHandle;
  readonly elections = new ElectionLog();
  readonly leaderClient: LeaderClient;
  readonly faults: TransportFaults | undefined;
  readonly clock: Clock;
  /** The handler of `POST /raft/messages`. */
  readonly peerHandler: (req: IncomingMessage, res: ServerResponse) => void;
  /** The peers' streams: `GET /raft/messages` upgraded to `bulwark-raft/1`, on the server's `'upgrade'` event. */
  readonly peerStreams: PeerStreamHandler;
  readonly #storage: CompactableStorage;
  readonly #transport: ClusterTransport;
  readonly #peerUrls: Map<string, string>;
  readonly #subscriptions: Disposable[] = [];
  /** The proposals of one event-loop turn go to Raft together (one Ready, one fsync). */
  readonly proposals: ProposalBatcher<KvResult>;
  /** Concurrent reads share ReadIndex rounds, one batcher per consistency. */
  readonly #reads: Readonly<Record<'linearizable' | 'lease', ReadBarrierBatcher>>;
  #stopping: Promise<void> | undefined;

  /**
   * Opens a member from its configuration: `FilePersistentStorage` under `DATA_DIR/<id>` (the
   * voters are the `PEERS` ids on a first start, none with `JOIN=1`), `HttpTransport` to the
   * peers, and the fault hook when `BULWARK_FAULTS=1`.
   *
   * @throws as `FilePersistentStorage.open` (a corrupt log names the file and offset)
   */
  static open(config: ClusterConfig, options: { clock?: Clock; random?: Random } = {}): ClusterRuntime {
    const clock = options.clock ?? systemClock;
    const random = options.random ?? systemRandom;
    const register = new Registry();
    // The storage reports fsyncs from its first write; the metrics exist once the node does.
    const fsync: { metrics?: RaftMetricsHandle } = {};
    const dir = nodeDataDir(config);
    mkdirSync(dir, { recursive: true });
    const storage = FilePersistentStorage.open({
      dir,
      voters: config.join ? [] : [...config.peers.keys()],
      onSync: (seconds) => fsync.metrics?.observeFsync(seconds),
    });
    const faults = config.faults ? new TransportFaults({ clock, random }) : undefined;
    // Streams: one long-lived connection per peer, not a POST per batch (the members' own
    // createPeerStreamHandler takes them; see the README's "Batching").
    const transport = new HttpTransport({ id: config.nodeId, peers: Object.fromEntries(config.peers), token: config.token, faults, clock, random, streams: true });
    const runtime = new ClusterRuntime(config, { storage, transport, faults, clock, random, register });
    fsync.metrics = runtime.raftMetrics;
    return runtime;
  }

  constructor(config: ClusterConfig, parts: ClusterRuntimeParts) {
    this.config = config;
    this.clock = parts.clock ?? systemClock;
    this.#storage = new CompactableStorage(parts.storage);
    this.#transport = parts.transport;
    this.faults = parts.faults;
    this.#peerUrls = new Map(config.peers);
    this.kv = new KvStateMachine({ maxRequestIds: config.maxRequestIds, onMemberUrls: () => this.#syncPeers() });
    this.registry = createRegistry({ clock: this.clock, random: parts.random, defaults: { breaker: BREAKER_DEFAULTS }, policies: POLICIES });
    this.node = new RaftNode<KvResult>({
      id: config.nodeId,
      storage: this.#storage,
      transport: parts.transport,
      stateMachine: this.kv,
      clock: this.clock,
      random: parts.random ?? systemRandom,
      tickMs: config.tickMs,
      snapshotEvery: config.snapshotEvery,
      commitHoldMs: parts.commitHoldMs ?? (parts.clock === undefined || parts.clock === systemClock ? undefined : 0),
      raft: { preVote: true, checkQuorum: true, readOnly: 'leaseBased', ...parts.raft },
    });
    this.register = parts.register ?? new Registry();
    this.raftMetrics = parts.raftMetrics ?? registerRaftMetrics(this.node, { register: this.register });
    this.policyMetrics = registerMetrics(this.registry, { register: this.register });
    this.proposals = new ProposalBatcher((bytes) => this.node.propose(bytes));
    const barrier = (consistency: 'linearizable' | 'lease') =>
      new ReadBarrierBatcher(async () => {
        await this.registry.timeout('raft').execute(() => this.node.read({ consistency }));
      });
    this.#reads = { linearizable: barrier('linearizable'), lease: barrier('lease') };
    this.leaderClient = new LeaderClient(this.registry, config.token, config.nodeId);
    // Followers acknowledge in the answers to the leader's appends (one HTTP exchange per
    // message, not two), when the transport can carry messages back.
    const receive = (message: Message): void => this.node.receive(message);
    const transport = parts.transport;
    const replies = typeof transport.holdReply === 'function' && typeof transport.setReceiver === 'function' ? { holdReply: transport.holdReply.bind(transport) } : undefined;
    if (replies !== undefined) transport.setReceiver?.(receive);
    this.peerHandler = createPeerHandler({ token: config.token, receive, faults: this.faults, maxBodyBytes: MAX_PEER_BODY_BYTES, replies });
    this.peerStreams = createPeerStreamHandler({ token: config.token, receive, faults: this.faults, maxFrameBytes: MAX_PEER_BODY_BYTES });
    const observe = (): void => {
      const s = this.node.status();
      this.elections.observe(s.term, s.leaderId, this.clock.now());
    };
    observe();
    this.#subscriptions.push(this.node.onStateChange(observe));
  }

  /** The base URL of a member: from `PEERS`, or recorded through the log when it was added. */
  memberUrl(id: string): string | undefined {
    return this.kv.memberUrls().get(id) ?? this.#peerUrls.get(id);
  }

  /** Every member URL known (configured and replicated). */
  memberUrls(): ReadonlyMap<string, string> {
    return new Map([...this.#peerUrls, ...this.kv.memberUrls()]);
  }

  /** Replaces the configured peer URLs (tests that listen on port 0 learn them late). */
  setPeerUrls(urls: ReadonlyMap<string, string>): void {
    this.#peerUrls.clear();
    for (const [id, url] of urls) this.#peerUrls.set(id, url);
    this.#syncPeers();
  }

  /** The leader this member knows of, with its URL. */
  leader(): { readonly id: string; readonly url: string | undefined } | undefined {
    const id = this.node.status().leaderId;
    return id === undefined ? undefined : { id, url: this.memberUrl(id) };
  }

  /** Whether this member leads now. */
  isLeader(): boolean {
    return this.node.status().role === 'leader';
  }

  /**
   * Proposes a command through the `kv` bulkhead and the `raft` timeout, with the other
   * proposals of this event-loop turn ({@link ProposalBatcher}); resolves with its result once
   * applied here.
   */
  propose(command: KvCommand): Promise<KvResult> {
    const bytes = encodeCommand(command);
    return this.registry.bulkhead('kv').execute(() => this.registry.timeout('raft').execute(() => this.proposals.submit(bytes)));
  }

  /**
   * Waits until a read at `consistency` may be served from the local state machine: a ReadIndex
   * round (or the leader's lease) that started after this call, shared with the reads that
   * arrived meanwhile ({@link ReadBarrierBatcher}), through the `kv` bulkhead and the `raft` timeout.
   */
  async readBarrier(consistency: 'linearizable' | 'lease'): Promise<void> {
    await this.registry.bulkhead('kv').execute(() => this.#reads[consistency].wait());
  }

  /** How many ReadIndex rounds each consistency started (shared by concurrent reads). */
  readRounds(): { readonly linearizable: number; readonly lease: number } {
    return { linearizable: this.#reads.linearizable.started, lease: this.#reads.lease.started };
  }

  /**
   * Adds a member (a voter, or a learner) through the log: first its URL (a command every member
   * applies, so all can reach it), then the membership change. Must run on the leader.
   */
  async addMember(id: string, url: string, learner: boolean): Promise<void> {
    await this.propose({ op: 'member-url', id, url });
    await this.node.addMember(id, { learner });
  }

  /** Removes a member through the log, then forgets the URL recorded for it. Must run on the leader. */
  async removeMember(id: string): Promise<void> {
    await this.node.removeMember(id);
    if (this.kv.memberUrls().has(id)) await this.propose({ op: 'member-url', id, url: null });
  }

  /**
   * Snapshots the state machine at the applied index and compacts the log up to it, now.
   *
   * @returns the snapshot's index, and whether a new snapshot was written (false when the latest
   *   one is at that index already)
   */
  async snapshotNow(): Promise<{ readonly index: number; readonly created: boolean }> {
    // The state machine may be one entry ahead of the node's applied index for a moment, or a
    // membership change half-applied: wait for a quiet point (a turn of the event loop each).
    for (let attempt = 0; attempt < 1000; attempt++) {
      const s = this.node.status();
      if (!this.#storage.savingConfState && this.kv.lastIndex <= s.appliedIndex) {
        const index = s.appliedIndex;
        const current = this.#storage.snapshot().metadata.index;
        if (index <= current) return { index: current, created: false };
        const data = this.kv.snapshot();
        await this.#storage.compact(index, s.confState, data);
        return { index, created: true };
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error('the node stayed busy applying entries; try again');
  }

  /** The index of the latest snapshot (0 when none). */
  snapshotIndex(): number {
    return this.#storage.snapshot().metadata.index;
  }

  /** The body of `GET /cluster/status`. */
  status(): ClusterStatus {
    const s = this.node.status();
    const learners = new Set(s.confState.learners);
    const leader = s.leaderId ?? null;
    const ids = [...s.confState.voters, ...s.confState.learners];
    const members: MemberStatus[] = ids.map((id) => ({
      id,
      url: this.memberUrl(id) ?? null,
      role: learners.has(id) ? 'learner' : id === leader ? 'leader' : 'follower',
      matchIndex: s.role === 'leader' ? (s.progress.get(id)?.match ?? null) : null,
    }));
    const role = s.role === 'leader' ? 'leader' : learners.has(s.id) ? 'learner' : s.role === 'follower' ? 'follower' : 'candidate';
    return { id: s.id, role, term: s.term, leader, commitIndex: s.commit, appliedIndex: s.appliedIndex, members };
  }

  /** The peer links as the transport sees them (empty for a transport without `peerStates`). */
  peerStates(): readonly PeerState[] {
    return this.#transport.peerStates?.() ?? [];
  }

  /**
   * Stops the member: the Raft node (pending requests answer 503), then the transport, the
   * storage and the metrics. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      for (const subscription of this.#subscriptions) subscription.dispose();
      await this.node.stop();
      this.peerStreams.close();
      await this.#transport.close?.();
      this.#storage.close?.();
      this.raftMetrics.unregister();
      this.policyMetrics.unregister();
      this.registry.dispose();
    })();
    return this.#stopping;
  }

  #syncPeers(): void {
    this.#transport.setPeers?.(Object.fromEntries(this.memberUrls()));
  }
}
