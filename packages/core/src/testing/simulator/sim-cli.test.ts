import { runSimCli } from './sim-cli.js';
import { replayCommand } from './simulation-options.js';

function run(...argv: string[]): { code: number; out: string } {
  let out = '';
  let time = 0;
  const code = runSimCli(argv, {
    write: (text) => {
      out += text;
    },
    now: () => (time += 500),
  });
  return { code, out };
}

describe('npm run sim (runSimCli)', () => {
  it('prints seeds run, operations checked, faults by kind, violations and simulated ops/s', () => {
    const { code, out } = run('--seeds', '3', '--ops', '10');
    expect(code).toBe(0);
    expect(out).toMatch(/^seeds run: {12}3 \(1\.\.3\)$/m);
    expect(out).toMatch(/^operations checked: {3}30 \(ok \d+, fail \d+, info \d+\)$/m);
    expect(out).toMatch(/^faults injected: {6}\d+$/m);
    expect(out).toMatch(/^ {2}crash {15}\d+$/m);
    expect(out).toMatch(/^violations: {11}0$/m);
    expect(out).toMatch(/^snapshots installed: {2}\d+$/m);
    expect(out).toMatch(/^ReadIndex reads: {6}\d+$/m);
    expect(out).toMatch(/^membership changes: {3}\d+ applied$/m);
    expect(out).toMatch(/^wall time: {12}0\.50 s$/m); // the injected clock: one 500 ms step
    expect(out).toMatch(/^simulated ops\/s: {6}60$/m);
  });

  it('replays one seed with its trace, and starts a range at --first', () => {
    const one = run('--seed', '7', '--ops', '5', '--nodes', '5', '--keys', '1');
    expect(one.code).toBe(0);
    expect(one.out).toMatch(/^ +\d+ms c\d invoke \w+\(k1/m);
    expect(one.out).toContain('seeds run:            1 (7..7)');
    expect(run('--first', '20', '--seeds', '2', '--ops', '4', '--fault-ms', '0').out).toContain('seeds run:            2 (20..21)');
  });

  it('counts and prints violations, with the replay command, and exits 1', () => {
    const { code, out } = run('--seeds', '2', '--ops', '10', '--bug', 'lying-fsync', '--max-failures', '1');
    expect(code).toBe(1);
    expect(out).toContain('violations:           2');
    expect(out.match(/replay: npm run sim -- --seed \d+ --ops 10 --bug lying-fsync/g)).toHaveLength(1);
  });

  it('takes other options as JSON, and the replay command writes them so', () => {
    const options = { seed: 5, ops: 8, snapshotEvery: 3, raft: { preVote: false } };
    expect(replayCommand(options)).toBe(`npm run sim -- --seed 5 --ops 8 --snapshot-every 3 --options '{"raft":{"preVote":false}}'`);
    expect(run('--seed', '5', '--ops', '8', '--snapshot-every', '3', '--options', '{"raft":{"preVote":false}}').code).toBe(0);
    expect(replayCommand({ seed: 1, ops: 40, customFaults: [{ name: 'x', weight: 1, run: () => undefined }] })).toBe(
      'npm run sim -- --seed 1 (plus the custom faults of the test)',
    );
  });

  it.each([
    [['--seeds', 'x']],
    [['--seeds', '0']],
    [['--nodes', '12']],
    [['--bug', 'nope']],
    [['--options', '[1]']],
    [['--options', '{oops']],
    [['--unknown']],
  ])('rejects %j with exit code 2 and the usage', (argv) => {
    const { code, out } = run(...argv);
    expect(code).toBe(2);
    expect(out).toContain('Usage: npm run sim --');
  });

  it('prints its usage for --help', () => {
    expect(run('--help')).toEqual({ code: 0, out: expect.stringContaining('--seeds N') });
  });
});
