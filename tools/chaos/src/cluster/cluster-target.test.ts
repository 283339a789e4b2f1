import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChaosCluster } from './cluster-target.js';
import { clusterTarget, sendJson } from './cluster-target.js';

interface Seen {
  readonly member: string;
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => {
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      s.closeAllConnections();
      return closed;
    }),
  );
});

async function member(id: string, seen: Seen[], status: (s: Seen) => number = () => 200): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const entry = { member: id, method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body };
      seen.push(entry);
      res.writeHead(status(entry), { 'content-type': 'application/json' });
      res.end('{"active":true}');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function launched(members: Array<{ id: string; url: string }>, calls: string[]): ChaosCluster {
  return {
    members: members.map((m) => ({ ...m, pid: 1 })),
    waitForLeader: async (timeoutMs) => {
      calls.push(`waitForLeader ${String(timeoutMs)}`);
      return members[1];
    },
    kill: async (id, signal) => void calls.push(`kill ${id} ${String(signal)}`),
    restart: async (id) => void calls.push(`restart ${id}`),
    pause: (id) => void calls.push(`pause ${id}`),
    resume: (id) => void calls.push(`resume ${id}`),
    stop: async () => void calls.push('stop'),
  };
}

describe('clusterTarget', () => {
  it('sets and clears fault rules through each member hook, with the token', async () => {
    const seen: Seen[] = [];
    const urls = [await member('n1', seen), await member('n2', seen)];
    const target = clusterTarget(launched([{ id: 'n1', url: urls[0] }, { id: 'n2', url: urls[1] }], []), { token: 'secret-token-1234' });
    expect(target.members).toEqual(['n1', 'n2']);
    await target.setFaults('n2', { partitioned: ['n1'] });
    await target.clearFaults('n1');
    expect(seen).toEqual([
      { member: 'n2', method: 'PUT', url: '/cluster/faults', authorization: 'Bearer secret-token-1234', body: '{"partitioned":["n1"]}' },
      { member: 'n1', method: 'DELETE', url: '/cluster/faults', authorization: 'Bearer secret-token-1234', body: '' },
    ]);
  });

  it('rejects when the hook refuses, naming the member and the status', async () => {
    const seen: Seen[] = [];
    const url = await member('n1', seen, () => 404);
    const target = clusterTarget(launched([{ id: 'n1', url }], []), { token: 't'.repeat(16) });
    await expect(target.setFaults('n1', { drop: 0.5 })).rejects.toThrow('PUT /cluster/faults on n1 answered 404 {"active":true}');
    await expect(target.clearFaults('n9')).rejects.toThrow('no member "n9"');
  });

  it('kills with SIGKILL, restarts, pauses and resumes through the launcher, and asks it for the leader', async () => {
    const calls: string[] = [];
    const target = clusterTarget(launched([{ id: 'n1', url: 'http://127.0.0.1:1' }, { id: 'n2', url: 'http://127.0.0.1:2' }], calls), { token: 't'.repeat(16), leaderTimeoutMs: 750 });
    expect(await target.leader()).toBe('n2');
    await target.kill('n1');
    await target.restart('n1');
    await target.pause('n2');
    await target.resume('n2');
    expect(calls).toEqual(['waitForLeader 750', 'kill n1 SIGKILL', 'restart n1', 'pause n2', 'resume n2']);
  });
});

describe('sendJson', () => {
  it('rejects when nothing listens', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await expect(sendJson(`http://127.0.0.1:${port}/x`, 'GET', { timeoutMs: 1000 })).rejects.toThrow('ECONNREFUSED');
  });
});
