import { readHistory } from '@bulwark/core/testing';
import { checkHistory } from './check-history.js';
import { HistoryRecorder } from './history-recorder.js';

function recorder(clients = 2) {
  let time = 0;
  const history = new HistoryRecorder({ clients, now: () => time });
  return { history, tick: (ms = 1) => (time += ms) };
}

describe('HistoryRecorder', () => {
  it('writes JSON lines that readHistory reads back as the operations recorded', () => {
    const { history, tick } = recorder();
    const put = history.invoke(0, { f: 'put', key: 'k', value: '0.1' });
    const get = history.invoke(1, { f: 'get', key: 'k' });
    tick();
    history.complete(put, { type: 'ok' }, 'via n1');
    tick();
    history.complete(get, { type: 'ok', value: '0.1' });
    const cas = history.invoke(0, { f: 'cas', key: 'k', expected: '0.1', value: '0.2' });
    history.complete(cas, { type: 'ok' });
    const del = history.invoke(1, { f: 'delete', key: 'k' });
    history.complete(del, { type: 'ok' });
    const missing = history.invoke(1, { f: 'get', key: 'k' });
    history.complete(missing, { type: 'ok', value: '' });

    const text = history.toJsonl();
    expect(text.split('\n')[0]).toBe('{"process":0,"type":"invoke","f":"put","key":"k","value":"0.1","time":0}');
    expect(text.split('\n')[2]).toBe('{"process":0,"type":"ok","f":"put","key":"k","value":"0.1","time":1,"note":"via n1"}');
    const { operations } = readHistory(text, { model: 'kv' });
    expect(operations.map((o) => [o.clientId, o.input, o.output, o.call, o.return])).toEqual([
      [0, { op: 'put', key: 'k', value: '0.1' }, undefined, 0, 2],
      [1, { op: 'get', key: 'k' }, '0.1', 1, 3],
      [0, { op: 'cas', key: 'k', expected: '0.1', value: '0.2' }, true, 4, 5],
      [1, { op: 'delete', key: 'k' }, undefined, 6, 7],
      [1, { op: 'get', key: 'k' }, '', 8, 9],
    ]);
    expect(history.operations).toBe(5);
    expect(history.outcomeCounts()).toEqual({
      get: { ok: 2, fail: 0, info: 0 },
      put: { ok: 1, fail: 0, info: 0 },
      cas: { ok: 1, fail: 0, info: 0 },
      delete: { ok: 1, fail: 0, info: 0 },
    });
    expect(checkHistory(text).result).toBe('ok');
  });

  it('drops failed operations, keeps unknown ones unknown, and moves the client to a new process after an unknown outcome', () => {
    const { history } = recorder(2);
    const failed = history.invoke(0, { f: 'cas', key: 'k', expected: 'x', value: 'y' });
    history.complete(failed, { type: 'fail', reason: '409' }, 'via n2');
    const unknown = history.invoke(0, { f: 'put', key: 'k', value: '0.1' });
    history.complete(unknown, { type: 'info', reason: 'timeout' });
    const next = history.invoke(0, { f: 'get', key: 'k' });
    expect(next.process).toBe(2);
    history.complete(next, { type: 'ok', value: '0.1' });

    const lines = history.events();
    expect(lines[1]).toMatchObject({ type: 'fail', note: '409; via n2' });
    expect(lines[3]).toMatchObject({ process: 0, type: 'info', note: 'timeout' });
    const { operations } = readHistory(history.toJsonl(), { model: 'kv' });
    expect(operations.map((o) => [o.clientId, o.input.op, o.unknown === true])).toEqual([
      [0, 'put', true],
      [2, 'get', false],
    ]);
    expect(history.outcomeCounts().cas.fail).toBe(1);
    expect(history.outcomeCounts().put.info).toBe(1);
  });

  it('leaves an operation still open unknown, and the nemesis lines out of the operations', () => {
    const { history } = recorder(1);
    history.nemesis('info', 'start', 'kill n1');
    history.invoke(0, { f: 'put', key: 'k', value: '0.1' });
    const text = history.toJsonl();
    expect(text).toContain('{"process":"nemesis","type":"info","f":"start","value":"kill n1","time":0}');
    const { operations } = readHistory(text, { model: 'kv' });
    expect(operations).toHaveLength(1);
    expect(operations[0].unknown).toBe(true);
  });

  it('refuses an unknown client, a second invoke while one is open, and a completion of nothing open', () => {
    const { history } = recorder(1);
    expect(() => history.invoke(1, { f: 'get', key: 'k' })).toThrow('no client 1');
    const open = history.invoke(0, { f: 'get', key: 'k' });
    expect(() => history.invoke(0, { f: 'get', key: 'k' })).toThrow('client 0 invokes while its last operation is open');
    history.complete(open, { type: 'ok', value: '' });
    expect(() => history.complete(open, { type: 'ok', value: '' })).toThrow('process 0 has no open operation');
    expect(() => new HistoryRecorder({ clients: 0, now: () => 0 })).toThrow('options.clients must be a positive integer, got 0');
  });
});
