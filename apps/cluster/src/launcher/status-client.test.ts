import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchMemberStatus, parseMemberStatus } from './status-client.js';

const status = { id: 'n1', role: 'leader', term: 3, leader: 'n1', commitIndex: 9, appliedIndex: 9, members: [] };

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('parseMemberStatus', () => {
  it('keeps the fields the launcher reads', () => {
    expect(parseMemberStatus(JSON.stringify(status))).toEqual({ id: 'n1', role: 'leader', term: 3, leader: 'n1' });
    expect(parseMemberStatus(JSON.stringify({ ...status, leader: null }))?.leader).toBeNull();
  });

  it('refuses what is not a status', () => {
    for (const body of ['not json', 'null', '[]', '"x"', JSON.stringify({ ...status, id: 1 }), JSON.stringify({ ...status, term: '3' }), JSON.stringify({ ...status, role: undefined }), JSON.stringify({ ...status, leader: 2 })]) {
      expect(parseMemberStatus(body)).toBeUndefined();
    }
  });
});

describe('fetchMemberStatus', () => {
  it('reads GET /cluster/status without keeping the connection', async () => {
    const seen: Array<{ url: string | undefined; connection: string | undefined }> = [];
    const { url, server } = await serve((req, res) => {
      seen.push({ url: req.url, connection: req.headers.connection });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(status));
    });
    servers.push(server);
    expect(await fetchMemberStatus(url, 5_000)).toEqual({ id: 'n1', role: 'leader', term: 3, leader: 'n1' });
    expect(seen).toEqual([{ url: '/cluster/status', connection: 'close' }]);
  });

  it('answers undefined for a non-200, an oversized body, a refused connection and a member that never answers', async () => {
    const { url: failing, server: a } = await serve((_req, res) => void res.writeHead(503).end(JSON.stringify(status)));
    const { url: huge, server: b } = await serve((_req, res) => {
      res.writeHead(200);
      res.end(`{"pad":"${'x'.repeat(2 << 20)}"}`);
    });
    const { url: silent, server: c } = await serve(() => undefined);
    servers.push(a, b, c);
    const { url: closed, server: d } = await serve(() => undefined);
    await new Promise((resolve) => d.close(resolve));
    expect(await fetchMemberStatus(failing, 5_000)).toBeUndefined();
    expect(await fetchMemberStatus(huge, 5_000)).toBeUndefined();
    expect(await fetchMemberStatus(closed, 5_000)).toBeUndefined();
    expect(await fetchMemberStatus(silent, 100)).toBeUndefined();
  });
});
