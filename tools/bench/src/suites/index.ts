/**
 * The suite registry. Adding a suite is one line here plus its module in this folder,
 * which exports `run(ctx: SuiteContext): Promise<void>`.
 * With no argument, `npm run bench` runs every suite in this order.
 */
import type { SuiteRegistry } from '../suite.js';

/** Every runnable suite, by CLI name. */
export const suites: SuiteRegistry = {
  breaker: { description: 'circuit breaker: ours vs opossum 10 vs cockatiel 4 (ns/call, heap, timers)', load: () => import('./breaker.js') },
  policies: { description: 'retry, bulkhead, wrap: ours vs cockatiel 4 (and p-retry 9), success-path ns/call', load: () => import('./policies.js') },
  hashing: { description: 'consistent hashing: ring, bounded-load ring, rendezvous, jump (balance, keys moved, lookups/s)', load: () => import('./hashing.js') },
  lincheck: { description: 'linearizability checker: a 50-client KV history, the shared fixtures, cas-register histories; per key, unsplit, without read-only pruning', load: () => import('./lincheck.js') },
  http: { description: 'Express 5 and Nest 12 servers, plain vs with our middleware and decorators (req/s, server CPU µs/request)', load: () => import('./http.js') },
  'http-instructions': { description: "the http suite's servers under valgrind's callgrind: instructions per request, repeatable on a busy machine", load: () => import('./http-instructions.js') },
  sim: { description: 'the deterministic Raft simulator: simulated and checked client operations per second, ms per seed, virtual ÷ wall time', load: () => import('./sim.js') },
  transactions: { description: 'apps/cluster two-phase commit: 2-participant transactions vs single puts at 1/16 connections (per second, p50/p99)', load: () => import('./transactions.js') },
  raft: { description: 'apps/cluster (3 members) vs etcd 3.4 (3 members): puts and linearizable gets at 1/16/64 connections (req/s, p50/p99, CPU/op)', load: () => import('./raft.js') },
};
