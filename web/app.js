// Pulse dashboard: one WebSocket feed (/ws) plus the synthetic-traffic REST API.
// Everything that comes from the server is written with textContent/properties only,
// never parsed as HTML (URLs are attacker-controlled input).
'use strict';

(() => {
  const MINUTE = 60_000;
  const PAGE_KEEP_MS = 15 * MINUTE;   // page-view windows kept
  const USERS_KEEP_MS = 60 * MINUTE;  // active-user windows kept (chart span)
  const TOP_N = 15;
  const NODE_STALE_MS = 10_000;       // node not seen for this long is shown dimmed
  const FEED_STALE_MS = 5_000;        // footer warns when the feed has been quiet this long
  const RETRY_MIN_MS = 1_000;
  const RETRY_MAX_MS = 10_000;
  const POLL_MS = 1_000;
  const CHART_HEIGHT = 220;

  // ---------- formatting ----------
  // Fixed en-US so separators are always "1,234" regardless of the operator's locale.
  const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  const fmtInt = (v) => (v == null || !Number.isFinite(Number(v)) ? '–' : intFmt.format(Number(v)));
  const pad2 = (n) => String(n).padStart(2, '0');
  const hhmm = (ms) => { const d = new Date(ms); return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`; };
  const hhmmss = (ms) => `${hhmm(ms)}:${pad2(new Date(ms).getSeconds())}`;

  const $ = (id) => document.getElementById(id);
  // Creates an element whose content is plain text (safe for server strings).
  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text != null) e.textContent = String(text);
    return e;
  }

  // ---------- client state ----------
  const state = {
    pages: new Map(),   // windowStart -> { windowStart, windowEnd, rows: Map(pageUrl -> views) }
    users: new Map(),   // windowStart -> { windowStart, windowEnd, users }
    status: null,
    lastMessageAt: 0,
    connected: false,
  };

  const num = (v) => (v == null || v === '' ? NaN : Number(v));

  function addPageRows(rows) {
    if (!Array.isArray(rows)) return;
    for (const r of rows) {
      if (!r) continue;
      const start = num(r.windowStart);
      if (!Number.isFinite(start)) continue;
      let w = state.pages.get(start);
      if (!w) {
        const end = num(r.windowEnd);
        w = { windowStart: start, windowEnd: Number.isFinite(end) ? end : start + MINUTE, rows: new Map() };
        state.pages.set(start, w);
      }
      // A row carries the new total for (windowStart, pageUrl): replace, don't add.
      w.rows.set(String(r.pageUrl ?? ''), num(r.views));
    }
    // Prune relative to the newest window we have, not the local clock (clock skew safe).
    const newest = Math.max(...state.pages.keys());
    for (const start of state.pages.keys()) {
      if (start <= newest - PAGE_KEEP_MS) state.pages.delete(start);
    }
  }

  function addUserRows(rows) {
    if (!Array.isArray(rows)) return;
    for (const r of rows) {
      if (!r) continue;
      const start = num(r.windowStart);
      if (!Number.isFinite(start)) continue;
      const end = num(r.windowEnd);
      state.users.set(start, {
        windowStart: start,
        windowEnd: Number.isFinite(end) ? end : start + MINUTE,
        users: num(r.users),
      });
    }
    const newest = Math.max(...state.users.keys());
    for (const start of state.users.keys()) {
      if (start <= newest - USERS_KEEP_MS) state.users.delete(start);
    }
  }

  function handleMessage(text) {
    let msg;
    try { msg = JSON.parse(text); } catch { return; } // not ours; ignore
    if (!msg || typeof msg !== 'object') return;
    state.lastMessageAt = Date.now();
    switch (msg.type) {
      case 'snapshot':
        state.pages.clear();
        state.users.clear();
        addPageRows(msg.pageViews);
        addUserRows(msg.activeUsers);
        state.status = msg.status && typeof msg.status === 'object' ? msg.status : null;
        invalidate('pages', 'users', 'status');
        break;
      case 'pageViews':
        addPageRows(msg.rows);
        invalidate('pages');
        break;
      case 'activeUsers':
        addUserRows(msg.rows);
        invalidate('users');
        break;
      case 'status':
        state.status = msg;
        invalidate('status');
        break;
      default:
        break;
    }
    invalidate('footer');
  }

  // ---------- render scheduling ----------
  // Bursts of messages are coalesced into one DOM update per frame. The timeout is a
  // fallback because requestAnimationFrame does not fire in hidden/background tabs.
  const dirty = new Set();
  let renderPending = false;
  function invalidate(...parts) {
    for (const p of parts) dirty.add(p);
    if (renderPending) return;
    renderPending = true;
    requestAnimationFrame(flush);
    setTimeout(flush, 250);
  }
  function flush() {
    if (!renderPending) return;
    renderPending = false;
    const parts = new Set(dirty);
    dirty.clear();
    if (parts.has('pages')) renderTopPages();
    if (parts.has('users')) renderUsers();
    if (parts.has('status')) renderStatus();
    if (parts.has('footer')) renderFooter();
  }

  // ---------- top pages ----------
  function renderTopPages() {
    const tbody = $('top-pages').tBodies[0];
    const starts = [...state.pages.keys()].sort((a, b) => b - a);
    const cur = starts.length ? state.pages.get(starts[0]) : null;
    const prev = starts.length > 1 ? state.pages.get(starts[1]) : null;

    if (!cur) {
      tbody.replaceChildren();
      $('top-pages-window').textContent = '–';
      $('top-pages-empty').hidden = false;
      return;
    }
    $('top-pages-window').textContent = `${hhmm(cur.windowStart)} – ${hhmm(cur.windowEnd)}`;
    $('top-pages-empty').hidden = true;

    const top = [...cur.rows]
      .sort((a, b) => (b[1] - a[1]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, TOP_N);
    const frag = document.createDocumentFragment();
    for (const [url, views] of top) {
      const tr = document.createElement('tr');
      const tdUrl = el('td', 'url', url);
      tdUrl.title = url; // full URL when the cell is ellipsized
      tr.append(tdUrl, el('td', 'views', fmtInt(views)));
      // Previous minute's count for comparison (the current minute is usually still filling).
      const before = prev ? prev.rows.get(url) : undefined;
      tr.append(el('td', 'prev', before === undefined ? '–' : fmtInt(before)));
      frag.append(tr);
    }
    tbody.replaceChildren(frag);
  }

  // ---------- active users ----------
  let chart = null;

  function chartWidth(box) {
    return Math.max(200, Math.floor(box.clientWidth));
  }

  function initChart() {
    const box = $('active-users-chart');
    if (typeof window.uPlot !== 'function') {
      box.textContent = 'chart library unavailable';
      box.classList.add('chart-missing');
      return;
    }
    const axisColor = '#8b95a7';
    const gridColor = 'rgba(255,255,255,0.07)';
    // Integer-only steps on the y axis: fractional "users" make no sense.
    const yIncrs = [];
    for (let m = 1; m <= 1e9; m *= 10) yIncrs.push(m, 2 * m, 5 * m);
    const xIncrs = [1, 2, 5, 10, 15, 30, 60].map((m) => m * MINUTE);

    const opts = {
      width: chartWidth(box),
      height: CHART_HEIGHT,
      ms: 1, // x values are epoch milliseconds
      cursor: { drag: { x: false, y: false } }, // no zoom: live data would reset it anyway
      scales: {
        x: {
          time: true,
          // Always show a fixed 60-minute span ending at the newest window: steady axis.
          range: (u, min, max) => {
            const end = max ?? Date.now();
            return [end - USERS_KEEP_MS, end];
          },
        },
        y: { range: (u, min, max) => [0, max > 0 ? Math.ceil(max * 1.15) : 1] },
      },
      axes: [
        {
          stroke: axisColor,
          grid: { stroke: gridColor, width: 1 },
          ticks: { stroke: gridColor, width: 1 },
          incrs: xIncrs,
          values: (u, splits) => splits.map((v) => hhmm(v)),
        },
        {
          stroke: axisColor,
          grid: { stroke: gridColor, width: 1 },
          ticks: { stroke: gridColor, width: 1 },
          incrs: yIncrs,
          size: 56,
          values: (u, splits) => splits.map((v) => fmtInt(v)),
        },
      ],
      series: [
        { label: 'window', value: (u, v) => (v == null ? '–' : `${hhmm(v - MINUTE)} – ${hhmm(v)}`) },
        {
          label: 'users',
          stroke: '#4ea1ff',
          fill: 'rgba(78,161,255,0.12)',
          width: 2,
          points: { size: 4 },
          value: (u, v) => fmtInt(v),
        },
      ],
    };
    try {
      chart = new window.uPlot(opts, [[], []], box);
    } catch {
      box.textContent = 'chart library unavailable';
      box.classList.add('chart-missing');
      return;
    }

    // Follow the container's width (window resize, layout changes), one resize per frame.
    let lastWidth = chartWidth(box);
    let resizeQueued = false;
    const onResize = () => {
      if (resizeQueued) return;
      resizeQueued = true;
      requestAnimationFrame(() => {
        resizeQueued = false;
        const w = chartWidth(box);
        if (w !== lastWidth) {
          lastWidth = w;
          chart.setSize({ width: w, height: CHART_HEIGHT });
        }
      });
    };
    if (typeof ResizeObserver === 'function') new ResizeObserver(onResize).observe(box);
    window.addEventListener('resize', onResize);
  }

  function renderUsers() {
    const windows = [...state.users.values()].sort((a, b) => a.windowStart - b.windowStart);
    const latest = windows[windows.length - 1];
    $('active-users-now').textContent = latest ? fmtInt(latest.users) : '–';
    if (chart) {
      chart.setData([
        windows.map((w) => w.windowEnd),
        windows.map((w) => (Number.isFinite(w.users) ? w.users : null)),
      ]);
    }
  }

  // ---------- status / KPIs ----------
  function renderStatus() {
    const s = state.status || {};

    $('events-in').textContent = fmtInt(s.eventsInPerSec);

    const out = $('events-out');
    const sinks = s.eventsOutPerSec && typeof s.eventsOutPerSec === 'object'
      ? Object.entries(s.eventsOutPerSec).sort((a, b) => (a[0] < b[0] ? -1 : 1))
      : [];
    out.replaceChildren(...sinks.map(([name, rate]) => {
      const li = el('li', 'sink');
      li.append(el('span', 'sink-name', name), document.createTextNode(' '), el('span', 'sink-rate', `${fmtInt(rate)}/s`));
      return li;
    }));
    if (!sinks.length) out.append(el('li', 'muted', '–'));

    $('lag').textContent = fmtInt(s.lag);
    $('late').textContent = fmtInt(s.lateEvents);
    $('late-note').textContent = s.validEvents != null ? `total · ${fmtInt(s.validEvents)} valid` : 'total';

    const dlq = $('dlq');
    dlq.textContent = fmtInt(s.deadLettered);
    const reasons = s.deadLetteredByReason && typeof s.deadLetteredByReason === 'object'
      ? Object.entries(s.deadLetteredByReason).sort((a, b) => (b[1] - a[1]) || (a[0] < b[0] ? -1 : 1))
      : [];
    dlq.title = reasons.map(([r, n]) => `${r}: ${fmtInt(n)}`).join('\n');
    $('dlq-reasons').replaceChildren(...reasons.map(([r, n]) => {
      const li = el('li');
      li.append(el('span', 'reason', r), document.createTextNode(' '), el('span', 'count', fmtInt(n)));
      return li;
    }));

    const now = Number.isFinite(num(s.time)) ? num(s.time) : Date.now();
    const nodes = Array.isArray(s.nodes) ? s.nodes : [];
    $('nodes').replaceChildren(...nodes.map((n) => {
      const li = el('li', 'node');
      const roles = Array.isArray(n.roles) ? n.roles.map(String).join(', ') : '';
      li.append(el('span', 'node-name', n.name ?? '?'), document.createTextNode(' · '), el('span', 'node-roles', roles));
      if (Array.isArray(n.partitions) && n.partitions.length > 0) {
        // "user_activity-3" -> "3": the partition numbers this node's ingest owns
        const parts = n.partitions.map((p) => String(p).replace(/^.*-(\d+)$/, '$1')).join(', ');
        li.append(document.createTextNode(' · '), el('span', 'node-partitions', `partitions ${parts}`));
      }
      const seen = num(n.lastSeen);
      if (Number.isFinite(seen)) {
        li.title = `last seen ${hhmmss(seen)}`;
        if (now - seen > NODE_STALE_MS) li.classList.add('node-stale');
      }
      return li;
    }));
  }

  // ---------- footer ----------
  function renderFooter() {
    const foot = $('last-update');
    if (!state.lastMessageAt) { foot.textContent = 'never'; return; }
    const quiet = Date.now() - state.lastMessageAt;
    foot.textContent = hhmmss(state.lastMessageAt) +
      (state.connected && quiet > FEED_STALE_MS ? ` (no data for ${Math.round(quiet / 1000)}s)` : '');
    foot.classList.toggle('warn', state.connected && quiet > FEED_STALE_MS);
  }

  // ---------- WebSocket ----------
  let retryMs = RETRY_MIN_MS;
  let retryTimer = 0;

  function setConnected(on) {
    state.connected = on;
    const c = $('connection');
    c.textContent = on ? 'live' : 'reconnecting…';
    c.classList.toggle('conn-live', on);
    c.classList.toggle('conn-down', !on);
    if (on) c.removeAttribute('title');
    $('main').classList.toggle('stale', !on);
  }

  function connect() {
    const url = (location.protocol === 'https:' ? 'wss' : 'ws') + '://' + location.host + '/ws';
    let ws;
    try {
      ws = new WebSocket(url);
    } catch {
      scheduleReconnect();
      return;
    }
    ws.onopen = () => { retryMs = RETRY_MIN_MS; setConnected(true); };
    ws.onmessage = (ev) => { if (typeof ev.data === 'string') handleMessage(ev.data); };
    ws.onclose = () => { setConnected(false); scheduleReconnect(); };
    // 'error' is always followed by 'close', which does the reconnecting.
  }

  function scheduleReconnect() {
    clearTimeout(retryTimer);
    const delay = retryMs;
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS); // 1s, 2s, 4s, 8s, 10s, 10s…
    $('connection').title = `next attempt in ${delay / 1000}s`;
    retryTimer = setTimeout(connect, delay);
  }

  // ---------- synthetic traffic (producer API) ----------
  const form = $('producer-form');
  const startBtn = $('producer-start');
  const stopBtn = $('producer-stop');
  const statusEl = $('producer-status');
  let run = null; // { id, auth, timer } of the run being followed

  function showStatus(text, kind) {
    statusEl.textContent = text;
    statusEl.className = 'producer-status' + (kind ? ' ' + kind : '');
  }

  // Reads a body as JSON when possible; error pages may be HTML or empty.
  async function readJson(res) {
    const text = await res.text();
    if (!text) return null;
    try { return JSON.parse(text); } catch { return null; }
  }

  function errorMessage(res, data) {
    if (data && typeof data.error === 'string' && data.error) return data.error;
    return `HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`;
  }

  function authHeaders(token) {
    return token ? { Authorization: 'Bearer ' + token } : {};
  }

  // Builds the request body; empty fields are omitted so the server applies its defaults.
  function readForm() {
    const f = form.elements;
    const body = {};
    for (const name of ['rate', 'count', 'users', 'pages', 'lateShare', 'invalidShare', 'seed']) {
      const raw = f[name].value.trim();
      if (raw !== '') body[name] = Number(raw);
    }
    const duration = f.duration.value.trim();
    if (duration !== '') body.duration = duration;
    return body;
  }

  function showRun(r) {
    const id = String(r.id ?? run?.id ?? '');
    const state = String(r.state ?? 'starting');
    let text = `${id} ${state}: sent ${fmtInt(r.sent ?? 0)} (valid ${fmtInt(r.valid ?? 0)}, late ${fmtInt(r.late ?? 0)}, invalid ${fmtInt(r.invalid ?? 0)})`;
    if (r.acknowledged != null) text += ` · acked ${fmtInt(r.acknowledged)}`;
    if (num(r.failed) > 0) text += ` · failed ${fmtInt(r.failed)}`;
    if (state === 'running' && r.ratePerSec != null) text += ` · ${fmtInt(r.ratePerSec)}/s`;
    if (r.error) text += ` — ${String(r.error)}`;
    const kind = state === 'failed' || r.error ? 'error' : state === 'running' ? 'running' : 'done';
    showStatus(text, kind);
  }

  function endRun() {
    if (run) clearTimeout(run.timer);
    run = null;
    startBtn.disabled = false;
    stopBtn.hidden = true;
    stopBtn.disabled = false;
  }

  async function poll(current) {
    if (!current || run !== current) return;
    try {
      const res = await fetch('/api/producer/' + encodeURIComponent(current.id), {
        headers: { Accept: 'application/json', ...current.auth },
        cache: 'no-store',
      });
      const data = await readJson(res);
      if (run !== current) return;
      if (!res.ok) {
        showStatus(errorMessage(res, data), 'error');
        if (res.status < 500) { endRun(); return; } // 4xx won't get better by retrying
      } else if (data) {
        showRun(data);
        if (data.state !== 'running') { endRun(); return; }
      }
    } catch (err) {
      // Network hiccup: report and keep polling.
      if (run === current) showStatus(`${current.id}: ${err.message || 'network error'}`, 'error');
    }
    if (run === current) current.timer = setTimeout(() => poll(current), POLL_MS);
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (run) return;
    const token = form.elements.token.value.trim();
    const auth = authHeaders(token);
    startBtn.disabled = true;
    showStatus('starting…', 'running');
    try {
      const res = await fetch('/api/producer', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...auth },
        body: JSON.stringify(readForm()),
      });
      const data = await readJson(res);
      if (!res.ok) throw new Error(errorMessage(res, data));
      if (!data || data.id == null) throw new Error('unexpected response from server');
      const current = { id: String(data.id), auth, timer: 0 };
      run = current;
      stopBtn.hidden = false;
      showRun({ state: 'running', ...data });
      current.timer = setTimeout(() => poll(current), POLL_MS);
    } catch (err) {
      showStatus(err.message || 'request failed', 'error');
      startBtn.disabled = false;
    }
  });

  stopBtn.addEventListener('click', async () => {
    const current = run;
    if (!current) return;
    stopBtn.disabled = true;
    try {
      const res = await fetch('/api/producer/' + encodeURIComponent(current.id), {
        method: 'DELETE',
        headers: { Accept: 'application/json', ...current.auth },
      });
      const data = await readJson(res);
      if (run !== current) return;
      if (!res.ok) {
        showStatus(errorMessage(res, data), 'error');
        stopBtn.disabled = false;
        return;
      }
      if (data && data.state) {
        showRun(data);
        if (data.state !== 'running') endRun();
      }
      // Otherwise the next poll reports the final state.
    } catch (err) {
      if (run === current) {
        showStatus(err.message || 'request failed', 'error');
        stopBtn.disabled = false;
      }
    }
  });

  // ---------- start ----------
  initChart();
  renderTopPages();
  renderUsers();
  renderStatus();
  setConnected(false);
  connect();
  setInterval(renderFooter, 1000); // keeps the "no data for Ns" warning current
})();
