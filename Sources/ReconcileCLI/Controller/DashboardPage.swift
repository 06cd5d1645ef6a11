/// The controller's page, served from the binary (no external asset): the resources as a dependency graph coloured by
/// sync and health, a resource's details and history, the runs as a timeline with step durations, drift over time,
/// rollouts under way and the alert log; live through `/api/events`. Every URL is relative, so that it works behind a
/// proxy's prefix too.
enum DashboardPage {
  static func login(failed: Bool) -> String {
    """
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
    <title>reconcile: sign in</title><link rel="stylesheet" href="app.css"></head>
    <body class="login"><main><h1>reconcile</h1>
    <form method="post" action="login">
    <label for="token">The controller's API token (<code>STATE/controller.token</code>)</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
    <button type="submit">Sign in</button>
    \(failed ? "<p class=\"error\" role=\"alert\">That token is not the controller's.</p>" : "")
    </form></main></body></html>
    """
  }

  static let html = """
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
    <title>reconcile</title><link rel="stylesheet" href="app.css"></head>
    <body><header><h1>reconcile</h1><span id="state" role="status">loading…</span></header>
    <main>
    <section id="graph-section" aria-label="Resources"><h2>Resources</h2><div id="graph" class="scroll"></div>
    <p class="legend"><span class="in-sync">in sync</span> <span class="drifted">drifted</span> <span class="failed">failed</span>
    <span class="degraded">degraded (outlined)</span></p></section>
    <section id="details" aria-live="polite"><h2>Details</h2><p>Select a resource (click, or Tab and Enter).</p></section>
    <section aria-label="Runs"><h2>Runs</h2><ol id="runs"></ol></section>
    <section aria-label="Drift over time"><h2>Drift over time</h2><svg id="drift" width="100%" height="44" role="img"
    aria-label="drifted resources after each run"></svg><p id="drift-now"></p></section>
    <section aria-label="Under way"><h2>Rollouts and steps under way</h2><ul id="rollouts"></ul></section>
    <section aria-label="Alerts"><h2>Alerts</h2><ul id="alerts"></ul></section>
    </main><script src="app.js"></script></body></html>
    """

  static let css = """
    body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1b1b1b; background: #fafafa; }
    header { display: flex; gap: 1em; align-items: baseline; padding: .5em 1em; background: #263238; color: #fff; }
    header h1 { font-size: 1.2em; margin: 0; }
    main { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 1em; padding: 1em; }
    section { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: .5em 1em; min-width: 0; }
    #graph-section { grid-column: 1 / -1; }
    h2 { font-size: 1em; margin: .3em 0 .6em; }
    .scroll { overflow-x: auto; }
    .node rect { fill: #c8e6c9; stroke: #607d8b; }
    .node.drifted rect { fill: #ffe0b2; } .node.failed rect { fill: #ffcdd2; }
    .node.degraded rect { stroke: #b71c1c; stroke-width: 3; }
    .node.selected rect { stroke: #0d47a1; stroke-width: 3; }
    .node:focus { outline: none; } .node:focus rect { stroke: #0d47a1; stroke-width: 3; stroke-dasharray: 4 2; }
    .node { cursor: pointer; } .node text { font-size: 12px; } .node .sub { fill: #455a64; font-size: 11px; }
    .edge { stroke: #90a4ae; stroke-width: 1.5; }
    .legend span { padding: 0 .4em; border-radius: 3px; } .legend .in-sync { background: #c8e6c9; }
    .legend .drifted { background: #ffe0b2; } .legend .failed { background: #ffcdd2; } .legend .degraded { outline: 2px solid #b71c1c; }
    .bar { display: inline-block; height: .8em; background: #42a5f5; vertical-align: middle; }
    .when { color: #607d8b; font-variant-numeric: tabular-nums; }
    #runs, #alerts, #rollouts { padding-left: 1.2em; margin: 0; } #runs > li { margin-bottom: .4em; }
    #drift rect { fill: #ffb74d; }
    .login main { display: block; max-width: 26em; margin: 4em auto; }
    .login form { display: grid; gap: .6em; } .error { color: #b71c1c; }
    input, button { font: inherit; padding: .4em; }
    @media (max-width: 700px) { main { grid-template-columns: 1fr; } header { flex-wrap: wrap; } }
    """

