import { base64, getRequest, putRequest, readValue, valueOf } from './kv-requests.js';

describe('kv requests', () => {
  it("builds Bulwark's client API requests", () => {
    expect(putRequest('bulwark', 'a/b', 'v')).toEqual({ method: 'PUT', path: '/kv/a%2Fb', headers: { 'content-type': 'application/json' }, body: '{"value":"v"}' });
    expect(getRequest('bulwark', 'a/b')).toEqual({ method: 'GET', path: '/kv/a%2Fb?consistency=linearizable', headers: {} });
  });

  it("builds etcd's v3 gateway requests with base64 keys and values", () => {
    expect(putRequest('etcd', 'k', 'v')).toEqual({ method: 'POST', path: '/v3/kv/put', headers: { 'content-type': 'application/json' }, body: '{"key":"aw==","value":"dg=="}' });
    expect(getRequest('etcd', 'k')).toEqual({ method: 'POST', path: '/v3/kv/range', headers: { 'content-type': 'application/json' }, body: '{"key":"aw=="}' });
    expect(base64('é')).toBe('w6k=');
  });

  it('reads the value out of either answer, and nothing out of a miss or junk', () => {
    expect(readValue('bulwark', '{"key":"k","value":"v1","revision":3}')).toBe('v1');
    expect(readValue('bulwark', '{"error":{"code":"ENOTFOUND"}}')).toBeUndefined();
    expect(readValue('etcd', `{"header":{"revision":"5"},"kvs":[{"key":"aw==","value":"${base64('v1')}"}],"count":"1"}`)).toBe('v1');
    expect(readValue('etcd', '{"header":{"revision":"5"},"kvs":[{"key":"aw=="}],"count":"1"}')).toBe('');
    expect(readValue('etcd', '{"header":{"revision":"5"}}')).toBeUndefined();
    expect(readValue('etcd', 'not json')).toBeUndefined();
    expect(readValue('bulwark', 'null')).toBeUndefined();
  });

  it('makes values of the given size that name their number', () => {
    expect(valueOf(7)).toHaveLength(100);
    expect(valueOf(7).startsWith('v7-x')).toBe(true);
    expect(valueOf(12, 5)).toBe('v12-x');
    expect(valueOf(123456, 3)).toBe('v123456-');
  });
});
