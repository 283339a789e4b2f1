// `npm start` and `npm run cluster -- --nodes 5`: runs apps/cluster as local member processes until Ctrl-C.
import { runLauncherCli } from './launcher-cli.js';

process.exitCode = await runLauncherCli({
  argv: process.argv.slice(2),
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  signals: process,
});
