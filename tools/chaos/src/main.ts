/**
 * Entry point: `node tools/chaos/dist/main.js [flags]` (normally `npm run chaos -- [flags]`).
 * See cli/chaos-args.ts for the flags.
 */
import { runChaosCli } from './cli/chaos-cli.js';
import { refClock } from './cli/ref-clock.js';
import { loadStartCluster } from './cluster/load-launcher.js';

// Ctrl-C: exit at once; the launcher's exit hook SIGKILLs the members (paused ones too).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

process.exitCode = await runChaosCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  launch: async (options) => (await loadStartCluster())(options),
  clock: refClock,
});
