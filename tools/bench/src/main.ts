/**
 * Entry point: `node --expose-gc tools/bench/dist/main.js [--quick] [suite...]`
 * (normally through `npm run bench -- <suite>`).
 */
import { runCli } from './cli.js';
import { suites } from './suites/index.js';

process.exitCode = await runCli(process.argv.slice(2), suites, {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
