// The status page at `/`, loaded in Debian's headless Chromium (playwright-core drives
// /usr/bin/chromium: no browser download), checked against what GET /cluster/status says, and
// watched while the leader is SIGKILLed and another takes over; then the transactions and sagas a member ran show up in its lists.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { type ClusterHandle, findFreePortRange, startCluster } from '../src/launcher/index.js';
import { eventually, http } from './http-client.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-quic',
  '--disable-sync',
];

interface Status {
  readonly id: string;
  readonly role: string;
  readonly term: number;
  readonly leader: string | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
}

/** What the page shows of one member's row. */
interface Row {
  readonly role: string;
  readonly term: string;
  readonly commitIndex: string;
  readonly appliedIndex: string;
  readonly reachable: string;
}

let dir: string;
let profile: string;
let cluster: ClusterHandle | undefined;
let browser: BrowserContext | undefined;
const output: string[] = [];
const pageErrors: string[] = [];

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} did not start`);
  return value;
}

async function statusOf(url: string): Promise<Status | undefined> {
  const reply = await http('GET', `${url}/cluster/status`, undefined, {}, 2_000).catch(() => undefined);
  return reply?.status === 200 ? (reply.body as Status) : undefined;
}

/** The little of the DOM that {@link shown} reads (this project's TypeScript has no DOM library). */
interface PageElement {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
}
interface PageDocument {
  readonly body: PageElement;
  getElementById(id: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
}

/** Reads the page's leader, its own id and its member rows at one instant, by the hooks the page documents. */
async function shown(page: Page): Promise<{ self: string; leader: string; updates: number; rows: Record<string, Row> }> {
  return page.evaluate(() => {
    // Runs in the page.
    const doc = (globalThis as unknown as { document: PageDocument }).document;
    const field = (tr: PageElement, name: string): string => tr.querySelector(`td[data-field="${name}"]`)?.textContent ?? '';
    const rows: Record<string, Row> = {};
    for (const tr of Array.from(doc.querySelectorAll('tr[data-member]'))) {
      rows[tr.getAttribute('data-member') ?? ''] = {
        role: field(tr, 'role'),
        term: field(tr, 'term'),
        commitIndex: field(tr, 'commitIndex'),
        appliedIndex: field(tr, 'appliedIndex'),
        reachable: field(tr, 'reachable'),
      };
    }
    return {
      self: doc.getElementById('self')?.textContent ?? '',
      leader: doc.getElementById('leader')?.textContent ?? '',
      updates: Number(doc.body.getAttribute('data-updates')),
      rows,
    };
  });
}

/** The rows the page should show: each running member as its own status reports it, the others unreachable. */
async function expectedRows(): Promise<Record<string, Row> | undefined> {
  const rows: Record<string, Row> = {};
  for (const m of must(cluster, 'the cluster').members) {
    if (m.pid === undefined) {
      rows[m.id] = { role: 'unreachable', term: '–', commitIndex: '–', appliedIndex: '–', reachable: 'no' };
      continue;
    }
    const s = await statusOf(m.url);
    if (s === undefined) return undefined;
    rows[m.id] = { role: s.role, term: String(s.term), commitIndex: String(s.commitIndex), appliedIndex: String(s.appliedIndex), reachable: 'yes' };
  }
  return rows;
}

/** The rows as JSON in id order (the page lists them in its own order). */
function canonical(rows: Record<string, Row>): string {
  return JSON.stringify(Object.keys(rows).sort().map((id) => [id, rows[id]]));
}

/** Polls until the page (refreshing itself every second) shows what the members' statuses say. */
async function pageAgrees(page: Page, url: string, what: string): Promise<{ status: Status; rows: Record<string, Row> }> {
  let last = '';
  try {
    return await eventually(what, 30_000, async () => {
      const status = await statusOf(url);
      const rows = await expectedRows();
      const page_ = await shown(page);
      last = JSON.stringify({ status, rows, page: page_ });
      if (status === undefined || rows === undefined) return undefined;
      const agrees = page_.self === status.id && page_.leader === (status.leader ?? 'none') && canonical(page_.rows) === canonical(rows);
      return agrees ? { status, rows } : undefined;
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}\nlast compared: ${last}\nlast member output:\n${output.slice(-40).join('\n')}`, { cause: error });
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bulwark-status-page-'));
  profile = mkdtempSync(join(tmpdir(), 'bulwark-chromium-'));
  const basePort = await findFreePortRange(3);
  const [started, launched] = await Promise.all([
    startCluster({ nodes: 3, basePort, dataDir: dir, log: (line) => output.push(line) }),
    chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS }),
  ]);
  cluster = started;
  browser = launched;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
});

