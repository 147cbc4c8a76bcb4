/* Operator console: a map and a list polled every few seconds, filters, a detail pane
   with the timeline and actions, and bulk actions. All report text goes through
   textContent, never innerHTML. */
"use strict";
(function () {
  const cfg = JSON.parse(document.getElementById("console-config").textContent);
  const T = cfg.text;
  const $ = (id) => document.getElementById(id);
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; };
  const when = (iso) => PetaKotaTime.format(iso, cfg.time);
  const csrf = () => document.querySelector("[name=csrfmiddlewaretoken]").value;
  const map = L.map("console-map", { maxZoom: 19 });
  map.fitBounds(cfg.bounds);
  fetch(cfg.urls.boundaries).then((r) => r.json()).then((fc) => {
    L.geoJSON(fc, { style: { color: "#1f3b4d", weight: 1, fillOpacity: 0.03 }, interactive: false }).addTo(map);
  }).catch(() => {});
  const markers = L.layerGroup().addTo(map);
  const selected = new Set();
  let current = null, lastBody = "";

  function query() {
    const params = new URLSearchParams();
    for (const [k, v] of new FormData($("filters"))) if (v) params.append(k, v);
    return params.toString();
  }
  async function refresh() {
    const q = query();
    $("export-csv").href = q ? `${cfg.urls.csv}?${q}` : cfg.urls.csv;
    const r = await fetch(`${cfg.urls.list}?${q}`, { credentials: "same-origin" });
    const text = await r.text();
    if (text === lastBody) return;
    lastBody = text;
    if (!r.ok) { $("count").textContent = JSON.parse(text).detail || r.status; return; }
    render(JSON.parse(text).reports);
  }
  function render(rows) {
    const tbody = $("reports").tBodies[0];
    tbody.replaceChildren();
    markers.clearLayers();
    $("count").textContent = `${rows.length}`;
    if (!rows.length) { const tr = tbody.insertRow(); const td = tr.insertCell(); td.colSpan = 7; td.textContent = T.noReports; }
    for (const r of rows) {
      const tr = tbody.insertRow();
      tr.dataset.ticket = r.ticket;
      if (r.overdue) tr.classList.add("overdue");
      const box = el("input"); box.type = "checkbox"; box.checked = selected.has(r.ticket);
      box.setAttribute("aria-label", r.ticket);
      box.addEventListener("change", () => { box.checked ? selected.add(r.ticket) : selected.delete(r.ticket); updateSelected(); });
      tr.insertCell().append(box);
      const link = el("a", r.ticket); link.href = "#"; link.addEventListener("click", (e) => { e.preventDefault(); open(r.ticket); });
      tr.insertCell().append(link);
      tr.insertCell().textContent = r.category_name;
      tr.insertCell().append(el("span", r.status_label, `status status-${r.status}`), r.overdue ? el("span", T.overdue, "badge overdue") : "");
      tr.insertCell().textContent = r.agency_name || "–";
      tr.insertCell().textContent = r.kelurahan || "–";
      tr.insertCell().textContent = when(r.due);
      const m = L.circleMarker([r.lat, r.lon], { radius: 7, color: r.overdue ? "#c0392b" : "#0f6e74", fillOpacity: 0.7 });
      m.bindTooltip(el("span", `${r.ticket} · ${r.category_name}`));
      m.on("click", () => open(r.ticket));
      markers.addLayer(m);
    }
  }
  function updateSelected() { const n = $("selected-count"); if (n) n.textContent = selected.size; }

  async function open(ticket) {
    const r = await fetch(cfg.urls.detail.replace("TICKET", ticket), { credentials: "same-origin" });
    if (!r.ok) return;
    show(await r.json());
  }
  function show(d) {
    // A note is internal unless ticked for this report: never carry "public" over.
    if (!current || current.ticket !== d.ticket) { $("d-public").checked = false; $("d-note").value = ""; }
    current = d;
    // Other panels (facilities' nearest, loaded by the template) follow the report.
    document.dispatchEvent(new CustomEvent("petakota:report-shown", { detail: { ticket: d.ticket, lon: d.lon, lat: d.lat } }));
    $("detail").hidden = false;
    $("d-ticket").textContent = d.ticket;
    $("d-status").replaceChildren(el("span", d.status_label, `status status-${d.status}`), d.overdue ? el("span", T.overdue, "badge overdue") : "");
    $("d-description").textContent = d.description;
    const facts = $("d-facts"); facts.replaceChildren();
    const add = (k, v) => { if (v) facts.append(el("dt", k), el("dd", String(v))); };
    add(d.category_name, `${d.kelurahan || "–"}, ${d.kecamatan || "–"}`);
    add(T.due, when(d.due));
    for (const [k, v] of Object.entries(d.answers || {})) add(k, Array.isArray(v) ? v.join(", ") : v);
    add(T.contact, [d.contact.name, d.contact.phone, d.contact.email].filter(Boolean).join(" · "));
    $("d-photos").replaceChildren(...d.photos.map((src) => { const i = el("img"); i.src = src; i.alt = ""; return i; }));
    const actions = $("d-actions"); actions.replaceChildren();
    for (const to of cfg.transitions[d.status] || []) {
      if (to === "duplicate") continue;
      // An agency moving a verified report to "assigned" accepts it for itself.
      const b = el("button", to === "assigned" ? T.accept : cfg.statuses[to]); b.type = "button"; b.dataset.to = to;
      b.addEventListener("click", () => act({ action: "transition", status: to }));
      actions.append(b);
    }
    const tl = $("d-timeline"); tl.replaceChildren();
    for (const e of d.timeline) {
      const li = el("li");
      const time = el("time", when(e.at)); time.dateTime = e.at;
      li.append(time, " ", el("strong", e.to ? cfg.statuses[e.to] : e.kind_label));
      if (e.agency) li.append(" → ", el("span", e.agency));
      if (e.actor) li.append(" · ", el("em", e.actor));
      if (e.note) li.append(el("p", e.note, e.public ? "note public" : "note"));
      tl.append(li);
    }
    if (current) map.panTo([d.lat, d.lon]);
  }
  async function post(url, payload) {
    const r = await fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() }, body: JSON.stringify(payload) });
    let body = {}; try { body = await r.json(); } catch (e) { body = { detail: `HTTP ${r.status}` }; }
    return [r, body];
  }
  async function act(payload) {
    payload.note = $("d-note").value; payload.public = $("d-public").checked;
    const [r, body] = await post(`${cfg.urls.detail.replace("TICKET", current.ticket)}/action`, payload);
    // Back to internal after every action, sent or refused.
    $("d-public").checked = false;
    $("d-error").hidden = r.ok;
    $("d-error").textContent = r.ok ? "" : (body.detail || r.status);
    if (r.ok) { $("d-note").value = ""; show(body); lastBody = ""; refresh(); }
  }
  const on = (id, fn) => { const b = $(id); if (b) b.addEventListener("click", fn); };
  on("d-assign", () => act({ action: "assign", agency: $("d-agency").value }));
  on("d-merge-btn", () => act({ action: "merge", into: $("d-merge").value }));
  on("d-note-btn", () => act({ action: "note" }));
  for (const b of document.querySelectorAll("[data-bulk]")) {
    b.addEventListener("click", async () => {
      const kind = b.dataset.bulk;
      const payload = kind === "assign" ? { action: "assign", agency: $("bulk-agency").value } : { action: "transition", status: kind };
      payload.tickets = [...selected];
      const [r, body] = await post(cfg.urls.bulk, payload);
      $("bulk-message").textContent = r.ok ? T.done : body.detail;
      if (r.ok) { selected.clear(); updateSelected(); }
      lastBody = ""; refresh();
    });
  }
  $("filters").addEventListener("change", () => { lastBody = ""; refresh(); });
  $("filters").addEventListener("submit", (e) => { e.preventDefault(); lastBody = ""; refresh(); });
  let typing = null;
  $("search").addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => { lastBody = ""; refresh(); }, 300);
  });
  $("d-close").addEventListener("click", () => { $("detail").hidden = true; current = null; });
  refresh();
  setInterval(refresh, cfg.pollMs);
})();
