import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { MAX_PEER_BODY_BYTES } from '../src/cluster/cluster-runtime.js';
import { TOKEN, json, startInProcessCluster, until } from './in-process-cluster.js';
import type { InProcessCluster } from './in-process-cluster.js';

const auth = { authorization: `Bearer ${TOKEN}` };

describe('three members in one process, over real HTTP', () => {
  let cluster: InProcessCluster;

  beforeAll(async () => {
    cluster = await startInProcessCluster(['a', 'b', 'c']);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('answers 503 with Retry-After while no leader is known, and serves stale reads locally', async () => {
    const put = await cluster.request('b', '/kv/x', json('PUT', { value: '1' }));
    expect(put.status).toBe(503);
    expect(put.headers.get('retry-after')).toBe('1');
    expect(put.json).toEqual({ error: expect.objectContaining({ code: 'ENOLEADER', outcome: 'not-applied', leader: null }) });
    const get = await cluster.request('a', '/kv/x');
    expect(get.status).toBe(503);
    expect(get.headers.get('retry-after')).toBe('1');
    expect((await cluster.request('a', '/kv/x?consistency=stale')).status).toBe(404);
    const status = await cluster.request('c', '/cluster/status');
    expect(status.json).toMatchObject({ id: 'c', leader: null });
  });

  it('elects a leader on campaign and shows it in /cluster/status, with the exact shape', async () => {
    await cluster.elect('a');
    const leader = (await cluster.request('a', '/cluster/status')).json;
    expect(Object.keys(leader).sort()).toEqual(['appliedIndex', 'commitIndex', 'id', 'leader', 'members', 'role', 'term']);
    expect(leader).toMatchObject({ id: 'a', role: 'leader', leader: 'a' });
    expect(leader.term).toBeGreaterThan(0);
    expect(leader.members.map((m: { id: string }) => m.id)).toEqual(['a', 'b', 'c']);
    for (const m of leader.members) {
      expect(Object.keys(m).sort()).toEqual(['id', 'matchIndex', 'role', 'url']);
      expect(m.url).toBe(cluster.member(m.id).url);
      expect(typeof m.matchIndex).toBe('number');
    }
    expect(leader.members.map((m: { role: string }) => m.role)).toEqual(['leader', 'follower', 'follower']);
    const follower = (await cluster.request('b', '/cluster/status')).json;
    expect(follower).toMatchObject({ id: 'b', role: 'follower', leader: 'a', term: leader.term });
    expect(follower.members.every((m: { matchIndex: unknown }) => m.matchIndex === null)).toBe(true);
  });

  it('sends peer messages over one long-lived stream per peer, each way (the token checked at the upgrade)', async () => {
    const put = await cluster.request('a', '/kv/streamed', json('PUT', { value: 'x' }));
    expect(put.status).toBe(200);
    const link = (from: string, to: string) => cluster.member(from).runtime.peerStates().find((p) => p.id === to);
    await until(() => ['b', 'c'].every((id) => link('a', id)?.stream === 'open' && link(id, 'a')?.stream === 'open'), 'the streams between the leader and each follower');
    expect(cluster.member('a').runtime.peerStreams.stats()).toMatchObject({ open: 2, refused: 0, broken: 0 });
    for (const id of ['b', 'c']) {
      expect(cluster.member(id).runtime.peerStreams.stats().open).toBeGreaterThanOrEqual(1);
      expect(link('a', id)?.sent).toBeGreaterThan(0);
    }
    // The status an upgrade request gets (101 when upgraded; the socket is dropped then).
    const upgradeStatus = (path: string, headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${cluster.member('a').url}${path}`, { agent: false, headers });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('upgrade', (_res, socket) => {
          socket.destroy();
          resolve(101);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await upgradeStatus('/raft/messages', { connection: 'Upgrade', upgrade: 'bulwark-raft/1', authorization: 'Bearer wrong' })).toBe(401);
    // Any other upgrade request is served as a plain request (not dropped by the stream listener).
    const h2c = await upgradeStatus('/kv/streamed', { connection: 'Upgrade, HTTP2-Settings', upgrade: 'h2c', 'http2-settings': '' });
    expect(h2c).toBe(200);
  });

  it('puts and gets on the leader, and reads linearizably from a follower', async () => {
    const put = await cluster.request('a', '/kv/greeting', json('PUT', { value: 'hello' }));
    expect(put.status).toBe(200);
    expect(put.json).toEqual({ key: 'greeting', revision: expect.any(Number) });
    const { revision } = put.json;
    expect((await cluster.request('a', '/kv/greeting')).json).toEqual({ key: 'greeting', value: 'hello', revision });
    expect((await cluster.request('b', '/kv/greeting')).json).toEqual({ key: 'greeting', value: 'hello', revision });
    expect((await cluster.request('c', '/kv/greeting?consistency=linearizable')).json).toEqual({ key: 'greeting', value: 'hello', revision });
    const lease = await cluster.request('c', '/kv/greeting?consistency=lease');
    expect(lease.status).toBe(200);
    expect(lease.json).toEqual({ key: 'greeting', value: 'hello', revision });
    expect(lease.headers.get('x-bulwark-leader')).toBe('a'); // served by the leader
  });

  it('serves concurrent linearizable reads on a follower, each seeing the write acknowledged before it', async () => {
    const put = await cluster.request('a', '/kv/burst', json('PUT', { value: 'one' }));
    const rounds = cluster.member('b').runtime.readRounds().linearizable;
    const replies = await Promise.all(Array.from({ length: 20 }, () => cluster.request('b', '/kv/burst')));
    expect(replies.map((r) => r.json)).toEqual(Array.from({ length: 20 }, () => ({ key: 'burst', value: 'one', revision: put.json.revision })));
    const used = cluster.member('b').runtime.readRounds().linearizable - rounds;
    expect(used).toBeGreaterThanOrEqual(1);
    expect(used).toBeLessThanOrEqual(20);
  });

  it('forwards a write from a follower to the leader, or answers 307 when asked to redirect', async () => {
    const put = await cluster.request('c', '/kv/forwarded', json('PUT', { value: 'via c' }));
    expect(put.status).toBe(200);
    expect(put.headers.get('x-bulwark-leader')).toBe('a');
    expect((await cluster.request('a', '/kv/forwarded')).json).toMatchObject({ value: 'via c', revision: put.json.revision });

    const redirect = await fetch(`${cluster.member('b').url}/kv/forwarded?redirect=1`, { ...json('PUT', { value: 'x' }), redirect: 'manual' });
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get('location')).toBe(`${cluster.member('a').url}/kv/forwarded?redirect=1`);
    // Following the redirect lands on the leader, which applies it.
    const followed = await fetch(redirect.headers.get('location') as string, json('PUT', { value: 'redirected' }));
    expect(followed.status).toBe(200);
    expect((await cluster.request('b', '/kv/forwarded')).json.value).toBe('redirected');
  });

  it('refuses a forwarded request without the cluster token', async () => {
    const reply = await cluster.request('a', '/kv/x', json('PUT', { value: '1' }, { 'x-bulwark-forwarded': 'b' }));
    expect(reply.status).toBe(401);
    expect(reply.json.error.code).toBe('EUNAUTHORIZED');
  });

  it('takes peer requests past the transport\'s 8 MiB default (a snapshot travels whole), up to MAX_PEER_BODY_BYTES', async () => {
    const post = (bytes: number) =>
      cluster.request('a', '/raft/messages', {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream', 'content-length': String(bytes) },
        body: new Uint8Array(bytes).fill(0xff),
      });
    // Read in full and refused as a bad frame, not cut off as too large.
    expect((await post(9 * 1024 * 1024)).status).toBe(400);
    // Past the limit, the declared length alone is refused, before any body is read.
    const status = await new Promise<number>((resolve, reject) => {
      const { hostname, port } = new URL(cluster.member('a').url);
      const req = httpRequest({ hostname, port, path: '/raft/messages', method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-length': String(MAX_PEER_BODY_BYTES + 1) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);
    // On a stream, the same limit: a 9 MiB frame is read whole (and refused as a bad frame), a
    // length past MAX_PEER_BODY_BYTES closes the stream at once.
    const streams = cluster.member('a').runtime.peerStreams;
    const openStream = () =>
      new Promise<Socket>((resolve, reject) => {
        const req = httpRequest(`${cluster.member('a').url}/raft/messages`, { agent: false, headers: { connection: 'Upgrade', upgrade: 'bulwark-raft/1', authorization: `Bearer ${TOKEN}` } });
        req.on('upgrade', (_res, socket) => resolve(socket));
        req.on('response', (res) => reject(new Error(`answered ${res.statusCode}`)));
        req.on('error', reject);
        req.end();
      });
    const length = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n, 0);
      return b;
    };
    const big = await openStream();
    big.write(Buffer.concat([length(9 * 1024 * 1024), Buffer.alloc(9 * 1024 * 1024, 0xff)]));
    await new Promise((resolve) => big.on('close', resolve));
    expect(streams.stats().lastError).toMatch(/bad message frame/);
    const over = await openStream();
    over.write(length(MAX_PEER_BODY_BYTES + 1));
    await new Promise((resolve) => over.on('close', resolve));
    expect(streams.stats().lastError).toBe(`a frame of ${MAX_PEER_BODY_BYTES + 1} bytes on a peer stream, over the ${MAX_PEER_BODY_BYTES}-byte limit`);
  });

  it('deletes: 200 with the revision of the delete, then 404 for the key and for a second delete', async () => {
    await cluster.request('a', '/kv/doomed', json('PUT', { value: 'x' }));
    const deleted = await cluster.request('b', '/kv/doomed', { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(deleted.json).toEqual({ key: 'doomed', revision: expect.any(Number) });
    const get = await cluster.request('a', '/kv/doomed');
    expect(get.status).toBe(404);
    expect(get.json).toEqual({ error: { code: 'ENOTFOUND', message: 'no key "doomed"' }, key: 'doomed' });
    expect((await cluster.request('a', '/kv/doomed', { method: 'DELETE' })).status).toBe(404);
  });

  it('compares and sets: 409 with the current value on a mismatch, 200 on a match, null for absent', async () => {
    const created = await cluster.request('a', '/kv/counter/cas', json('POST', { expected: null, value: '1' }));
    expect(created.status).toBe(200);
    const mismatch = await cluster.request('b', '/kv/counter/cas', json('POST', { expected: '0', value: '2' }));
    expect(mismatch.status).toBe(409);
    expect(mismatch.json).toMatchObject({ error: { code: 'ECASMISMATCH' }, key: 'counter', current: { value: '1', revision: created.json.revision } });
    const swapped = await cluster.request('c', '/kv/counter/cas', json('POST', { expected: '1', value: '2' }));
    expect(swapped.status).toBe(200);
    expect((await cluster.request('a', '/kv/counter')).json).toEqual({ key: 'counter', value: '2', revision: swapped.json.revision });
  });

  it('applies a retried write (same x-request-id) once and answers it with the first answer', async () => {
    const first = await cluster.request('a', '/kv/once', json('PUT', { value: 'first' }, { 'x-request-id': 'req-1' }));
    const later = await cluster.request('a', '/kv/once', json('PUT', { value: 'later' }));
    const retry = await cluster.request('b', '/kv/once', json('PUT', { value: 'first' }, { 'x-request-id': 'req-1' }));
    expect(retry.status).toBe(200);
    expect(retry.json).toEqual(first.json);
    expect((await cluster.request('a', '/kv/once')).json).toEqual({ key: 'once', value: 'later', revision: later.json.revision });
    const reused = await cluster.request('a', '/kv/other', json('PUT', { value: 'x' }, { 'x-request-id': 'req-1' }));
    expect(reused.status).toBe(422);
    expect(reused.json.error.field).toBe('x-request-id');
  });

  it('takes any percent-encoded key, and answers 400 for a malformed encoding', async () => {
    const key = 'a/b c?d#é';
    expect((await cluster.request('a', `/kv/${encodeURIComponent(key)}`, json('PUT', { value: 'odd' }))).status).toBe(200);
    expect((await cluster.request('b', `/kv/${encodeURIComponent(key)}`)).json).toMatchObject({ key, value: 'odd' });
    const malformed = await cluster.request('a', '/kv/%E0%A4%A');
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.code).toBe('EBADREQUEST');
  });

  it('treats __proto__ and constructor as ordinary keys', async () => {
    for (const key of ['__proto__', 'constructor', 'toString']) {
      expect((await cluster.request('a', `/kv/${key}`)).status).toBe(404);
      expect((await cluster.request('a', `/kv/${key}`, json('PUT', { value: `v-${key}` }))).status).toBe(200);
      expect((await cluster.request('b', `/kv/${key}`)).json).toMatchObject({ key, value: `v-${key}` });
    }
  });

  it('answers 413 for a key over 1 KiB or a value over 1 MiB, and 400 naming the field for malformed input', async () => {
    const longKey = await cluster.request('a', `/kv/${'k'.repeat(1025)}`, json('PUT', { value: 'x' }));
    expect(longKey.status).toBe(413);
    expect(longKey.json.error.field).toBe('key');
    const bigValue = await cluster.request('a', '/kv/big', json('PUT', { value: 'x'.repeat(1024 * 1024 + 1) }));
    expect(bigValue.status).toBe(413);
    expect(bigValue.json.error.field).toBe('value');
    const exactly = await cluster.request('a', '/kv/big', json('PUT', { value: 'x'.repeat(1024 * 1024) }));
    expect(exactly.status).toBe(200);
    const huge = await cluster.request('a', '/kv/big', json('PUT', `{"value":"${'x'.repeat(9 * 1024 * 1024)}"}`));
    expect(huge.status).toBe(413);
    expect(huge.json.error.field).toBe('body');

    const cases: Array<[string, RequestInit, string]> = [
      ['/kv/a', json('PUT', '{"value": '), 'body'],
      ['/kv/a', json('PUT', { value: 42 }), 'value'],
      ['/kv/a', json('PUT', { value: 'x', ttl: 5 }), 'ttl'],
      ['/kv/a', json('PUT', [1, 2]), 'body'],
      ['/kv/a', { method: 'PUT' }, 'value'], // no body at all: the value is missing
      ['/kv/a/cas', json('POST', { value: 'x' }), 'expected'],
      ['/kv/a?consistency=eventual', { method: 'GET' }, 'consistency'],
      ['/kv/a', json('PUT', { value: 'x' }, { 'x-request-id': 'x'.repeat(200) }), 'x-request-id'],
    ];
    for (const [path, init, field] of cases) {
      const reply = await cluster.request('b', path, init);
      expect({ path, status: reply.status, field: reply.json?.error?.field }).toEqual({ path, status: 400, field });
    }
  });

  it('accepts a body without a JSON content type (curl -d)', async () => {
    const reply = await cluster.request('a', '/kv/plain', { method: 'PUT', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '{"value":"v"}' });
    expect(reply.status).toBe(200);
  });

  it('protects the operator API with the cluster token', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token' }, { authorization: TOKEN }]) {
      const reply = await cluster.request('a', '/cluster/snapshot', { method: 'POST', headers });
      expect(reply.status).toBe(401);
      expect(reply.json.error.code).toBe('EUNAUTHORIZED');
    }
    const snapshot = await cluster.request('b', '/cluster/snapshot', { method: 'POST', headers: auth });
    expect(snapshot.status).toBe(200);
    expect(snapshot.json).toEqual({ index: expect.any(Number), created: true });
    expect(snapshot.json.index).toBe(cluster.member('b').runtime.node.status().appliedIndex);
    // The member still serves reads and writes from its compacted log.
    expect((await cluster.request('a', '/kv/after-snapshot', json('PUT', { value: 'v' }))).status).toBe(200);
    expect((await cluster.request('b', '/kv/greeting')).json.value).toBe('hello');
  });

  it('sets and clears transport faults through the operator API', async () => {
    // A delay, not drops: no tick here would make Raft resend a dropped message.
    const set = await cluster.request('c', '/cluster/faults', json('PUT', { delayMs: 1 }, auth));
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({ active: true, drop: 0, delayMs: 1 });
    expect((await cluster.request('c', '/cluster/faults', { headers: auth })).json).toMatchObject({ active: true, delayMs: 1 });
    const bad = await cluster.request('c', '/cluster/faults', json('PUT', { drop: 2 }, auth));
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe('drop');
    const cleared = await cluster.request('c', '/cluster/faults', { method: 'DELETE', headers: auth });
    expect(cleared.json).toMatchObject({ active: false });
  });

  it('adds and removes a learner through the log, from any member', async () => {
    const added = await cluster.request('b', '/cluster/members', json('POST', { id: 'd', url: 'http://127.0.0.1:9', learner: true }, auth));
    expect(added.status).toBe(200);
    await until(() => cluster.members.every((m) => m.runtime.status().members.some((x) => x.id === 'd' && x.role === 'learner')), 'd to join as a learner');
    // Every member learned d's URL through the log.
    expect(cluster.members.map((m) => m.runtime.memberUrl('d'))).toEqual(['http://127.0.0.1:9', 'http://127.0.0.1:9', 'http://127.0.0.1:9']);
    const bad = await cluster.request('a', '/cluster/members', json('POST', { id: 'e', url: 'not a url' }, auth));
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe('url');
    expect((await cluster.request('a', '/cluster/members/d', { method: 'DELETE', headers: auth })).status).toBe(200);
    await until(() => cluster.members.every((m) => !m.runtime.status().members.some((x) => x.id === 'd')), 'd to leave');
    await until(() => cluster.members.every((m) => m.runtime.memberUrl('d') === undefined), 'd\'s URL to be forgotten');
    expect((await cluster.request('a', '/cluster/members/d', { method: 'DELETE', headers: auth })).status).toBe(404);
  });

  it('serves /metrics with the Raft collector and the policy metrics', async () => {
    const reply = await cluster.request('a', '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toContain('text/plain');
    const status = cluster.member('a').runtime.node.status();
    expect(reply.text).toContain(`bulwark_raft_term{node="a"} ${status.term}`);
    expect(reply.text).toContain('bulwark_raft_leader{node="a"} 1');
    expect(reply.text).toMatch(/bulwark_raft_proposals_total\{node="a"\} [1-9]\d*/);
    expect(reply.text).toContain('# TYPE bulwark_raft_fsync_duration_seconds histogram');
    expect(reply.text).toContain('bulwark_bulkhead_max_concurrent_calls{name="kv"} 4096');
    expect((await cluster.request('b', '/metrics')).text).toContain('bulwark_raft_leader{node="b"} 0');
  });

  it('serves /health through terminus', async () => {
    const reply = await cluster.request('b', '/health');
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({
      status: 'ok',
      info: { raft: { status: 'up', id: 'b', role: 'follower', leader: 'a' }, bulwark: { status: 'up', openBreakers: [], fullBulkheads: [] } },
    });
  });

  it('serves the dashboard JSON and the status page', async () => {
    const dashboard = (await cluster.request('c', '/cluster/dashboard')).json;
    expect(dashboard.self).toMatchObject({ id: 'c', leader: 'a' });
    expect(dashboard.leader).toBe('a');
    expect(dashboard.members.map((m: { id: string; reachable: boolean; status: { role: string } }) => [m.id, m.reachable, m.status.role])).toEqual([
      ['a', true, 'leader'],
      ['b', true, 'follower'],
      ['c', true, 'follower'],
    ]);
    expect(dashboard.elections[0]).toMatchObject({ leader: 'a', term: dashboard.self.term });
    expect(dashboard.bulkheads).toContainEqual({ name: 'kv', active: 0, queued: 0, maxConcurrent: 4096, maxQueued: 4096 });
    expect(dashboard.breakers).toEqual(expect.arrayContaining([{ name: 'peer:a', kind: 'peer-link', state: 'closed' }, { name: 'peer-status:a', kind: 'policy', state: 'closed' }]));
    expect(dashboard.faults).toMatchObject({ active: false });

    const page = await cluster.request('a', '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.text).toContain("fetch('/cluster/dashboard'");
    expect(page.text).not.toMatch(/<(script|link|img)[^>]+(src|href)=/); // no external assets
  });

  it('answers unknown routes in the JSON error shape', async () => {
    const reply = await cluster.request('a', '/nope');
    expect(reply.status).toBe(404);
    expect(reply.json).toEqual({ error: { code: 'ENOTFOUND', message: expect.any(String) } });
  });

  it('transfers leadership on the operator API, and writes then go to the new leader', async () => {
    const reply = await cluster.request('c', '/cluster/transfer-leadership', json('POST', { to: 'b' }, auth));
    expect(reply.status).toBe(202);
    await until(() => cluster.members.every((m) => m.runtime.node.status().leaderId === 'b'), 'b to lead');
    const put = await cluster.request('a', '/kv/after-transfer', json('PUT', { value: 'v' }));
    expect(put.status).toBe(200);
    expect(put.headers.get('x-bulwark-leader')).toBe('b');
    const dashboard = (await cluster.request('a', '/cluster/dashboard')).json;
    expect(dashboard.elections[0]).toMatchObject({ leader: 'b' });
  });

  it('validates a fault rule field by field', async () => {
    for (const [body, field] of [
      [{ delayMs: -1 }, 'delayMs'],
      [{ partitioned: 'b' }, 'partitioned'],
      [{ partitioned: ['not an id!'] }, 'partitioned'],
      [{ oneWay: 'yes' }, 'oneWay'],
      [{ explode: true }, 'explode'],
    ] as const) {
      const reply = await cluster.request('a', '/cluster/faults', json('PUT', body, auth));
      expect({ status: reply.status, field: reply.json.error.field }).toEqual({ status: 400, field });
    }
  });

  it('shows a stopped member as unreachable on the dashboard', async () => {
    await cluster.stopMember('c');
    const dashboard = (await cluster.request('a', '/cluster/dashboard')).json;
    const c = dashboard.members.find((m: { id: string }) => m.id === 'c');
    expect(c).toMatchObject({ id: 'c', reachable: false, status: null, error: expect.any(String) });
    // Two of three still make a quorum.
    expect((await cluster.request('a', '/kv/two-of-three', json('PUT', { value: 'v' }))).status).toBe(200);
  });
});

describe('a member started without BULWARK_FAULTS', () => {
  it('answers 404 on /cluster/faults', async () => {
    const cluster = await startInProcessCluster(['solo'], { faults: false });
    try {
      const reply = await cluster.request('solo', '/cluster/faults', json('PUT', { drop: 0.1 }, auth));
      expect(reply.status).toBe(404);
      expect(reply.json.error.code).toBe('ENOFAULTS');
    } finally {
      await cluster.stop();
    }
  });
});