describe('the status page', () => {
  it('shows the members, their roles, terms and indexes, and the leader, as GET /cluster/status reports them, and follows a new leader live', async () => {
    const c = must(cluster, 'the cluster');
    const leader = await c.waitForLeader(30_000);
    const follower = c.members.find((m) => m.id !== leader.id);
    if (follower === undefined) throw new Error('no follower');
    const page = await must(browser, 'chromium').newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const response = await page.goto(`${follower.url}/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toMatch(/^text\/html/);
    expect(await page.title()).toBe('Bulwark cluster');

    const before = await pageAgrees(page, follower.url, 'the page showing the cluster');
    expect(before.status.leader).toBe(leader.id);
    expect(Object.keys(before.rows).sort()).toEqual(['n1', 'n2', 'n3']);
    expect(before.rows[leader.id]?.role).toBe('leader');
    expect(await page.locator('#elections li').count()).toBeGreaterThan(0);

    // Live: the page keeps polling; SIGKILL the leader and it shows the next one without a reload.
    const updates = (await shown(page)).updates;
    await c.kill(leader.id, 'SIGKILL');
    const next = await c.waitForLeader(30_000);
    const after = await pageAgrees(page, follower.url, 'the page showing the new leader');
    expect(after.status.leader).toBe(next.id);
    expect(after.rows[leader.id]).toMatchObject({ role: 'unreachable', reachable: 'no' });
    expect(Number(after.rows[next.id]?.term)).toBeGreaterThan(Number(before.rows[leader.id]?.term));
    expect((await shown(page)).updates).toBeGreaterThan(updates);
    // The election that made it leader is listed (the page rendered it with the rows above).
    expect(await page.locator(`#elections li[data-term="${after.status.term}"]`, { hasText: `leader ${next.id}` }).count()).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  });
  it('lists the transactions and sagas this member ran, live', async () => {
    const c = must(cluster, 'the cluster');
    for (const m of c.members) if (m.pid === undefined) await c.restart(m.id); // the leader the first test killed
    const leader = await c.waitForLeader(30_000);
    const member = c.members.find((m) => m.id !== leader.id);
    if (member === undefined) throw new Error('no follower');
    const page = await must(browser, 'chromium').newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${member.url}/`);

    // The restarted member may still be catching up: a transaction can abort (a participant's
    // prepare timed out); a new one, with a new id, is tried until one commits.
    let attempt = 0;
    const tx = await eventually('a transaction to commit', 30_000, async () => {
      const reply = await http('POST', `${member.url}/transactions`, { id: `page-tx-${++attempt}`, writes: [{ key: 'page-a', value: '1' }, { key: 'page-b', value: '2' }] });
      const body = reply.body as { id: string; status: string };
      return reply.status === 200 && body.status === 'committed' ? body : undefined;
    });
    const saga = await eventually('an order to end', 15_000, async () => {
      const reply = await http('POST', `${member.url}/sagas/orders?id=page-order-1&fail=charge`, { sku: 'page-sku', quantity: 1, cents: 10 });
      return reply.status === 200 ? (reply.body as { status: string }) : undefined;
    });
    expect(saga.status).toBe('compensated');

    const cell = async (selector: string, field: string) => (await page.locator(`${selector} td[data-field="${field}"]`).textContent({ timeout: 1_000 }).catch(() => null)) ?? undefined;
    await eventually('the page listing the transaction and the saga', 15_000, async () => {
      const shownTx = await cell(`tr[data-transaction="${tx.id}"]`, 'status');
      const shownSaga = await cell('tr[data-saga="page-order-1"]', 'status');
      return shownTx === 'committed' && shownSaga === 'compensated' ? true : undefined;
    });
    expect(await cell('tr[data-saga="page-order-1"]', 'failedStep')).toBe('charge');
    expect((await cell(`tr[data-transaction="${tx.id}"]`, 'participants'))?.length).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  });
});
