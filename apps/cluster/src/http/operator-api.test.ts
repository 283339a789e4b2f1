import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import type { ForwardRequest } from './leader-client.js';
import { OperatorApi } from './operator-api.js';
import type { OperatorRequest } from './operator-api.js';

const TOKEN = 'operator-token-0123456789';

function stub(leading: boolean, leaderId: string | undefined) {
  const forwarded: ForwardRequest[] = [];
  const runtime = {
    config: { nodeId: 'a', token: TOKEN },
    faults: undefined,
    isLeader: () => leading,
    leader: () => (leaderId === undefined ? undefined : { id: leaderId, url: `http://${leaderId}.test` }),
    leaderClient: {
      forward: async (_id: string, _url: string, request: ForwardRequest) => {
        forwarded.push(request);
        return { status: 202, raw: '{}' };
      },
    },
  };
  return { api: new OperatorApi(runtime as unknown as ClusterRuntime), forwarded };
}

const request = (overrides: Partial<OperatorRequest>): OperatorRequest => ({
  method: 'POST',
  url: '/cluster/transfer-leadership',
  headers: { authorization: `Bearer ${TOKEN}` },
  body: { to: 'b' },
  ...overrides,
});

describe('OperatorApi', () => {
  it('authorizes only the cluster token, with a WWW-Authenticate challenge otherwise', () => {
    const { api } = stub(true, 'a');
    expect(api.authorize(request({}))).toBeUndefined();
    const refused = api.authorize(request({ headers: { authorization: 'Bearer nope' } }));
    expect(refused?.status).toBe(401);
    expect(refused?.headers).toEqual({ 'www-authenticate': 'Bearer realm="bulwark-cluster"' });
  });

  it('forwards leader-only calls from a follower, once', async () => {
    const { api, forwarded } = stub(false, 'b');
    expect((await api.transferLeadership(request({}))).status).toBe(202);
    expect(forwarded).toEqual([{ method: 'POST', path: '/cluster/transfer-leadership', body: '{"to":"b"}', write: true }]);
    const bounced = await api.transferLeadership(request({ headers: { authorization: `Bearer ${TOKEN}`, 'x-bulwark-forwarded': 'c' } }));
    expect(bounced.status).toBe(503);
    expect(forwarded).toHaveLength(1);
  });

  it('answers 503 with no leader, and 400 naming the field for a bad body', async () => {
    const { api } = stub(false, undefined);
    expect((await api.removeMember(request({ method: 'DELETE', params: { id: 'b' } }))).status).toBe(503);
    for (const [call, field] of [
      [() => api.transferLeadership(request({ body: { to: '' } })), 'to'],
      [() => api.transferLeadership(request({ body: { to: 'b', now: true } })), 'now'],
      [() => api.addMember(request({ body: { id: 'd', url: 'http://d.test/path' } })), 'url'],
      [() => api.addMember(request({ body: { id: 'd', url: 'http://d.test', learner: 'yes' } })), 'learner'],
      [() => api.addMember(request({ body: ['d'] })), 'body'],
      [() => api.removeMember(request({ method: 'DELETE', params: { id: '../x' } })), 'id'],
    ] as const) {
      const reply = await call();
      expect({ status: reply.status, field: (reply.body as { error: { field: string } }).error.field }).toEqual({ status: 400, field });
    }
  });
});
