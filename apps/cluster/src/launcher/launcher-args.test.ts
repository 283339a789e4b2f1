import { isLauncherError } from './launcher-error.js';
import { launcherUsage, parseLauncherArgs } from './launcher-args.js';

function failure(argv: string[]): string {
  try {
    parseLauncherArgs(argv);
  } catch (error) {
    expect(isLauncherError(error) && error.reason === 'invalidOptions').toBe(true);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(argv)} to be refused`);
}

describe('parseLauncherArgs', () => {
  it('defaults to three members on 7001-7003 of 127.0.0.1 with data under .data', () => {
    expect(parseLauncherArgs([])).toEqual({ nodes: 3, basePort: 7001, host: '127.0.0.1', dataDir: '.data' });
  });

  it('reads each flag as `--flag value` and as `--flag=value`', () => {
    expect(parseLauncherArgs(['--nodes', '5', '--base-port', '8001', '--host', '::1', '--data-dir', '/tmp/d'])).toEqual({ nodes: 5, basePort: 8001, host: '::1', dataDir: '/tmp/d' });
    expect(parseLauncherArgs(['--nodes=9', '--base-port=65527', '--host=localhost', '--data-dir=x'])).toEqual({ nodes: 9, basePort: 65_527, host: 'localhost', dataDir: 'x' });
    expect(parseLauncherArgs(['--nodes=1'])).toMatchObject({ nodes: 1 });
  });

  it('answers help for -h and --help', () => {
    expect(parseLauncherArgs(['--nodes', '5', '--help'])).toBe('help');
    expect(parseLauncherArgs(['-h'])).toBe('help');
    expect(launcherUsage).toMatch(/--nodes N {8}how many members, 1 to 9 \(default 3\)/);
  });

  it('refuses bad input with a message naming the flag', () => {
    expect(failure(['--nodes', '0'])).toBe('--nodes must be an integer from 1 to 9, got "0" (see --help)');
    expect(failure(['--nodes=10'])).toBe('--nodes must be an integer from 1 to 9, got "10" (see --help)');
    expect(failure(['--nodes', 'three'])).toMatch(/^--nodes must be an integer from 1 to 9, got "three"/);
    expect(failure(['--nodes', '2.5'])).toMatch(/^--nodes must be an integer/);
    expect(failure(['--nodes', '-1'])).toBe('--nodes must be an integer from 1 to 9, got "-1" (see --help)');
    expect(failure(['--nodes'])).toBe('--nodes needs a value (see --help)');
    expect(failure(['--nodes='])).toBe('--nodes needs a value (see --help)');
    expect(failure(['--base-port', '0'])).toBe('--base-port must be an integer from 1 to 65533, got "0" (see --help)');
    expect(failure(['--nodes', '5', '--base-port', '65533'])).toBe('--base-port must be an integer from 1 to 65531, got "65533" (see --help)');
    expect(failure(['--base-port', '7001x'])).toMatch(/^--base-port must be an integer/);
    expect(failure(['--nodes', '3', '--nodes', '4'])).toBe('--nodes given twice (see --help)');
    expect(failure(['--verbose'])).toBe('unknown argument "--verbose" (see --help)');
    expect(failure(['5'])).toBe('unknown argument "5" (see --help)');
    expect(failure(['--host', '--nodes', '3'])).toBe('--host needs a value (see --help)');
  });
});
