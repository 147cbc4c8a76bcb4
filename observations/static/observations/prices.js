"use strict";
// Disparity map: one commodity's price at every market that day, coloured by its
// ratio to the city's average (green cheaper, red dearer).
(function () {
  const cfg = JSON.parse(document.getElementById("obs-config").textContent);
  const map = L.map("disparity-map", { maxZoom: 18 });
  map.fitBounds(cfg.bounds);
  fetch(cfg.urls.boundaries).then((r) => r.json()).then((fc) => {
    L.geoJSON(fc, { style: { color: "#1f3b4d", weight: 1, fillOpacity: 0.04 }, interactive: false }).addTo(map);
  }).catch(() => {});
  const layer = L.layerGroup().addTo(map);
  const summary = document.getElementById("disparity-summary");
  const money = new Intl.NumberFormat(document.documentElement.lang || "id", { maximumFractionDigits: 0 });
  function colour(ratio) {
    if (ratio === null) return "#9ca3af";
    if (ratio < 0.95) return "#16a34a";
    if (ratio > 1.05) return "#dc2626";
    return "#ca8a04";
  }
  function show(code) {
    layer.clearLayers();
    fetch(cfg.urls.disparity.replace("CODE", encodeURIComponent(code))).then((r) => r.json()).then((fc) => {
      fc.features.forEach((f) => {
        const p = f.properties;
        const [lon, lat] = f.geometry.coordinates;
        L.circleMarker([lat, lon], {
          radius: 10, color: "#111827", weight: 1, fillOpacity: 0.9,
          fillColor: colour(p.ratio), className: `market-marker market-${p.code}`,
        }).bindTooltip(p.price === null ? `${p.name}: ${cfg.labels.noPrice}`
          : `${p.name}: Rp ${money.format(p.price)} (${Math.round(p.ratio * 100)}%)`).addTo(layer);
      });
      summary.textContent = fc.average === null ? cfg.labels.noPrice
        : `${cfg.labels.average}: Rp ${money.format(fc.average)} / ${fc.unit.replace("Rp/", "")}`;
      document.body.dataset.disparity = code;
    }).catch(() => {});
  }
  const select = document.getElementById("commodity");
  select.addEventListener("change", () => show(select.value));
  if (cfg.commodity) show(cfg.commodity);
})();
