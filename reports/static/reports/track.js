"use strict";
(function () {
  const cfg = JSON.parse(document.getElementById("track-config").textContent);
  if (!cfg.point) return; // a private report: no place is shown
  const map = L.map("track-map", { maxZoom: 19 });
  map.fitBounds(cfg.bounds);
  fetch(cfg.boundaries).then((r) => r.json()).then((fc) => {
    L.geoJSON(fc, { style: { color: "#1f3b4d", weight: 1, fillOpacity: 0.04 }, interactive: false }).addTo(map);
  }).catch(() => {});
  if (cfg.sensitive) L.circle(cfg.point, { radius: cfg.radius || 300 }).addTo(map);
  else L.marker(cfg.point).addTo(map);
  map.setView(cfg.point, cfg.sensitive ? 15 : 17);
})();
