import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ScenarioRunner, parseScript, rewriteScript } from './scenario-script.js';

// Scenario scripts in testdata/: commands and the output they must print, like etcd's
// datadriven interaction tests. `RAFT_REWRITE=1` rewrites the expected output in place.
const dir = fileURLToPath(new URL('./testdata/', import.meta.url));
const files = readdirSync(dir).filter((name) => name.endsWith('.txt'));
const rewrite = process.env['RAFT_REWRITE'] === '1';

describe('Raft scenario scripts', () => {
  it.each(files)('%s', (file) => {
    const text = readFileSync(`${dir}${file}`, 'utf8');
    const runner = new ScenarioRunner();
    const blocks = parseScript(text);
    const actual = blocks.map((block) => runner.run(block.command));
    if (rewrite) {
      writeFileSync(`${dir}${file}`, rewriteScript(text, actual));
      return;
    }
    blocks.forEach((block, i) => {
      expect(`${file}:${block.line} ${block.command}\n${actual[i]}`).toBe(`${file}:${block.line} ${block.command}\n${block.expected}`);
    });
  });

  it('parses and rewrites blocks, keeping comments', () => {
    const text = '# a comment\nstatus\n----\nold\n\nheal\n----\nok\n';
    expect(parseScript(text)).toEqual([
      { command: 'status', expected: 'old', line: 2 },
      { command: 'heal', expected: 'ok', line: 6 },
    ]);
    expect(rewriteScript(text, ['new\nlines', 'ok'])).toBe('# a comment\nstatus\n----\nnew\nlines\n\nheal\n----\nok\n');
    expect(() => parseScript('status\nnot a separator\n')).toThrow(/line 2: expected "----"/);
  });
});
