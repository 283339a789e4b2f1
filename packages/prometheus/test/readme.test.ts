import { readFileSync, readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createRegistry } from '@bulwark/core';
import { ManualClock } from '@bulwark/core/testing';
import { Registry, register } from 'prom-client';
import { paymentsWithMetrics } from '../examples/metrics-server.js';
import { registerMetrics, registerRaftMetrics, registerTransactionMetrics } from '../src/index.js';
import { samples, value } from './scrape.js';

// README.md's code blocks that start with `// examples/<name>.ts` must be those files, byte for
// byte: the files are compiled by the typecheck target and run below, so the README cannot drift.
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(`${packageDir}README.md`, 'utf8');
const exampleFiles = readdirSync(`${packageDir}examples`).filter((name) => name.endsWith('.ts'));

/** Every ```ts block of the README whose first line names an example file: [path, content]. */
function exampleBlocks(markdown: string): Array<[string, string]> {
  const blocks: Array<[string, string]> = [];
  for (const match of markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
    const body = match[1];
    const path = /^\/\/ (examples\/[\w.-]+\.ts)\n/.exec(body)?.[1];
    if (path !== undefined) blocks.push([path, body]);
  }
  return blocks;
}

describe('README.md', () => {
  const blocks = exampleBlocks(readme);

  it('shows every example file', () => {
    expect(blocks.map(([path]) => path).sort()).toEqual(exampleFiles.map((name) => `examples/${name}`).sort());
  });

  it.each(blocks)('%s is byte-identical to the file', (path, body) => {
    expect(body).toBe(readFileSync(`${packageDir}${path}`, 'utf8'));
  });

  it('lists every metric family in its table', async () => {
    const own = new Registry();
    registerMetrics(createRegistry(), { register: own });
    const names = (await own.getMetricsAsJSON()).map((metric) => metric.name);
    const table = [...readme.matchAll(/^\| `(bulwark_[a-z_]+)`/gm)].map((match) => match[1]).filter((name) => !/^bulwark_(raft_|transactions?_)/.test(name));
    expect(table).toEqual(names);
  });

  it.each<[string, RegExp, (register: Registry) => unknown]>([
    ['Raft', /^\| `(bulwark_raft_[a-z_]+)`/gm, (own) => registerRaftMetrics({ id: 'a', status: () => ({ term: 1, role: 'leader', commit: 0, appliedIndex: 0 }) }, { register: own })],
    [
      'two-phase commit',
      /^\| `(bulwark_transactions?_[a-z_]+)`/gm,
      (own) => registerTransactionMetrics({ id: 'a', transactionStats: () => ({ committed: 0, aborted: 0, active: 0, inDoubt: 0, locks: 0 }) }, { register: own }),
    ],
  ])('lists every %s metric family in its table', async (_, row, register) => {
    const own = new Registry();
    register(own);
    const names = (await own.getMetricsAsJSON()).map((metric) => metric.name);
    expect([...readme.matchAll(row)].map((match) => match[1])).toEqual(names);
  });
});

describe('examples/metrics-server.ts', () => {
  it('serves the policies at /metrics on the global register, 404 elsewhere, and unregisters on close', async () => {
    const { payments, server } = paymentsWithMetrics(new ManualClock(0));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(payments.execute(() => 'charged')).resolves.toBe('charged');
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(Registry.PROMETHEUS_CONTENT_TYPE);
      const text = await response.text();
      expect(value(text, 'bulwark_retry_calls_total{name="payments",kind="successful_without_retry"}')).toBe(1);
      expect(value(text, 'bulwark_circuit_breaker_calls_total{name="payments",kind="successful"}')).toBe(1);
      expect(value(text, 'bulwark_circuit_breaker_state{name="payments",state="closed"}')).toBe(1);
      expect(samples(text, 'bulwark_bulkhead_max_concurrent_calls')).toEqual(['bulwark_bulkhead_max_concurrent_calls{name="payments"} 10']);
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    expect(register.getSingleMetric('bulwark_circuit_breaker_state')).toBeUndefined();
  });
});
