/* Public response performance: kecamatan coloured by the share resolved within target
   (the figures come in the page; suppressed ones are grey). */
"use strict";
(function () {
  const cfg = JSON.parse(document.getElementById("performance-config").textContent);
  const map = L.map("perf-map", { maxZoom: 18, attributionControl: false });
  map.fitBounds(cfg.bounds);
  function colour(pct) {
    if (pct == null) return "#d0d5d8";
    if (pct >= 80) return "#2e8540";
    if (pct >= 60) return "#9bbf3a";
    if (pct >= 40) return "#e0a100";
    return "#c62828";
  }
  fetch(cfg.kecamatan).then((r) => r.json()).then((fc) => {
    L.geoJSON(fc, {
      style: (f) => ({ color: "#1f3b4d", weight: 1, fillOpacity: 0.7, fillColor: colour(cfg.figures[f.properties.code]) }),
      onEachFeature: (f, layer) => {
        const pct = cfg.figures[f.properties.code];
        layer.bindTooltip(`${f.properties.name}: ${pct == null ? cfg.text.suppressed : `${pct}%`}`.replace(/[<>&]/g, ""));
      },
    }).addTo(map);
    window.petakotaPerformanceReady = true;
  }).catch(() => {});
  const legend = document.getElementById("perf-legend");
  for (const [label, pct] of [["≥80%", 90], ["60–80%", 70], ["40–60%", 50], ["<40%", 10], [cfg.text.suppressed, null]]) {
    const i = document.createElement("i"); i.style.background = colour(pct);
    legend.append(i, label);
  }
})();
