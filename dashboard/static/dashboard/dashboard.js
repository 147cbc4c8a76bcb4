/* Control-room dashboard: figures from /api/<city>/dashboard/figures for the chosen
   filters, and a live feed polled every cfg.pollMs from /feed with a cursor (the last
   event id seen). New events refresh the figures too. Text goes through textContent. */
"use strict";
(function () {
  const cfg = JSON.parse(document.getElementById("dashboard-config").textContent);
  const T = cfg.text;
  const $ = (id) => document.getElementById(id);
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; };
  const when = (iso) => PetaKotaTime.format(iso, cfg.time);
  const state = { cursor: 0, seen: new Set(), figures: null, level: "kecamatan", loading: null, again: false };
  window.petakotaDashboard = state;

  if (new URLSearchParams(location.search).get("screen") === "big") document.body.classList.add("bigscreen");
  $("bigscreen").addEventListener("click", () => {
    const on = document.body.classList.toggle("bigscreen");
    if (on && document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
    if (!on && document.fullscreenElement) document.exitFullscreen().catch(() => {});
    setTimeout(() => { choropleth.invalidateSize(); heatmap.invalidateSize(); }, 200);
  });

  function query() {
    const params = new URLSearchParams();
    for (const [k, v] of new FormData($("filters"))) if (v) params.append(k, v);
    return params;
  }
  function exportLinks() {
    const q = query().toString();
    for (const a of document.querySelectorAll("[data-export]")) {
      a.href = cfg.urls.export + a.dataset.export + (q ? `?${q}` : "");
    }
  }

  // Maps: the city's own boundaries, no online tiles.
  function makeMap(id) {
    const m = L.map(id, { maxZoom: 18, zoomControl: false, attributionControl: false });
    m.fitBounds(cfg.bounds);
    return m;
  }
  const choropleth = makeMap("choropleth");
  const heatmap = makeMap("heatmap");
  const boundaries = {};
  let areaLayer = null;
  const heat = L.heatLayer([], { radius: 18, blur: 15, maxZoom: 15 }).addTo(heatmap);
  async function shapes(level) {
    if (!boundaries[level]) boundaries[level] = fetch(cfg.urls[level]).then((r) => r.json());
    return boundaries[level];
  }
  shapes("kecamatan").then((fc) => L.geoJSON(fc, { style: { color: "#1f3b4d", weight: 1, fillOpacity: 0 }, interactive: false }).addTo(heatmap)).catch(() => {});
  function breachColour(pct) {
    if (pct == null) return "#d0d5d8";
    if (pct < 10) return "#2e8540";
    if (pct < 25) return "#9bbf3a";
    if (pct < 50) return "#e0a100";
    return "#c62828";
  }
  async function drawAreas() {
    const fc = await shapes(state.level);
    const figures = (state.figures && state.figures.areas[state.level]) || {};
    if (areaLayer) areaLayer.remove();
    areaLayer = L.geoJSON(fc, {
      style: (f) => {
        const row = figures[f.properties.code];
        return { color: "#1f3b4d", weight: 1, fillOpacity: 0.7, fillColor: breachColour(row ? row.sla_breach_pct : null) };
      },
      onEachFeature: (f, layer) => {
        const row = figures[f.properties.code];
        const text = row && row.sla_breach_pct != null ? `${row.sla_breach_pct}% (${row.sla_breached}/${row.sla_decided})` : T.noData;
        layer.bindTooltip(`${f.properties.name}: ${T.breach} ${text}`.replace(/[<>&]/g, ""));
      },
    }).addTo(choropleth);
    areaLayer.eachLayer((layer) => { layer.getElement && layer.getElement() && layer.getElement().setAttribute("data-code", layer.feature.properties.code); });
    const legend = $("choropleth-legend");
    legend.replaceChildren();
    for (const [label, pct] of [["<10%", 5], ["10–25%", 15], ["25–50%", 30], ["≥50%", 60], [T.noData, null]]) {
      const swatch = el("i"); swatch.style.background = breachColour(pct);
      legend.append(swatch, label);
    }
  }
  $("area-level").addEventListener("change", (e) => { state.level = e.target.value; drawAreas(); });

  // Charts.
  const backlogChart = new Chart($("backlog-chart"), {
    type: "bar",
    data: { labels: [], datasets: [{ label: T.open, data: [], backgroundColor: "#0f6e74" }] },
    options: { animation: false, maintainAspectRatio: false, plugins: { legend: { display: false } } },
  });
  const categoryChart = new Chart($("category-chart"), {
    type: "bar",
    data: { labels: [], datasets: [] },
    options: { animation: false, maintainAspectRatio: false, indexAxis: "y" },
  });

  const fmtHours = (v) => (v == null ? "–" : `${v.toFixed(1)} ${T.hours}`);
  const fmtPct = (v) => (v == null ? "–" : `${v.toFixed(1)}%`);
  function renderTiles(city) {
    for (const tile of document.querySelectorAll("[data-tile]")) {
      const key = tile.dataset.tile;
      const value = tile.querySelector(".value");
      const note = tile.querySelector("small");
      tile.classList.remove("green", "amber", "red", "none");
      const colour = city.colours[key];
      if (colour) tile.classList.add(colour);
      tile.dataset.colour = colour || "";
      if (key.endsWith("_this_h")) {
        const last = city[key.replace("_this_h", "_last_h")];
        const target = key.startsWith("first") ? city.targets.first_response_hours : city.targets.resolution_hours;
        value.textContent = fmtHours(city[key]);
        note.textContent = `${T.lastWeek}: ${fmtHours(last)} · ${T.target} ${target} ${T.hours}`;
      } else if (key === "within_sla_pct") {
        value.textContent = fmtPct(city[key]);
        note.textContent = `${T.target} ≥ ${city.targets.within_sla_pct}%`;
      } else if (key === "reopen_pct") {
        value.textContent = fmtPct(city[key]);
        note.textContent = `${T.target} ≤ ${city.targets.reopen_pct}%`;
      } else {
        value.textContent = String(city[key]);
        note.textContent = "";
      }
    }
  }
  function cell(text, cls) { const td = el("td", text); if (cls && cls !== "none") td.className = cls; return td; }
  function renderCategories(rows) {
    const body = $("category-table").tBodies[0];
    body.replaceChildren();
    for (const c of rows) {
      const tr = el("tr"); tr.dataset.category = c.code;
      tr.append(cell(c.name), cell(String(c.open)), cell(String(c.overdue), c.colours.overdue),
        cell(fmtHours(c.first_response_median_this_h), c.colours.first_response_median_this_h),
        cell(fmtHours(c.resolution_median_this_h), c.colours.resolution_median_this_h),
        cell(fmtPct(c.within_sla_pct), c.colours.within_sla_pct), cell(fmtPct(c.reopen_pct), c.colours.reopen_pct));
      body.append(tr);
    }
    categoryChart.data.labels = rows.map((c) => c.name);
    categoryChart.data.datasets = [
      { label: T.firstResponse, data: rows.map((c) => c.first_response_median_this_h), backgroundColor: "#0f6e74" },
      { label: T.resolution, data: rows.map((c) => c.resolution_median_this_h), backgroundColor: "#e0a100" },
    ];
    categoryChart.update();
  }
  function renderMatrix(cells) {
    const agencies = [...new Set(cells.map((c) => c.agency_name))];
    const categories = [...new Set(cells.map((c) => c.category_name))].sort();
    const head = $("matrix").tHead; const body = $("matrix").tBodies[0];
    head.replaceChildren(); body.replaceChildren();
    const hr = el("tr"); hr.append(el("th", ""));
    for (const c of categories) hr.append(el("th", c));
    head.append(hr);
    for (const a of agencies) {
      const tr = el("tr"); tr.append(el("th", a));
      for (const c of categories) {
        const found = cells.find((x) => x.agency_name === a && x.category_name === c);
        tr.append(cell(found ? `${found.open}${found.overdue ? ` (${found.overdue}!)` : ""}` : "", found && found.overdue ? "red" : ""));
      }
      body.append(tr);
    }
  }
  function renderStale(rows) {
    const list = $("stale"); list.replaceChildren();
    for (const r of rows) {
      const li = el("li"); li.dataset.ticket = r.ticket;
      li.append(el("b", r.ticket), ` ${r.category} · ${r.status_label} · ${r.agency} · ${T.updated} ${when(r.updated)}`);
      if (r.overdue) li.append(" ", el("span", T.overdue, "error"));
      list.append(li);
    }
  }
  function render(data) {
    state.figures = data;
    renderTiles(data.city);
    const buckets = data.city.backlog;
    backlogChart.data.labels = Object.keys(buckets);
    backlogChart.data.datasets[0].data = Object.values(buckets);
    backlogChart.update();
    renderCategories(data.categories);
    renderMatrix(data.matrix);
    renderStale(data.stale);
    heat.setLatLngs(data.heatmap);
    drawAreas();
    $("status").textContent = `${T.updated} ${when(data.generated)}`;
  }

  async function loadFigures() {
    // One request at a time; a change while loading asks for one more.
    if (state.loading) { state.again = true; return state.loading; }
    state.loading = (async () => {
      try {
        const r = await fetch(`${cfg.urls.figures}?${query()}`, { credentials: "same-origin" });
        const body = await r.json();
        if (!r.ok) { $("error").hidden = false; $("error").textContent = `${T.error} ${body.detail}`; return; }
        $("error").hidden = true;
        render(body);
        state.loads = (state.loads || 0) + 1;
      } catch (err) {
        $("status").textContent = T.offline;
      } finally {
        state.loading = null;
        if (state.again) { state.again = false; loadFigures(); }
      }
    })();
    return state.loading;
  }

  // The feed is live every poll; the figures follow new events at most every
  // FIGURES_MS (a busy city sends events every second, the figures cost a scan).
  const FIGURES_MS = 5000;
  let lastFigures = 0, pending = null;
  function scheduleFigures() {
    if (pending) return;
    const wait = Math.max(0, lastFigures + FIGURES_MS - Date.now());
    pending = setTimeout(() => { pending = null; lastFigures = Date.now(); loadFigures(); }, wait);
  }
  function addEvents(events, fresh) {
    const list = $("feed");
    // Newest first from the server; insert oldest first at the top.
    for (const e of [...events].reverse()) {
      if (state.seen.has(e.id)) continue;
      state.seen.add(e.id);
      const li = el("li", null, fresh ? "new" : "");
      li.dataset.event = e.id; li.dataset.ticket = e.ticket;
      li.append(el("time", when(e.at)), " ", el("b", e.ticket), ` ${e.kind_label}${e.to_label ? ` → ${e.to_label}` : ""} · ${e.category} · ${e.agency}`);
      list.prepend(li);
    }
    while (list.children.length > 100) list.lastElementChild.remove();
  }
  async function poll() {
    try {
      const params = query(); params.set("after", String(state.cursor));
      const r = await fetch(`${cfg.urls.feed}?${params}`, { credentials: "same-origin" });
      if (r.ok) {
        const body = await r.json();
        const fresh = body.events.filter((e) => !state.seen.has(e.id));
        addEvents(body.events, state.cursor > 0);
        state.cursor = body.cursor;
        $("live").textContent = `● ${T.live}`;
        if (fresh.length && state.polls > 0) scheduleFigures();
        state.polls = (state.polls || 0) + 1;
      } else {
        $("live").textContent = T.offline;
      }
    } catch (err) {
      $("live").textContent = T.offline;
    }
    setTimeout(poll, cfg.pollMs);
  }

  $("filters").addEventListener("change", (e) => {
    if (e.target.id === "area-level") return;
    exportLinks();
    state.cursor = 0; state.seen.clear(); state.polls = 0; $("feed").replaceChildren();
    loadFigures();
  });
  $("filters").addEventListener("submit", (e) => e.preventDefault());
  exportLinks();
  loadFigures();
  poll();
})();
