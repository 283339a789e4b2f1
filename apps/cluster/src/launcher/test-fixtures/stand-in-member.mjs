// A stand-in for apps/cluster's dist/main.js in the launcher's own tests: it reads the same
// environment, prints the same `ready <id> <url>` line and answers GET /cluster/status, with
// its behaviour set by STANDIN_* variables (STANDIN_X_<id> overrides STANDIN_X for one member):
// - STANDIN_MODE: normal | exit-before-ready (exit 3) | never-ready | ignore-sigterm
// - STANDIN_LEADER: the leader every member reports ('none': null); the leader says 'leader'
// - STANDIN_TERM: the term reported (default 1)
// GET /env answers the launcher's variables as the member saw them.
import { appendFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const env = process.env;
const id = env.NODE_ID;
const setting = (name, fallback) => env[`STANDIN_${name}_${id}`] ?? env[`STANDIN_${name}`] ?? fallback;
const mode = setting('MODE', 'normal');

process.on('SIGTERM', () => {
  if (mode === 'ignore-sigterm') {
    console.log('ignoring SIGTERM');
    return;
  }
  console.log('stopping');
  process.exit(0);
});

if (mode === 'exit-before-ready') {
  console.error(`stand-in ${id}: refusing to start`);
  process.exit(3);
}

const server = createServer((req, res) => {
  const send = (body) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.url === '/cluster/status') {
    const named = setting('LEADER', 'none');
    const leader = named === 'none' ? null : named;
    send({ id, role: leader === id ? 'leader' : 'follower', term: Number(setting('TERM', '1')), leader, commitIndex: 0, appliedIndex: 0, members: [] });
  } else if (req.url === '/env') {
    const names = ['NODE_ID', 'PORT', 'HOST', 'PEERS', 'DATA_DIR', 'CLUSTER_TOKEN', 'BULWARK_FAULTS', 'STANDIN_EXTRA'];
    send(Object.fromEntries(names.map((name) => [name, env[name] ?? null])));
  } else {
    res.writeHead(404).end();
  }
});

server.listen(Number(env.PORT), env.HOST, () => {
  // Like the app, it keeps its data in DATA_DIR/<NODE_ID>.
  mkdirSync(join(env.DATA_DIR, id), { recursive: true });
  appendFileSync(join(env.DATA_DIR, id, 'starts'), `${process.pid}\n`);
  console.error(`stand-in ${id} says hello on stderr`);
  if (mode !== 'never-ready') console.log(`ready ${id} http://${env.HOST}:${env.PORT}`);
});
