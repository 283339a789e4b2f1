// The entry of `npm run sim` (run from the build: node packages/core/dist/testing/simulator/sim-main.js).
import { runSimCli } from './sim-cli.js';

process.exitCode = runSimCli(process.argv.slice(2), {
  write: (text) => process.stdout.write(text),
  now: () => performance.now(),
});
