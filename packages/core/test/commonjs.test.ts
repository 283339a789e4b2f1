/**
 * CommonJS consumers load the built package through Node's require(esm). This runs a real
 * CommonJS script in a child Node process against `dist/` (the test target depends on the
 * build), so it checks what users get, not the TypeScript sources.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/** Runs `source` as CommonJS in a child Node; it reports through `report(value)` (JSON on stdout). */
function runCommonJs(source: string): unknown {
  const script = `const report = (value) => process.stdout.write(JSON.stringify(value));\n${source}`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=commonjs', '-e', script], { cwd: packageRoot, encoding: 'utf8' }));
}

describe('CommonJS consumers (require(esm))', () => {
  it("require('@bulwark/core/opossum') returns the class itself, as require('opossum') does", () => {
    const out = runCommonJs(`
      const CircuitBreaker = require('@bulwark/core/opossum');
      const { CircuitBreaker: Named } = require('@bulwark/core');
      const breaker = new CircuitBreaker(async (x) => x * 2, { timeout: false });
      breaker.fire(21).then((v) => { report([typeof CircuitBreaker, CircuitBreaker === Named, v]); breaker.shutdown(); });
    `);
    expect(out).toEqual(['function', true, 42]);
  });

  it("require('@bulwark/core/testing') exposes the test helpers", () => {
    const out = runCommonJs(`
      const { ManualClock, seededRandom, deferred } = require('@bulwark/core/testing');
      report([new ManualClock(5).now(), typeof seededRandom(1)(), typeof deferred().resolve]);
    `);
    expect(out).toEqual([5, 'number', 'function']);
  });
});
