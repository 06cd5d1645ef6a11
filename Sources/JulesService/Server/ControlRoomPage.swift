/// The control-room page jules serves at `/ui/` (every URL in it relative, so it works under a proxy's prefix): the live session list (state and last change) from `/api/sessions`
/// and the `/api/events` stream, with no external assets. The page itself holds no data; every call it makes carries
/// the bearer token (from `#token=…` once, then the tab's session storage, or typed in), so it sits behind the same
/// checks as the API.
enum ControlRoomPage {
  static let html = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Jules control room</title>
    <link rel="stylesheet" href="app.css">
    </head>
    <body>
    <header><h1>Jules control room</h1><span id="status" class="status">connecting…</span></header>
    <form id="login" hidden>
    <label for="token">Token</label> <input id="token" type="password" autocomplete="off" required>
    <button type="submit">Connect</button>
    </form>
    <table id="sessions">
    <thead><tr><th>Session</th><th>Title</th><th>State</th><th>Last change</th></tr></thead>
    <tbody></tbody>
    </table>
    <p id="empty" hidden>No sessions yet.</p>
    <script src="app.js"></script>
    </body>
    </html>

    """

  static let css = """
    body { font: 15px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
    header { display: flex; align-items: baseline; gap: 1em; padding: 1em 1.5em; background: #1d2330; color: #fff; }
    h1 { font-size: 1.2em; margin: 0; }
    .status { font-size: .85em; padding: .1em .6em; border-radius: 1em; background: #8a6d00; }
    .status.live { background: #1b7f3b; }
    .status.error { background: #a32020; }
    form, table, #empty { margin: 1.5em; }
    table { border-collapse: collapse; min-width: 40em; background: #fff; }
    th, td { text-align: left; padding: .45em .9em; border-bottom: 1px solid #e1e4ea; }
    td.state { font-weight: 600; }
    td.state.completed { color: #1b7f3b; }
    td.state.failed { color: #a32020; }
    tr.changed { background: #fff6d6; }

    """

  static let script = """
    'use strict';
    const rows = new Map();
    const tbody = document.querySelector('#sessions tbody');
    const status = document.getElementById('status');
    const login = document.getElementById('login');

    function setStatus(text, kind) { status.textContent = text; status.className = 'status ' + (kind || ''); }

    function token() {
      const m = location.hash.match(/token=([^&]+)/);
      if (m) {
        sessionStorage.setItem('jules-token', decodeURIComponent(m[1]));
        history.replaceState(null, '', location.pathname);
      }
      return sessionStorage.getItem('jules-token');
    }

    function render(session, change, at) {
      let tr = rows.get(session.id);
      if (!tr) {
        tr = document.createElement('tr');
        tr.dataset.id = session.id;
        for (let i = 0; i < 4; i++) tr.appendChild(document.createElement('td'));
        rows.set(session.id, tr);
        tbody.appendChild(tr);
      }
      const c = tr.children;
      c[0].textContent = session.id;
      c[1].textContent = session.title || '';
      c[2].textContent = session.state || '';
      c[2].className = 'state ' + (session.state || '').toLowerCase();
      c[3].textContent = change + (at ? ' at ' + at : '');
      tr.dataset.state = session.state || '';
      tr.dataset.change = change;
      if (change !== 'listed') tr.className = 'changed';
      document.getElementById('empty').hidden = rows.size > 0;
    }

    function remove(id) {
      const tr = rows.get(id);
      if (tr) { tr.remove(); rows.delete(id); }
      document.getElementById('empty').hidden = rows.size > 0;
    }

    function handle(block) {
      let event = 'message', data = '';
      for (const line of block.split('\\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      if (event !== 'session' || !data) return;
      const d = JSON.parse(data);
      if (d.changeType === 'deleted') remove(d.before.id);
      else render(d.after, d.changeType, d.timestamp);
    }

    async function stream(t) {
      try {
        const r = await fetch('../api/events', { headers: { Authorization: 'Bearer ' + t } });
        if (!r.ok) throw new Error('events answered ' + r.status);
        setStatus('live', 'live');
        const reader = r.body.getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let i;
          while ((i = buffer.indexOf('\\n\\n')) >= 0) { handle(buffer.slice(0, i)); buffer = buffer.slice(i + 2); }
        }
      } catch (e) { setStatus('disconnected: ' + e.message, 'error'); }
      setTimeout(() => stream(t), 3000);
    }

    async function start(t) {
      const r = await fetch('../api/sessions?pageSize=100', { headers: { Authorization: 'Bearer ' + t } });
      if (r.status === 401 || r.status === 403) {
        sessionStorage.removeItem('jules-token');
        setStatus(r.status === 401 ? 'token refused' : 'this address may not call', 'error');
        login.hidden = false;
        return;
      }
      const page = await r.json();
      for (const s of page.sessions || []) render(s, 'listed', s.updateTime);
      document.getElementById('empty').hidden = rows.size > 0;
      stream(t);
    }

    login.addEventListener('submit', (e) => {
      e.preventDefault();
      const t = document.getElementById('token').value;
      sessionStorage.setItem('jules-token', t);
      login.hidden = true;
      start(t);
    });

    const t = token();
    if (t) start(t); else { setStatus('needs a token', 'error'); login.hidden = false; }

    """
}