  static let js = #"""
    let data = null, selected = null;
    const esc = s => String(s).replace(/[&<>"']/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
    async function load() {
      const r = await fetch('../api/overview', {credentials: 'same-origin'});
      if (r.status === 401) { location.reload(); return; }
      data = await r.json();
      render();
    }
    function depth(address, byAddress, memo) {
      if (memo[address] !== undefined) return memo[address];
      memo[address] = 0;
      let d = 0;
      for (const dep of (byAddress[address] || {dependsOn: []}).dependsOn) if (byAddress[dep]) d = Math.max(d, depth(dep, byAddress, memo) + 1);
      return memo[address] = d;
    }
    function render() {
      document.getElementById('state').textContent = (data.ready ? 'ready' : 'not ready') + (data.revision ? ' · git ' + data.revision.slice(0, 12) : '');
      const byAddress = {}, memo = {}, columns = {};
      data.resources.forEach(r => byAddress[r.address] = r);
      data.resources.forEach(r => { const d = depth(r.address, byAddress, memo); (columns[d] = columns[d] || []).push(r); });
      const W = 210, H = 56, at = {};
      Object.keys(columns).forEach(c => columns[c].sort((a, b) => a.address.localeCompare(b.address)).forEach((r, i) => at[r.address] = {x: 10 + c * W, y: 10 + i * H}));
      const width = 10 + Object.keys(columns).length * W, height = 10 + Math.max(1, ...Object.values(columns).map(c => c.length)) * H;
      let svg = `<svg width="${width}" height="${height}" role="group" aria-label="dependency graph">`;
      data.resources.forEach(r => r.dependsOn.forEach(d => { if (at[d]) { const a = at[r.address], b = at[d]; svg += `<line class="edge" x1="${a.x}" y1="${a.y + 20}" x2="${b.x + 180}" y2="${b.y + 20}"/>`; } }));
      data.resources.forEach(r => {
        const p = at[r.address];
        svg += `<g class="node ${esc(r.sync)} ${esc(r.health)}" data-address="${esc(r.address)}" tabindex="0" role="button" aria-label="${esc(r.address)}: ${esc(r.sync)}, ${esc(r.health)}" transform="translate(${p.x},${p.y})"><rect width="180" height="40" rx="6"/><text x="8" y="17">${esc(r.address)}</text><text x="8" y="33" class="sub">${esc(r.sync)} · ${esc(r.health)}</text></g>`;
      });
      const graph = document.getElementById('graph');
      graph.innerHTML = svg + '</svg>';
      graph.querySelectorAll('.node').forEach(n => {
        n.addEventListener('click', () => select(n.dataset.address));
        n.addEventListener('keydown', e => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select(n.dataset.address); } });
      });
      const longest = Math.max(0.001, ...data.runs.map(r => r.seconds));
      document.getElementById('runs').innerHTML = data.runs.map(r => `<li><span class="when">${esc(r.time)}</span> ${esc(r.command.replace('reconcile ', ''))} <span class="bar" style="width:${Math.max(2, 160 * r.seconds / longest)}px"></span> ${r.seconds.toFixed(2)} s<ul>${r.steps.map(s => `<li>${esc(s.address)}: ${esc(s.action)} ${esc(s.outcome)} in ${s.seconds.toFixed(2)} s${s.notes.map(n => '<br><small>' + esc(n) + '</small>').join('')}</li>`).join('')}</ul></li>`).join('') || '<li>No run recorded yet.</li>';
      const points = data.drift, top = Math.max(1, ...points.map(p => p.drifted));
      document.getElementById('drift').innerHTML = points.map((p, i) => `<rect x="${i * 6}" y="${42 - 40 * p.drifted / top}" width="4" height="${Math.max(1, 40 * p.drifted / top)}"><title>${esc(p.time)}: ${p.drifted}</title></rect>`).join('');
      document.getElementById('drift-now').textContent = points.length ? `${points[points.length - 1].drifted} drifted after the last run (${points.length} run${points.length === 1 ? '' : 's'} shown)` : 'No run yet.';
      document.getElementById('rollouts').innerHTML = data.rollouts.map(r => `<li>${esc(r.resource)}: at step ${r.step}${r.paused ? ', paused (reconcile promote or abort)' : ''}</li>`).join('')
        + data.running.map(s => `<li class="running">${esc(s.address)}: ${esc(s.action)} under way${s.notes.map(n => '<br><small>' + esc(n) + '</small>').join('')}</li>`).join('') || '<li>None under way.</li>';
      document.getElementById('alerts').innerHTML = data.alerts.map(a => `<li><span class="when">${esc(a.time)}</span> <b>${esc(a.event)}</b> ${esc(a.subject)}: ${esc(a.message)}</li>`).join('') || '<li>None.</li>';
      if (selected) select(selected);
    }
    function select(address) {
      const r = data.resources.find(x => x.address === address);
      if (!r) return;
      selected = address;
      const steps = data.runs.flatMap(run => run.steps.filter(s => s.address === address).map(s => Object.assign({time: run.time}, s))).slice(0, 5);
      document.getElementById('details').innerHTML = `<h2>${esc(address)}</h2><dl><dt>Sync</dt><dd>${esc(r.sync)}</dd><dt>Health</dt><dd>${esc(r.health)}</dd><dt>Depends on</dt><dd>${r.dependsOn.map(esc).join(', ') || 'nothing'}</dd></dl><h3>History</h3><ul id="resource-history">${steps.map(s => `<li>${esc(s.time)}: ${esc(s.action)} ${esc(s.outcome)} in ${s.seconds.toFixed(2)} s</li>`).join('') || '<li>No step recorded.</li>'}</ul>`;
      document.querySelectorAll('.node').forEach(n => n.classList.toggle('selected', n.dataset.address === address));
    }
    load();
    new EventSource('../api/events').addEventListener('update', load);
    """#
}
