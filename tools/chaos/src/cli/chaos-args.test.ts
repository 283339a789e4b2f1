import { CHAOS_FAULT_KINDS } from '../nemesis/nemesis-plan.js';
import { CHAOS_DEFAULTS, CHAOS_USAGE, parseChaosArgs } from './chaos-args.js';

describe('parseChaosArgs', () => {
  it('defaults every flag', () => {
    expect(parseChaosArgs([])).toEqual({ kind: 'run', args: { seed: undefined, ...CHAOS_DEFAULTS, faults: CHAOS_FAULT_KINDS, historyPath: undefined } });
  });

  it('reads every flag, as the next argument or after =, and ignores a lone --', () => {
    expect(parseChaosArgs(['--', '--seed', '42', '--duration=30', '--clients', '8', '--nodes=5', '--faults', 'kill,pause,kill', '--history', 'h.jsonl'])).toEqual({
      kind: 'run',
      args: { seed: 42, durationS: 30, clients: 8, nodes: 5, faults: ['kill', 'pause'], historyPath: 'h.jsonl' },
    });
    expect(parseChaosArgs(['--seed=-7'])).toMatchObject({ args: { seed: -7 } });
  });

  it('asks for help with -h or --help', () => {
    expect(parseChaosArgs(['--seed', '1', '-h'])).toEqual({ kind: 'help' });
    expect(parseChaosArgs(['--help'])).toEqual({ kind: 'help' });
    expect(CHAOS_USAGE).toContain('--faults LIST');
  });

  it('refuses bad values and unknown arguments with a message naming them', () => {
    const error = (argv: string[]) => {
      const request = parseChaosArgs(argv);
      return request.kind === 'error' ? request.message : `no error: ${JSON.stringify(request)}`;
    };
    expect(error(['--seed'])).toBe('--seed needs a value');
    expect(error(['--seed', 'x'])).toBe('--seed must be an integer, got "x"');
    expect(error(['--duration', '0'])).toBe('--duration must be between 1 and 86400, got 0');
    expect(error(['--clients', '1e3'])).toBe('--clients must be an integer, got "1e3"');
    expect(error(['--clients', '201'])).toBe('--clients must be between 1 and 200, got 201');
    expect(error(['--nodes', '10'])).toBe('--nodes must be between 1 and 9, got 10');
    expect(error(['--faults', 'kill,meteor'])).toBe('--faults: unknown fault "meteor" (known: kill, pause, partition, isolate, flaky)');
    expect(error(['--faults', ''])).toBe('--faults needs a comma-separated list of fault kinds');
    expect(error(['--history'])).toBe('--history needs a file name');
    expect(error(['--speed', '3'])).toBe('unknown argument "--speed"');
    expect(error(['extra'])).toBe('unknown argument "extra"');
  });
});
