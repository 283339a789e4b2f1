import { MerkleTree } from './merkle-tree.js';
import type { Replica } from './replica.js';
import type { KeysReplyMessage, KeysRequestMessage, StoreMessage, TreeReplyMessage, TreeRequestMessage } from './store-messages.js';
import type { NodeId, StoredVersion } from './stored-version.js';
import { versionsDigest } from './stored-version.js';

/** What anti-entropy needs from its node. */
export interface AntiEntropyHost<V> {
  readonly id: NodeId;
  readonly replica: Replica<V>;
  /** The keys this node stores that `peer` also replicates. */
  sharedKeys(peer: NodeId): string[];
  /** True when both this node and `peer` are home replicas of `key` (whether or not this node has it yet). */
  shares(key: string, peer: NodeId): boolean;
  send(message: StoreMessage<V>): void;
  now(): number;
}

/** Counters of {@link AntiEntropy}. */
export interface AntiEntropyMetrics {
  /** Exchanges this node started. */
  started: number;
  /** Exchanges that ran to the end (trees equal, or keys swapped). */
  completed: number;
  /** Keys this node changed with what a peer sent in an exchange. */
  keysRepaired: number;
  /** Keys this node sent a peer because the peer lacked something. */
  keysSent: number;
}

interface Exchange {
  readonly peer: NodeId;
  readonly startedAtMs: number;
}

/**
 * Merkle-tree anti-entropy between two replicas (Dynamo §4.7): the initiator and the peer each
 * build a tree over the keys both replicate; the initiator asks for the root, then for the
 * children of every node whose hash differs from its own, level by level, then for the keys
 * under the differing leaves. It merges what the peer has, and sends the peer every key the peer
 * lacked something of. One exchange takes at most `depth + 2` round trips and moves only keys
 * that differ. Not exported: the node drives it.
 */
export class AntiEntropy<V> {
  readonly metrics: AntiEntropyMetrics = { started: 0, completed: 0, keysRepaired: 0, keysSent: 0 };
  private readonly exchanges = new Map<string, Exchange>();
  private readonly trees = new Map<NodeId, { readonly dataVersion: number; readonly tree: MerkleTree }>();
  private nextId = 0;

  constructor(
    private readonly host: AntiEntropyHost<V>,
    private readonly depth: number,
    private readonly incarnation: number,
  ) {}

  /** How many exchanges this node started that are still running. */
  get active(): number {
    return this.exchanges.size;
  }

  /** Starts an exchange with `peer`; returns its id. */
  start(peer: NodeId): string {
    const exchangeId = `${this.host.id}.${this.incarnation}.ae${++this.nextId}`;
    this.exchanges.set(exchangeId, { peer, startedAtMs: this.host.now() });
    this.metrics.started++;
    this.host.send({ type: 'tree-request', from: this.host.id, to: peer, exchangeId, level: 0, indices: [0] });
    return exchangeId;
  }

  /** Forgets exchanges started more than `timeoutMs` ago (their messages were lost). */
  expire(timeoutMs: number): void {
    const now = this.host.now();
    for (const [id, exchange] of this.exchanges) if (now - exchange.startedAtMs >= timeoutMs) this.exchanges.delete(id);
  }

  /** As the peer: the hashes asked for. */
  onTreeRequest(message: TreeRequestMessage): void {
    const tree = this.treeFor(message.from);
    const hashes = message.indices.filter((i) => validNode(tree, message.level, i)).map((i) => [i, tree.hash(message.level, i)] as const);
    this.host.send({ type: 'tree-reply', from: this.host.id, to: message.from, exchangeId: message.exchangeId, level: message.level, hashes });
  }

  /** As the initiator: descend into what differs, or ask for the keys under differing leaves. */
  onTreeReply(message: TreeReplyMessage): void {
    const exchange = this.exchanges.get(message.exchangeId);
    if (exchange === undefined || exchange.peer !== message.from) return;
    const tree = this.treeFor(message.from);
    const differing = message.hashes.filter(([i, hash]) => validNode(tree, message.level, i) && tree.hash(message.level, i) !== hash).map(([i]) => i);
    if (differing.length === 0) {
      this.exchanges.delete(message.exchangeId);
      this.metrics.completed++;
      return;
    }
    if (message.level === tree.depth) {
      this.host.send({ type: 'keys-request', from: this.host.id, to: message.from, exchangeId: message.exchangeId, leaves: differing });
      return;
    }
    const indices = differing.flatMap((i) => tree.children(i));
    this.host.send({ type: 'tree-request', from: this.host.id, to: message.from, exchangeId: message.exchangeId, level: message.level + 1, indices });
  }

  /** As the peer: the versions of every shared key under the leaves asked for. */
  onKeysRequest(message: KeysRequestMessage): void {
    const tree = this.treeFor(message.from);
    const leaves = new Set(message.leaves);
    const entries = this.host
      .sharedKeys(message.from)
      .filter((key) => leaves.has(tree.leafOf(key)))
      .map((key) => [key, this.host.replica.versions(key)] as const);
    this.host.send({ type: 'keys-reply', from: this.host.id, to: message.from, exchangeId: message.exchangeId, leaves: message.leaves, entries });
  }

  /** As the initiator: merge the peer's versions, then send the peer what it lacked. */
  onKeysReply(message: KeysReplyMessage<V>): void {
    const exchange = this.exchanges.get(message.exchangeId);
    if (exchange === undefined || exchange.peer !== message.from) return;
    this.exchanges.delete(message.exchangeId);
    const theirs = new Map<string, readonly StoredVersion<V>[]>();
    for (const [key, versions] of message.entries) {
      // Keys this node lacks are taken too, as long as it is one of their home replicas.
      if (!this.host.shares(key, message.from)) continue;
      theirs.set(key, versions);
      if (this.host.replica.apply(key, versions)) this.metrics.keysRepaired++;
    }
    const tree = this.treeFor(message.from);
    const leaves = new Set(message.leaves);
    for (const key of this.host.sharedKeys(message.from)) {
      if (!leaves.has(tree.leafOf(key))) continue;
      const mine = this.host.replica.versions(key);
      if (versionsDigest(mine) === versionsDigest(theirs.get(key) ?? [])) continue;
      this.host.send({ type: 'write', from: this.host.id, to: message.from, key, versions: mine });
      this.metrics.keysSent++;
    }
    this.metrics.completed++;
  }

  private treeFor(peer: NodeId): MerkleTree {
    const cached = this.trees.get(peer);
    const dataVersion = this.host.replica.dataVersion;
    if (cached !== undefined && cached.dataVersion === dataVersion) return cached.tree;
    const tree = MerkleTree.build(
      this.host.sharedKeys(peer).map((key) => [key, this.host.replica.digest(key)] as const),
      { depth: this.depth },
    );
    this.trees.set(peer, { dataVersion, tree });
    return tree;
  }
}

function validNode(tree: MerkleTree, level: number, index: number): boolean {
  return Number.isInteger(level) && level >= 0 && level <= tree.depth && Number.isInteger(index) && index >= 0 && index < tree.fanout ** level;
}
