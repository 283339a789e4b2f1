import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemberProcess, isReadyLine } from './member-process.js';

describe('isReadyLine', () => {
  it('matches `ready <id> <url>` for this member only', () => {
    expect(isReadyLine('ready n1 http://127.0.0.1:7001', 'n1')).toBe(true);
    expect(isReadyLine('  ready n1 http://127.0.0.1:7001\r', 'n1')).toBe(true);
    expect(isReadyLine('ready n2 http://127.0.0.1:7002', 'n1')).toBe(false);
    expect(isReadyLine('ready n1', 'n1')).toBe(false);
    expect(isReadyLine('not ready n1 http://x', 'n1')).toBe(false);
    expect(isReadyLine('[Nest] ready n1 http://x', 'n1')).toBe(false);
  });
});

describe('MemberProcess', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bulwark-member-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function member(script: string, lines: string[], readyTimeoutMs = 30_000): MemberProcess {
    return new MemberProcess({
      id: 'm',
      url: 'http://127.0.0.1:1',
      command: process.execPath,
      args: ['-e', script],
      env: { PATH: process.env['PATH'] },
      log: (line) => lines.push(line),
      readyTimeoutMs,
    });
  }

  it('starts on its ready line and can start again after exiting', async () => {
    const lines: string[] = [];
    const m = member(`console.log('ready m http://x'); setInterval(() => {}, 1_000)`, lines);
    expect(m.running).toBe(false);
    expect(m.pid).toBeUndefined();
    await m.start();
    expect(m.running).toBe(true);
    await expect(m.start()).rejects.toMatchObject({ reason: 'alreadyRunning' });
    expect(await m.kill('SIGKILL', 1_000)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(m.running).toBe(false);
    expect(await m.kill('SIGKILL', 1_000)).toBeUndefined();
    await m.start();
    expect(await m.kill('SIGTERM', 5_000)).toEqual({ code: null, signal: 'SIGTERM' });
    expect(lines.filter((l) => l === '[m] ready m http://x')).toHaveLength(2);
  });

  it('reports a command that cannot be spawned', async () => {
    const lines: string[] = [];
    const m = new MemberProcess({ id: 'm', url: 'http://127.0.0.1:1', command: join(dir, 'no-such-node'), args: [], env: {}, log: (l) => lines.push(l), readyTimeoutMs: 30_000 });
    await expect(m.start()).rejects.toMatchObject({ reason: 'memberExited', message: expect.stringMatching(/could not start: spawn .*no-such-node ENOENT/) });
    expect(m.running).toBe(false);
  });
});
