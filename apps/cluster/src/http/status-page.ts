/**
 * The status page served at `/`: one self-contained HTML document (inline style and script, no
 * external assets) that polls `/cluster/dashboard` every second and shows the members (role,
 * term, commit, applied and match index, as each reports itself), the leader, recent elections,
 * the breakers and bulkheads, and the member's recent transactions and sagas. Built with DOM calls and `textContent`, never `innerHTML`, so
 * nothing a member reports can inject markup.
 *
 * Stable hooks for tests: `#leader`, `#self`, `tr[data-member=<id>]` with
 * `td[data-field=role|term|commitIndex|appliedIndex|matchIndex|reachable]`, `#elections li`,
 * `tr[data-breaker=<name>]` and `tr[data-bulkhead=<name>]` with `td[data-field=…]`,
 * `tr[data-transaction=<id>]` with `td[data-field=id|status|reason|participants|at]`,
 * `tr[data-saga=<id>]` with `td[data-field=id|saga|status|failedStep|startedAt|endedAt]`,
 * `body[data-updates]` (how many polls rendered) and `#error`.
 */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bulwark cluster</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f6f7f9; }
  body { margin: 0 auto; max-width: 1100px; padding: 1.5rem; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  h2 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
  .meta { color: #5a6475; font-size: .9rem; }
  table { border-collapse: collapse; width: 100%; background: #fff; box-shadow: 0 1px 2px #0001; }
  th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #e6e8ec; font-variant-numeric: tabular-nums; }
  th { background: #eef0f4; font-weight: 600; font-size: .85rem; }
  .role-leader { color: #0a7a3d; font-weight: 700; }
  .role-candidate { color: #b86e00; }
  .down, .state-open { color: #b3261e; font-weight: 600; }
  .state-halfOpen, .state-half_open { color: #b86e00; }
  .status-committed, .status-completed { color: #0a7a3d; }
  .status-aborted, .status-compensated, .status-in-doubt { color: #b3261e; }
  .status-running, .status-compensating { color: #b86e00; }
  #error { color: #b3261e; min-height: 1.2em; }
  ul { background: #fff; margin: 0; padding: .5rem 1.5rem; box-shadow: 0 1px 2px #0001; }
  code { background: #eef0f4; padding: 0 .25rem; }
</style>
</head>
<body data-updates="0">
<h1>Bulwark cluster</h1>
<div class="meta">member <code id="self">…</code> · leader <strong id="leader">…</strong> · updated <span id="updated">never</span></div>
<div id="error"></div>

<h2>Members</h2>
<table id="members">
  <thead><tr><th>id</th><th>role</th><th>term</th><th>commit</th><th>applied</th><th>match (leader's view)</th><th>reachable</th><th>url</th></tr></thead>
  <tbody></tbody>
</table>

<h2>Recent elections (as this member saw them)</h2>
<ul id="elections"></ul>

<h2>Breakers</h2>
<table id="breakers"><thead><tr><th>name</th><th>kind</th><th>state</th></tr></thead><tbody></tbody></table>

<h2>Bulkheads</h2>
<table id="bulkheads"><thead><tr><th>name</th><th>active</th><th>queued</th><th>max concurrent</th><th>max queued</th></tr></thead><tbody></tbody></table>

<h2>Recent transactions (coordinated by this member)</h2>
<table id="transactions"><thead><tr><th>id</th><th>status</th><th>reason</th><th>participants</th><th>at</th></tr></thead><tbody></tbody></table>

<h2>Recent sagas (this member's log)</h2>
<table id="sagas"><thead><tr><th>id</th><th>saga</th><th>status</th><th>failed step</th><th>started</th><th>ended</th></tr></thead><tbody></tbody></table>

<script>
(function () {
  'use strict';
  var updates = 0;
  function text(value) { return value === null || value === undefined ? '–' : String(value); }
  function cell(row, field, value, className) {
    var td = document.createElement('td');
    td.setAttribute('data-field', field);
    td.textContent = text(value);
    if (className) td.className = className;
    row.appendChild(td);
  }
  function fill(tbody, rows) {
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    rows.forEach(function (row) { tbody.appendChild(row); });
  }
  function render(d) {
    document.getElementById('self').textContent = d.self.id;
    document.getElementById('leader').textContent = d.leader === null ? 'none' : d.leader;
    document.getElementById('updated').textContent = new Date().toLocaleTimeString();
    var match = {};
    d.members.forEach(function (m) {
      if (m.status && m.status.role === 'leader') m.status.members.forEach(function (x) { match[x.id] = x.matchIndex; });
    });
    fill(document.querySelector('#members tbody'), d.members.map(function (m) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-member', m.id);
      var s = m.status;
      cell(tr, 'id', m.id);
      cell(tr, 'role', s ? s.role : 'unreachable', s ? 'role-' + s.role : 'down');
      cell(tr, 'term', s ? s.term : null);
      cell(tr, 'commitIndex', s ? s.commitIndex : null);
      cell(tr, 'appliedIndex', s ? s.appliedIndex : null);
      cell(tr, 'matchIndex', match[m.id] === undefined ? null : match[m.id]);
      cell(tr, 'reachable', m.reachable ? 'yes' : 'no', m.reachable ? '' : 'down');
      cell(tr, 'url', m.url);
      return tr;
    }));
    var list = document.getElementById('elections');
    fill(list, d.elections.map(function (e) {
      var li = document.createElement('li');
      li.setAttribute('data-term', String(e.term));
      li.textContent = 'term ' + e.term + ': ' + (e.leader === null ? 'no leader (election)' : 'leader ' + e.leader) + ' · ' + e.at;
      return li;
    }));
    fill(document.querySelector('#breakers tbody'), d.breakers.map(function (b) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-breaker', b.name);
      cell(tr, 'name', b.name);
      cell(tr, 'kind', b.kind);
      cell(tr, 'state', b.state, 'state-' + b.state);
      return tr;
    }));
    fill(document.querySelector('#bulkheads tbody'), d.bulkheads.map(function (b) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-bulkhead', b.name);
      cell(tr, 'name', b.name);
      cell(tr, 'active', b.active);
      cell(tr, 'queued', b.queued);
      cell(tr, 'maxConcurrent', b.maxConcurrent);
      cell(tr, 'maxQueued', b.maxQueued === null ? '∞' : b.maxQueued);
      return tr;
    }));
    fill(document.querySelector('#transactions tbody'), (d.transactions || []).map(function (t) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-transaction', t.id);
      cell(tr, 'id', t.id);
      cell(tr, 'status', t.status, 'status-' + t.status);
      cell(tr, 'reason', t.reason);
      cell(tr, 'participants', t.participants.join(', '));
      cell(tr, 'at', t.at);
      return tr;
    }));
    fill(document.querySelector('#sagas tbody'), (d.sagas || []).map(function (g) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-saga', g.id);
      cell(tr, 'id', g.id);
      cell(tr, 'saga', g.saga);
      cell(tr, 'status', g.status, 'status-' + g.status);
      cell(tr, 'failedStep', g.failedStep);
      cell(tr, 'startedAt', g.startedAt);
      cell(tr, 'endedAt', g.endedAt);
      return tr;
    }));
    document.body.setAttribute('data-updates', String(++updates));
  }
  function poll() {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, 2000);
    fetch('/cluster/dashboard', { cache: 'no-store', signal: controller.signal })
      .then(function (r) { if (!r.ok) throw new Error('dashboard answered ' + r.status); return r.json(); })
      .then(function (d) { render(d); document.getElementById('error').textContent = ''; })
      .catch(function (e) { document.getElementById('error').textContent = 'cannot reach this member: ' + e.message; })
      .then(function () { clearTimeout(timer); setTimeout(poll, 1000); });
  }
  poll();
})();
</script>
</body>
</html>
`;
