import { jest } from '@jest/globals';
import { EXIT_USAGE, parseArgv, runCli, usage } from './cli.js';
import type { SuiteContext, SuiteRegistry } from './suite.js';

const known = ['breaker', 'policies'];

describe('parseArgv', () => {
  it('runs every suite, in registry order, when none is named', () => {
    expect(parseArgv([], known)).toEqual({ kind: 'run', suites: ['breaker', 'policies'], quick: false });
  });

  it('runs the named suites in the order given, without duplicates', () => {
    expect(parseArgv(['policies', 'breaker', 'policies'], known)).toEqual({
      kind: 'run',
      suites: ['policies', 'breaker'],
      quick: false,
    });
  });

  it('ignores a leftover `--` and accepts --quick anywhere', () => {
    expect(parseArgv(['--', 'breaker', '--quick'], known)).toEqual({ kind: 'run', suites: ['breaker'], quick: true });
  });

  it('rejects an unknown suite and lists the known ones', () => {
    const request = parseArgv(['brekaer'], known);
    expect(request.kind).toBe('error');
    expect(request.kind === 'error' && request.message).toBe('unknown suite "brekaer"; known suites: breaker, policies');
  });

  it('rejects an unknown option', () => {
    expect(parseArgv(['--fast'], known)).toEqual({ kind: 'error', message: 'unknown option "--fast"' });
  });

  it('answers help', () => {
    expect(parseArgv(['breaker', '-h'], known)).toEqual({ kind: 'help' });
    expect(parseArgv(['--help'], known)).toEqual({ kind: 'help' });
  });
});

describe('runCli', () => {
  function registry(run: (ctx: SuiteContext) => Promise<void>): SuiteRegistry {
    return {
      breaker: { description: 'the breaker suite', load: async () => ({ run }) },
      policies: { description: 'the policies suite', load: async () => ({ run: async () => undefined }) },
    };
  }

  function io(): { out: string[]; err: string[]; sink: { out: (t: string) => void; err: (t: string) => void } } {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, sink: { out: (t) => out.push(t), err: (t) => err.push(t) } };
  }

  it('exits 2 on an unknown suite, naming the suites, and runs nothing', async () => {
    const run = jest.fn<(ctx: SuiteContext) => Promise<void>>(async () => undefined);
    const streams = io();
    expect(await runCli(['raft'], registry(run), streams.sink)).toBe(EXIT_USAGE);
    expect(run).not.toHaveBeenCalled();
    expect(streams.err.join('\n')).toContain('unknown suite "raft"; known suites: breaker, policies');
  });

  it('runs the named suite with --quick passed through', async () => {
    const run = jest.fn(async (ctx: SuiteContext) => {
      ctx.out(`quick=${ctx.quick}`);
      ctx.progress('round 1/1');
    });
    const streams = io();
    expect(await runCli(['breaker', '--quick'], registry(run), streams.sink)).toBe(0);
    expect(run).toHaveBeenCalledTimes(1);
    expect(streams.out).toEqual(['quick=true']);
    expect(streams.err).toEqual(['[breaker] round 1/1']);
  });

  it('exits 1 when a suite throws', async () => {
    const streams = io();
    const code = await runCli(['breaker'], registry(async () => Promise.reject(new Error('boom'))), streams.sink);
    expect(code).toBe(1);
    expect(streams.err.join('\n')).toContain('suite breaker failed');
  });

  it('prints usage for --help', async () => {
    const streams = io();
    expect(await runCli(['--help'], registry(async () => undefined), streams.sink)).toBe(0);
    expect(streams.out[0]).toBe(usage(registry(async () => undefined)));
    expect(streams.out[0]).toContain('breaker   the breaker suite');
  });
});
