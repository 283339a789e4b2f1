// examples/replication.ts
import { CausalToken, HashRing, OrSet, QuorumStore } from '@bulwark/core';
import type { Clock, OrSetJSON, StoreMessage } from '@bulwark/core';

type Cart = OrSetJSON<string>;

/** Three replicas of a cart store in one process; each message arrives 1 ms after it is sent. */
export function cartCluster(clock: Clock): Map<string, QuorumStore<Cart>> {
  const nodes = ['a', 'b', 'c'];
  const ring = new HashRing({ virtualNodes: 64 });
  for (const node of nodes) ring.add(node);
  const stores = new Map<string, QuorumStore<Cart>>();
  const transport = { send: (m: StoreMessage<Cart>) => clock.setTimeout(() => stores.get(m.to)?.receive(m), 1) };
  // Concurrent writes are siblings; reads merge them as the CRDT they are (add-wins set).
  const merge = (carts: readonly Cart[]): Cart => carts.map((c) => OrSet.fromJSON<string>(c)).reduce((x, y) => x.merge(y)).toJSON();
  for (const id of nodes) {
    stores.set(id, new QuorumStore<Cart>({ id, nodes, clock, transport, merge, preferenceList: (key, n) => ring.preferenceList(key, n) }));
  }
  return stores;
}

/** Adds an item for `shopper` (read, add, write back with the read's context); returns the session's token. */
export async function addToCart(store: QuorumStore<Cart>, shopper: string, item: string, token = CausalToken.empty): Promise<CausalToken> {
  const read = await store.get('cart', { consistency: 'eventual', token });
  const cart = (read.value === undefined ? OrSet.empty<string>() : OrSet.fromJSON<string>(read.value)).add(item, shopper);
  const written = await store.put('cart', cart.toJSON(), { consistency: 'eventual', context: read.context, token: read.token });
  return written.token;
}
