// The display pages' only script: no framework and no build step, so that a lab can read it
// and a ten-year-old tablet can run it. It keeps one Server-Sent Events stream open, shows
// "connection lost" when the stream errors or falls silent, and re-opens it until the server
// answers again; every (re)connection starts with a full snapshot, so nothing is missed.
(function () {
  'use strict';

  var body = document.body;
  var page = body.dataset.page;
  var toolId = body.dataset.toolId ? Number(body.dataset.toolId) : null;
  var staleAfterMs = Number(body.dataset.staleAfterMs) || 8000;
  var reconnectMs = Number(body.dataset.reconnectMs) || 2000;
  var params = new URLSearchParams(window.location.search);
  var tools = new Map();
  var source = null;
  var lastMessageAt = Date.now();
  var reopenTimer = null;
  // tablets' clocks drift; times are shown on the server's clock
  var clockOffsetMs = 0;

  function feedUrl() {
    var query = new URLSearchParams();
    if (toolId !== null) query.set('tool', String(toolId));
    if (params.get('token')) query.set('token', params.get('token'));
    var q = query.toString();
    return '/api/display/feed' + (q ? '?' + q : '');
  }

  function now() {
    return Date.now() + clockOffsetMs;
  }

  // ---- the stream -------------------------------------------------------------------------

  function open() {
    if (reopenTimer) {
      clearTimeout(reopenTimer);
      reopenTimer = null;
    }
    if (source) source.close();
    lastMessageAt = Date.now();
    source = new EventSource(feedUrl());
    source.addEventListener('snapshot', function (e) {
      var snapshot = JSON.parse(e.data);
      heard(snapshot);
      tools = new Map();
      snapshot.tools.forEach(function (t) { tools.set(t.tool_id, t); });
      connection(snapshot.current ? 'live' : 'not-current');
      render();
    });
    source.addEventListener('tool', function (e) {
      var tool = JSON.parse(e.data);
      lastMessageAt = Date.now();
      tools.set(tool.tool_id, tool);
      render();
    });
    source.addEventListener('heartbeat', function (e) {
      var beat = JSON.parse(e.data);
      heard(beat);
      if (body.dataset.connection !== 'lost') connection(beat.current ? 'live' : 'not-current');
    });
    source.onerror = function () {
      connection('lost');
      // EventSource retries by itself after a dropped stream, but gives up on an HTTP error
      // (a proxy's 502 while the server restarts): then this page tries again itself.
      if (source.readyState === EventSource.CLOSED) reopenLater();
    };
  }

  function reopenLater() {
    if (!reopenTimer) reopenTimer = setTimeout(open, reconnectMs);
  }

  function heard(message) {
    lastMessageAt = Date.now();
    if (message.time) clockOffsetMs = Date.parse(message.time) - Date.now();
  }

  // A stream can die without an error (a dropped Wi-Fi, a sleeping proxy): heartbeats stop.
  function watchdog() {
    if (Date.now() - lastMessageAt > staleAfterMs) {
      connection('lost');
      open();
    }
  }

  function connection(state) {
    body.dataset.connection = state;
    var footer = document.querySelector('footer.connection');
    footer.dataset.connection = state;
    var text = {
      connecting: 'Connecting…',
      live: 'Live',
      lost: 'Connection lost — reconnecting…',
      'not-current': 'Status unavailable — showing the last known state'
    }[state];
    footer.querySelector('[data-field="connection"]').textContent = text;
  }

  // ---- words and times ----------------------------------------------------------------------

  function statusOf(tool) {
    if (!tool) return 'unknown';
    if (tool.operational === false) return 'down';
    return tool.in_use ? 'in-use' : 'free';
  }

  var STATUS_WORDS = { free: 'Free', 'in-use': 'In use', down: 'Down', unknown: 'Unknown tool' };

  function clockTime(iso) {
    var d = new Date(iso);
    var time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    if (new Date(now()).toDateString() === d.toDateString()) return time;
    return d.toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short' }) + ' ' + time;
  }

  function elapsed(iso) {
    var s = Math.max(0, Math.floor((now() - Date.parse(iso)) / 1000));
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d > 0) return d + ' d ' + h + ' h';
    if (h > 0) return h + ' h ' + m + ' min';
    if (m > 0) return m + ' min ' + (s % 60) + ' s';
    return (s % 60) + ' s';
  }

  // next_reservation comes from another feature of the bridge: a time, or an object with
  // start (and maybe end and user); whatever it is, show it plainly and never fail on it.
  function reservationText(r) {
    if (r === null || r === undefined || r === '') return null;
    if (typeof r === 'string') return isNaN(Date.parse(r)) ? r : clockTime(r);
    if (typeof r !== 'object') return String(r);
    var start = r.start || r.start_time;
    var end = r.end || r.end_time;
    var who = r.user || r.user_name || r.creator;
    var text = start ? clockTime(start) : '';
    if (end) text += '–' + new Date(end).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    if (who) text += (text ? ' · ' : '') + who;
    return text || JSON.stringify(r);
  }

  function sinceText(tool) {
    if (!tool || !tool.since) return '';
    if (tool.in_use) return 'since ' + clockTime(tool.since);
    return (tool.operational === false ? 'unused since ' : 'free since ') + clockTime(tool.since);
  }

  function setText(root, field, text) {
    var el = root.querySelector('[data-field="' + field + '"]');
    if (el) el.textContent = text || '';
    return el;
  }

  // ---- the tool page ------------------------------------------------------------------------

  function renderTool() {
    var tool = tools.get(toolId);
    var root = document.querySelector('[data-tool]');
    var status = statusOf(tool);
    root.dataset.status = status;
    if (!tool) {
      setText(root, 'status', 'Unknown tool');
      setText(root, 'user', 'NEMO has no visible tool ' + toolId);
      return;
    }
    document.title = tool.tool_name + ' · ' + (STATUS_WORDS[status] || '');
    setText(root, 'tool_name', tool.tool_name);
    setText(root, 'status', STATUS_WORDS[status]);
    setText(root, 'user', tool.in_use ? tool.user : '');
    setText(root, 'since', sinceText(tool));
    var problem = setText(root, 'problem', tool.problem ? '⚠ ' + tool.problem : '');
    problem.hidden = !tool.problem;
    problem.classList.toggle('shutdown', !!tool.shutdown);
    fact(root, 'previous_user', tool.previous_user);
    fact(root, 'next_reservation', reservationText(tool.next_reservation));
    tick();
  }

  function fact(root, name, text) {
    root.querySelector('[data-fact="' + name + '"]').hidden = !text;
    setText(root, name, text);
  }

  // ---- the board ----------------------------------------------------------------------------

  var filters = document.querySelector('[data-filters]');

  function linkParams() {
    var keep = new URLSearchParams();
    ['token', 'theme'].forEach(function (k) { if (params.get(k)) keep.set(k, params.get(k)); });
    var q = keep.toString();
    return q ? '?' + q : '';
  }

  function tileFor(tool) {
    var tile = document.createElement('a');
    tile.className = 'tile';
    tile.href = '/display/' + tool.tool_id + linkParams();
    tile.dataset.toolId = tool.tool_id;
    tile.innerHTML = '<div class="tile-name" data-field="tool_name"></div>' +
      '<div class="tile-status" data-field="status"></div>' +
      '<div class="tile-user" data-field="user"></div>' +
      '<div class="tile-since"><span data-field="elapsed"></span></div>' +
      '<div class="tile-problem" data-field="problem"></div>' +
      '<div class="tile-where" data-field="where"></div>';
    return tile;
  }

  function fillTile(tile, tool) {
    var status = statusOf(tool);
    tile.dataset.status = status;
    tile.dataset.problem = tool.problem ? 'yes' : 'no';
    setText(tile, 'tool_name', tool.tool_name);
    setText(tile, 'status', STATUS_WORDS[status]);
    setText(tile, 'user', tool.in_use ? tool.user : (tool.previous_user ? 'last: ' + tool.previous_user : ''));
    setText(tile, 'problem', tool.problem ? '⚠ ' + tool.problem : '');
    setText(tile, 'where', [tool.category, tool.location].filter(Boolean).join(' · '));
  }

  function matches(tool) {
    var f = new FormData(filters);
    var q = (f.get('q') || '').trim().toLowerCase();
    if (q && tool.tool_name.toLowerCase().indexOf(q) < 0) return false;
    var status = f.get('status');
    if (status === 'problem' ? !tool.problem : status && statusOf(tool) !== status) return false;
    var category = f.get('category');
    if (category && tool.category !== category && (tool.category || '').indexOf(category + '/') !== 0) return false;
    var location = f.get('location');
    return !location || tool.location === location;
  }

  function fillOptions(name, values) {
    var select = filters.elements[name];
    var wanted = select.value || params.get(name) || '';
    var distinct = Array.from(new Set(values.filter(Boolean))).sort();
    select.hidden = distinct.length === 0;
    while (select.options.length > 1) select.remove(1);
    distinct.forEach(function (v) { select.add(new Option(v, v)); });
    select.value = distinct.indexOf(wanted) >= 0 ? wanted : '';
  }

  function categoriesOf(list) {
    // "Lithography/Optical" offers both "Lithography" and "Lithography/Optical"
    var all = [];
    list.forEach(function (t) {
      if (!t.category) return;
      var parts = t.category.split('/');
      for (var i = 1; i <= parts.length; i++) all.push(parts.slice(0, i).join('/'));
    });
    return all;
  }

  function renderBoard() {
    var list = Array.from(tools.values());
    fillOptions('category', categoriesOf(list));
    fillOptions('location', list.map(function (t) { return t.location; }));
    var container = document.querySelector('[data-tiles]');
    var existing = new Map();
    Array.from(container.children).forEach(function (tile) { existing.set(Number(tile.dataset.toolId), tile); });
    var shown = 0, inUse = 0, down = 0;
    list.forEach(function (tool) {
      var tile = existing.get(tool.tool_id) || tileFor(tool);
      existing.delete(tool.tool_id);
      fillTile(tile, tool);
      tile.hidden = !matches(tool);
      if (!tile.hidden) shown++;
      if (tool.in_use) inUse++;
      if (tool.operational === false) down++;
      container.appendChild(tile);
    });
    existing.forEach(function (tile) { tile.remove(); });
    document.querySelector('[data-empty]').hidden = shown > 0 || list.length === 0;
    document.querySelector('[data-counts]').textContent =
      list.length + ' tools · ' + inUse + ' in use · ' + down + ' down';
    tick();
  }

  function filterChanged() {
    var f = new FormData(filters);
    ['q', 'status', 'category', 'location'].forEach(function (k) {
      if (f.get(k)) params.set(k, f.get(k)); else params.delete(k);
    });
    var q = params.toString();
    // the filter lives in the URL, so a wall monitor's bookmark keeps it
    history.replaceState(null, '', window.location.pathname + (q ? '?' + q : ''));
    renderBoard();
  }

  // ---- every second -------------------------------------------------------------------------

  function tick() {
    var clock = document.querySelector('[data-clock]');
    clock.textContent = new Date(now()).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    if (page === 'tool') {
      var tool = tools.get(toolId);
      setText(document, 'elapsed', tool && tool.since ? '· ' + elapsed(tool.since) : '');
    } else {
      document.querySelectorAll('.tile').forEach(function (tile) {
        var tool = tools.get(Number(tile.dataset.toolId));
        setText(tile, 'elapsed', tool && tool.since && tool.in_use ? elapsed(tool.since) : '');
      });
    }
  }

  function render() {
    if (page === 'tool') renderTool(); else renderBoard();
  }

  var logo = document.querySelector('[data-logo]');
  if (!logo.getAttribute('src')) logo.remove();
  if (filters) {
    ['q', 'status', 'category', 'location'].forEach(function (k) {
      if (params.get(k)) filters.elements[k].value = params.get(k);
    });
    filters.addEventListener('input', filterChanged);
    filters.addEventListener('change', filterChanged);
  }
  connection('connecting');
  open();
  setInterval(function () { tick(); watchdog(); }, 1000);
})();
