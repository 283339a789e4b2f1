import { runInNewContext } from 'node:vm';
import { STATUS_PAGE } from './status-page.js';

/** The little of the DOM the page's script uses: elements with attributes, children and text. */
class FakeElement {
  readonly attributes = new Map<string, string>();
  readonly children: FakeElement[] = [];
  textContent = '';
  className = '';
  constructor(readonly tag: string) {}
  get firstChild(): FakeElement | null {
    return this.children[0] ?? null;
  }
  appendChild(child: FakeElement): void {
    this.children.push(child);
  }
  removeChild(child: FakeElement): void {
    this.children.splice(this.children.indexOf(child), 1);
  }
  setAttribute(name: string, value: string): void {
    this.attributes.set(name, value);
  }
  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }
}

/** Runs the page's script once against `dashboard` and returns the fake document it filled. */
async function render(dashboard: unknown) {
  const script = /<script>([\s\S]*)<\/script>/.exec(STATUS_PAGE)?.[1];
  if (script === undefined) throw new Error('no script in the page');
  const byId = new Map<string, FakeElement>();
  const bySelector = new Map<string, FakeElement>();
  const document = {
    body: new FakeElement('body'),
    createElement: (tag: string) => new FakeElement(tag),
    getElementById: (id: string) => byId.get(id) ?? byId.set(id, new FakeElement('div')).get(id),
    querySelector: (selector: string) => bySelector.get(selector) ?? bySelector.set(selector, new FakeElement('tbody')).get(selector),
  };
  const fetches: string[] = [];
  const fetch = (url: string) => {
    fetches.push(url);
    return Promise.resolve({ ok: true, json: () => Promise.resolve(dashboard) });
  };
  // The next poll is scheduled, never run: one render per test.
  runInNewContext(script, { document, fetch, AbortController, Date, setTimeout: () => 0, clearTimeout: () => undefined });
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  const rows = (selector: string, attribute: string) =>
    (bySelector.get(selector)?.children ?? []).map((tr) => ({
      [attribute]: tr.getAttribute(attribute),
      ...Object.fromEntries(tr.children.map((td) => [td.getAttribute('data-field'), td.textContent])),
    }));
  return { document, fetches, rows, error: byId.get('error')?.textContent };
}

const BASE = {
  self: { id: 'a', members: [] },
  leader: 'a',
  members: [],
  elections: [],
  breakers: [],
  bulkheads: [],
  peers: [],
  snapshotIndex: 0,
  faults: null,
  at: '2026-01-01T00:00:00.000Z',
};

describe('the status page', () => {
  it('lists recent transactions and sagas from the dashboard, by the documented hooks', async () => {
    const page = await render({
      ...BASE,
      transactions: [
        { id: 'tx-2', status: 'aborted', reason: 'lock conflict on "k"', participants: ['b', 'c'], at: '2026-01-01T00:00:02.000Z' },
        { id: 'tx-1', status: 'committed', reason: null, participants: ['a'], at: '2026-01-01T00:00:01.000Z' },
      ],
      sagas: [
        { id: 'o-2', saga: 'orders', status: 'compensated', failedStep: 'charge', startedAt: '2026-01-01T00:00:03.000Z', endedAt: '2026-01-01T00:00:04.000Z' },
        { id: '<b>o-1</b>', saga: 'orders', status: 'running', failedStep: null, startedAt: '2026-01-01T00:00:00.000Z', endedAt: null },
      ],
    });
    expect(page.fetches).toEqual(['/cluster/dashboard']);
    expect(page.error).toBe('');
    expect(page.rows('#transactions tbody', 'data-transaction')).toEqual([
      { 'data-transaction': 'tx-2', id: 'tx-2', status: 'aborted', reason: 'lock conflict on "k"', participants: 'b, c', at: '2026-01-01T00:00:02.000Z' },
      { 'data-transaction': 'tx-1', id: 'tx-1', status: 'committed', reason: '–', participants: 'a', at: '2026-01-01T00:00:01.000Z' },
    ]);
    expect(page.rows('#sagas tbody', 'data-saga')).toEqual([
      { 'data-saga': 'o-2', id: 'o-2', saga: 'orders', status: 'compensated', failedStep: 'charge', startedAt: '2026-01-01T00:00:03.000Z', endedAt: '2026-01-01T00:00:04.000Z' },
      // Text, never markup.
      { 'data-saga': '<b>o-1</b>', id: '<b>o-1</b>', saga: 'orders', status: 'running', failedStep: '–', startedAt: '2026-01-01T00:00:00.000Z', endedAt: '–' },
    ]);
    expect(page.document.body.getAttribute('data-updates')).toBe('1');
  });

  it('shows empty lists for a dashboard without them (a member of an older version)', async () => {
    const page = await render(BASE);
    expect(page.error).toBe('');
    expect(page.rows('#transactions tbody', 'data-transaction')).toEqual([]);
    expect(page.rows('#sagas tbody', 'data-saga')).toEqual([]);
    expect(page.document.body.getAttribute('data-updates')).toBe('1');
  });

  it('has the two sections in its markup', () => {
    expect(STATUS_PAGE).toContain('<table id="transactions">');
    expect(STATUS_PAGE).toContain('<table id="sagas">');
  });
});
