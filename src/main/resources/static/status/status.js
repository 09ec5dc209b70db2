// The status page: the tool board and the bridge's health in plain words, from /api/board.
(function () {
  const tbody = document.querySelector('#tools tbody');
  const bridgeBox = document.getElementById('bridge');
  const filter = document.getElementById('filter');
  let tools = [];
  // with bridge.display.token set, the page is opened as /?token=… and hands the token on
  const token = new URLSearchParams(location.search).get('token');
  const boardUrl = '/api/board' + (token ? '?token=' + encodeURIComponent(token) : '');

  function ago(iso) {
    if (!iso) return '';
    const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    if (seconds < 60) return 'just now';
    if (seconds < 3600) return Math.floor(seconds / 60) + ' min ago';
    if (seconds < 86400) return Math.floor(seconds / 3600) + ' h ago';
    return new Date(iso).toLocaleDateString();
  }

  function cell(text, label, className) {
    const td = document.createElement('td');
    if (label) td.dataset.label = label;
    if (className) td.className = className;
    td.textContent = text == null ? '' : text;
    return td;
  }

  function badge(text, kind) {
    const span = document.createElement('span');
    span.className = 'badge ' + kind;
    span.textContent = text;
    return span;
  }

  function render() {
    const q = filter.value.trim().toLowerCase();
    tbody.replaceChildren();
    const shown = tools.filter(t => !q || (t.tool_name || '').toLowerCase().includes(q));
    for (const t of shown) {
      const tr = document.createElement('tr');
      tr.dataset.toolId = t.tool_id;
      if (t.parent_id) tr.className = 'child';
      tr.appendChild(cell(t.tool_name, null, 'name'));
      const now = cell('', 'Now', 'now');
      now.appendChild(t.in_use ? badge('In use', 'busy') : badge('Free', 'free'));
      tr.appendChild(now);
      tr.appendChild(cell(t.in_use ? t.user : '', 'By', 'user'));
      tr.appendChild(cell(ago(t.since), 'Since', 'since'));
      tr.appendChild(cell(t.previous_user, 'Last used by', 'previous'));
      const condition = cell('', 'Condition', 'condition');
      condition.appendChild(t.operational ? badge('Up', 'free') : badge('Down', 'down'));
      tr.appendChild(condition);
      tbody.appendChild(tr);
    }
    document.getElementById('empty').hidden = shown.length > 0;
  }

  function renderMachines(machines) {
    const section = document.getElementById('machines-section');
    const body = document.querySelector('#machines tbody');
    body.replaceChildren();
    for (const m of machines || []) {
      const tr = document.createElement('tr');
      tr.dataset.machineId = m.machine_id;
      tr.appendChild(cell(m.machine_id, null, 'name'));
      const now = cell('', 'Now', 'now');
      now.appendChild(m.online ? badge('Online', 'free') : badge('Offline', 'down'));
      tr.appendChild(now);
      tr.appendChild(cell(ago(m.last_seen), 'Last heard', 'since'));
      body.appendChild(tr);
    }
    section.hidden = !machines || machines.length === 0;
  }

  function renderBridge(b) {
    const healthy = b.status === 'running' || b.status === 'standby' || b.status === 'idle';
    const words = {
      running: 'Bridge running: displays are up to date',
      standby: 'Bridge on standby: another instance publishes',
      idle: 'Bridge idle: no MQTT broker configured',
      degraded: 'Bridge degraded: updates are waiting'
    }[b.status] || ('Bridge ' + b.status);
    const parts = [words];
    parts.push('broker ' + (b.broker_connected ? 'connected' : 'not connected'));
    parts.push('database ' + (b.listen_connected ? 'connected' : 'not listening'));
    parts.push(b.pending + ' waiting' + (b.lag_seconds > 0 ? ' (oldest ' + Math.round(b.lag_seconds) + ' s)' : ''));
    if (b.dead > 0) parts.push(b.dead + ' failed');
    parts.push('heartbeat ' + (b.last_heartbeat ? ago(b.last_heartbeat) : 'never'));
    bridgeBox.replaceChildren();
    const dot = document.createElement('span');
    dot.className = 'dot ' + (healthy && b.dead === 0 ? 'good' : healthy ? 'warn' : 'bad');
    bridgeBox.appendChild(dot);
    bridgeBox.appendChild(document.createTextNode(parts.join(' · ')));
    bridgeBox.className = 'bridge ' + (healthy ? 'good' : 'bad');
  }

  async function refresh() {
    try {
      const response = await fetch(boardUrl, { cache: 'no-store' });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      const board = await response.json();
      tools = board.tools;
      renderBridge(board.bridge);
      render();
      renderMachines(board.machines);
      document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    } catch (e) {
      bridgeBox.className = 'bridge bad';
      bridgeBox.textContent = 'Cannot reach the bridge (' + e.message + '); retrying…';
    }
  }

  filter.addEventListener('input', render);
  refresh();
  setInterval(refresh, 5000);
})();
