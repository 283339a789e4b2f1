import { NotLeaderError, RequestLostError } from '@bulwark/core';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import type { KvCommand, KvResult } from '../kv/kv-command.js';
import { KvStateMachine } from '../kv/kv-state-machine.js';
import { KvApi } from './kv-api.js';
import type { KvRequest } from './kv-api.js';
import type { ForwardRequest } from './leader-client.js';

const TOKEN = 'stub-token-0123456789';

/** A runtime stand-in: a leader or a follower of `leaderId`, proposing into a real state machine. */
function stub(options: { leading: boolean; leaderId?: string; forward?: boolean; propose?: (c: KvCommand) => Promise<KvResult> }) {
  const kv = new KvStateMachine();
  let index = 0;
  const forwarded: Array<{ leaderId: string; url: string; request: ForwardRequest }> = [];
  const runtime = {
    config: { nodeId: 'a', token: TOKEN, forward: options.forward ?? true },
    kv,
    isLeader: () => options.leading,
    leader: () => (options.leaderId === undefined ? undefined : { id: options.leaderId, url: options.leaderId === 'x' ? undefined : `http://${options.leaderId}.test` }),
    readBarrier: async () => undefined,
    propose: options.propose ?? (async (command: KvCommand) => kv.apply(new TextEncoder().encode(JSON.stringify(command)), ++index)),
    leaderClient: {
      forward: async (leaderId: string, url: string, request: ForwardRequest) => {
        forwarded.push({ leaderId, url, request });
        return { status: 200, raw: '{"forwarded":true}' };
      },
    },
  };
  return { api: new KvApi(runtime as unknown as ClusterRuntime), forwarded, kv };
}

const request = (overrides: Partial<KvRequest>): KvRequest => ({ method: 'PUT', url: '/kv/k', key: 'k', query: {}, headers: {}, body: { value: 'v' }, ...overrides });

describe('KvApi', () => {
  it('proposes a write on the leader and answers its revision', async () => {
    const { api } = stub({ leading: true, leaderId: 'a' });
    expect(await api.put(request({}))).toEqual({ status: 200, body: { key: 'k', revision: 1 } });
    expect(await api.get(request({ method: 'GET' }))).toEqual({ status: 200, body: { key: 'k', value: 'v', revision: 1 } });
  });

  it('forwards a follower write with the request id and the JSON body', async () => {
    const { api, forwarded } = stub({ leading: false, leaderId: 'b' });
    const reply = await api.put(request({ headers: { 'x-request-id': 'r-1' } }));
    expect(reply).toEqual({ status: 200, raw: '{"forwarded":true}' });
    expect(forwarded).toEqual([{ leaderId: 'b', url: 'http://b.test', request: { method: 'PUT', path: '/kv/k', body: '{"value":"v"}', requestId: 'r-1', write: true } }]);
  });

  it('answers 307 to the leader with FORWARD=0 or ?redirect=1', async () => {
    for (const [forward, query] of [[false, {}], [true, { redirect: '1' }]] as const) {
      const { api, forwarded } = stub({ leading: false, leaderId: 'b', forward });
      const reply = await api.delete(request({ method: 'DELETE', url: '/kv/k?redirect=1', query }));
      expect(reply.status).toBe(307);
      expect(reply.headers).toEqual({ location: 'http://b.test/kv/k?redirect=1', 'x-bulwark-leader': 'b' });
      expect(forwarded).toEqual([]);
    }
  });

  it('never forwards a forwarded request again, and checks its token', async () => {
    const { api, forwarded } = stub({ leading: false, leaderId: 'b' });
    const unauthorized = await api.put(request({ headers: { 'x-bulwark-forwarded': 'c' } }));
    expect(unauthorized.status).toBe(401);
    const bounced = await api.put(request({ headers: { 'x-bulwark-forwarded': 'c', authorization: `Bearer ${TOKEN}` } }));
    expect(bounced.status).toBe(503);
    expect(bounced.headers).toEqual({ 'retry-after': '1' });
    expect(forwarded).toEqual([]);
  });

  it('answers 503 when the leader has no known URL, or none is known', async () => {
    expect((await stub({ leading: false, leaderId: 'x' }).api.put(request({}))).status).toBe(503);
    expect((await stub({ leading: false }).api.put(request({}))).status).toBe(503);
  });

  it('forwards when leadership moved between the check and the proposal', async () => {
    const { api, forwarded } = stub({ leading: true, leaderId: 'b', propose: () => Promise.reject(new NotLeaderError('b', 4)) });
    expect((await api.put(request({}))).status).toBe(200);
    expect(forwarded).toHaveLength(1);
  });

  it('answers 503 with outcome unknown when the proposal was lost with leadership', async () => {
    const { api } = stub({ leading: true, leaderId: 'a', propose: () => Promise.reject(new RequestLostError('proposal', 'leadership-lost', 9)) });
    const reply = await api.cas(request({ method: 'POST', body: { expected: null, value: 'v' } }));
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({ error: { code: 'EREQUESTLOST', outcome: 'unknown' } });
  });

  it('serves stale reads locally on a follower, and sends lease reads to the leader', async () => {
    const { api, forwarded } = stub({ leading: false, leaderId: 'b' });
    expect((await api.get(request({ method: 'GET', query: { consistency: 'stale' } }))).status).toBe(404);
    expect((await api.get(request({ method: 'GET', url: '/kv/k?consistency=lease', query: { consistency: 'lease' } }))).status).toBe(200);
    expect(forwarded).toEqual([{ leaderId: 'b', url: 'http://b.test', request: { method: 'GET', path: '/kv/k?consistency=lease', body: undefined, requestId: undefined, write: false } }]);
  });
});
