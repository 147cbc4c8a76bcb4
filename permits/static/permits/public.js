"use strict";
/* The public permits map: granted permits coloured by status; popups built as DOM
   text (never HTML from data). */
(function () {
  const cfg = JSON.parse(document.getElementById("permits-config").textContent);
  const map = L.map("permit-map", { maxZoom: 19 });
  map.fitBounds(cfg.bounds);
  window.petakotaPermits = { ready: false, count: 0, numbers: [] };
  fetch(cfg.boundaries).then((r) => r.json()).then((fc) => {
    L.geoJSON(fc, { style: { color: "#1f3b4d", weight: 1, fillOpacity: 0.03 }, interactive: false }).addTo(map);
  }).catch(() => {});
  function row(table, label, value) {
    if (value === null || value === undefined || value === "") return;
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    th.textContent = label;
    const td = document.createElement("td");
    td.textContent = String(value);
    tr.appendChild(th);
    tr.appendChild(td);
    table.appendChild(tr);
  }
  function popup(p) {
    const box = document.createElement("div");
    const h = document.createElement("h3");
    h.textContent = p.PermitNum;
    box.appendChild(h);
    const name = document.createElement("p");
    name.textContent = p.BusinessName || "";
    box.appendChild(name);
    const table = document.createElement("table");
    row(table, cfg.text.type, p.PermitTypeDesc);
    row(table, cfg.text.status, cfg.statuses[p.StatusCurrent] || p.StatusCurrent);
    row(table, cfg.text.issued, p.IssuedDate);
    row(table, cfg.text.expires, p.ExpiresDate);
    row(table, cfg.text.area, [p.kelurahan, p.kecamatan].filter(Boolean).join(", "));
    box.appendChild(table);
    return box;
  }
  fetch(cfg.features + "?limit=10000", { headers: { Accept: "application/geo+json" } })
    .then((r) => r.json())
    .then((fc) => {
      L.geoJSON(fc, {
        pointToLayer: (f, latlng) => L.circleMarker(latlng, {
          radius: 6, color: "#fff", weight: 1,
          fillColor: cfg.colours[f.properties.StatusCurrent] || "#555", fillOpacity: 0.9,
        }),
        onEachFeature: (f, layer) => layer.bindPopup(() => popup(f.properties)),
      }).addTo(map);
      window.petakotaPermits = {
        ready: true,
        count: fc.features.length,
        numbers: fc.features.map((f) => f.properties.PermitNum),
      };
      if (cfg.focus) map.setView(cfg.focus, 17);
    })
    .catch(() => { window.petakotaPermits.ready = true; });
})();
