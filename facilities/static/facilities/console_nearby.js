/* The operator console's "nearest facilities" panel: when the console shows a
   report (event petakota:report-shown from reports/console.js), ask the facilities
   API for the nearest one of each kind, or the nearest five of a chosen kind, and
   list them with distance and tap-to-call. Text goes through textContent only. */
"use strict";
(function () {
  const box = document.getElementById("d-nearby");
  if (!box) return;
  const list = document.getElementById("d-fac-list");
  const kind = document.getElementById("d-fac-kind");
  const status = document.getElementById("d-fac-status");
  let where = null;
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; };
  const metres = (m) => (m < 1000 ? `${m} m` : `${(m / 1000).toFixed(1)} km`);

  async function load() {
    if (!where) return;
    const params = new URLSearchParams({ lon: where.lon, lat: where.lat, n: kind.value ? "5" : "1" });
    if (kind.value) params.set("kind", kind.value);
    status.textContent = box.dataset.loading;
    let data;
    try {
      const r = await fetch(`${box.dataset.url}?${params}`, { credentials: "same-origin" });
      data = await r.json();
      if (!r.ok) { status.textContent = data.detail || String(r.status); return; }
    } catch (e) { status.textContent = box.dataset.failed; return; }
    status.textContent = data.facilities.length ? "" : box.dataset.none;
    list.replaceChildren();
    for (const f of data.facilities) {
      if (![...kind.options].some((o) => o.value === f.kind)) kind.append(new Option(f.kind_name, f.kind));
      const li = el("li");
      li.dataset.kind = f.kind;
      li.append(el("b", f.name), " ", el("span", `${f.kind_name} · ${metres(f.distance_m)}`, "muted"));
      for (const phone of f.phones) {
        const a = el("a", phone, "call"); a.href = `tel:${phone}`; li.append(" ", a);
      }
      list.append(li);
    }
  }
  document.addEventListener("petakota:report-shown", (e) => {
    const d = e.detail || {};
    if (d.lon == null || d.lat == null) { box.hidden = true; return; }
    box.hidden = false;
    if (where && where.lon === d.lon && where.lat === d.lat) return;
    where = { lon: d.lon, lat: d.lat };
    load();
  });
  kind.addEventListener("change", load);
})();
