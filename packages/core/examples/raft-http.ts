// examples/raft-http.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilePersistentStorage, HttpTransport, type Message, RaftNode, type StateMachine, createPeerHandler, createPeerStreamHandler, systemClock, systemRandom } from '@bulwark/core';

/** The replicated application: a list of lines. */
class Lines implements StateMachine<number> {
  lines: string[] = [];
  apply(command: Uint8Array): number {
    return this.lines.push(new TextDecoder().decode(command));
  }
  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(this.lines));
  }
  restore(data: Uint8Array): void {
    this.lines = JSON.parse(new TextDecoder().decode(data)) as string[];
  }
}

const listen = (server: Server): Promise<string> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

/** Three nodes on loopback, each with its own data directory and port: one write reaches all three. */
export async function httpCluster(): Promise<{ lines: string[][]; fsyncs: number; streams: number }> {
  const token = 'correct-horse-battery-staple';
  const ids = ['a', 'b', 'c'];
  const root = mkdtempSync(join(tmpdir(), 'raft-http-'));
  const nodes = new Map<string, RaftNode<number>>();
  // Each node takes POSTs, and streams: one long-lived connection per peer, upgraded on GET
  // /raft/messages (other upgrade requests stay plain requests: shouldUpgradeCallback).
  const ends = ids.map((id) => {
    const options = { token, receive: (m: Message) => nodes.get(id)?.receive(m) };
    return { post: createPeerHandler(options), stream: createPeerStreamHandler(options) };
  });
  const servers = ends.map(({ post, stream }) => {
    const server = createServer({ shouldUpgradeCallback: (req) => stream.accepts(req) }, post);
    server.on('upgrade', (req, socket, head) => {
      if (!stream.handleUpgrade(req, socket, head)) socket.destroy();
    });
    return server;
  });
  const streams = ends.map((end) => end.stream);
  const urls = await Promise.all(servers.map(listen));
  const peers = Object.fromEntries(ids.map((id, i) => [id, urls[i] as string]));
  let fsyncs = 0;
  const members = ids.map((id) => {
    const storage = FilePersistentStorage.open({ dir: join(root, id), voters: ids, onSync: () => fsyncs++ });
    const transport = new HttpTransport({ id, peers, token, streams: true });
    const lines = new Lines();
    nodes.set(id, new RaftNode({ id, storage, transport, stateMachine: lines, clock: systemClock, random: systemRandom, tickMs: 50 }));
    return { storage, transport, lines };
  });
  try {
    // Wait until every node knows the leader (onLeaderChange fires as each learns it).
    const known = [...nodes.values()].map(
      (node) => new Promise<string>((resolve) => node.onLeaderChange(({ leaderId }) => leaderId !== undefined && resolve(leaderId))),
    );
    const leaderId = (await Promise.all(known))[0] as string;
    await nodes.get(leaderId)?.propose(new TextEncoder().encode('x=1'));
    for (const node of nodes.values()) await node.read(); // ReadIndex: each has applied the write now
    return { lines: members.map((m) => m.lines.lines), fsyncs, streams: streams.reduce((n, s) => n + s.stats().accepted, 0) };
  } finally {
    for (const node of nodes.values()) await node.stop();
    for (const s of streams) s.close(); // a stream is no longer the server's: close() ends it
    for (const { storage, transport } of members) {
      storage.close();
      await transport.close();
    }
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    rmSync(root, { recursive: true, force: true });
  }
}
