"use strict";
// The air-quality map: stations coloured by their ISPU category; a stale value
// (older than its expected interval) is drawn hollow and grey, never as current.
(function () {
  const cfg = JSON.parse(document.getElementById("obs-config").textContent);
  const map = L.map("env-map", { maxZoom: 18 });
  map.fitBounds(cfg.bounds);
  fetch(cfg.urls.boundaries).then((r) => r.json()).then((fc) => {
    L.geoJSON(fc, { style: { color: "#1f3b4d", weight: 1, fillOpacity: 0.04 }, interactive: false }).addTo(map);
  }).catch(() => {});
  const fmt = new Intl.DateTimeFormat(document.documentElement.lang || "id", {
    dateStyle: "medium", timeStyle: "short", timeZone: cfg.time.timeZone,
  });
  function popup(p) {
    const box = document.createElement("div");
    const title = document.createElement("a");
    title.href = p.url;
    title.textContent = p.name;
    box.appendChild(title);
    const line = document.createElement("p");
    if (p.ispu_text) {
      line.textContent = `ISPU ${p.ispu_text} · ${p.category_official} (${p.critical.toUpperCase()})`;
    } else {
      line.textContent = cfg.labels.noData;
    }
    box.appendChild(line);
    if (p.latest_time) {
      const when = document.createElement("p");
      when.textContent = fmt.format(new Date(p.latest_time)) + " " + cfg.time.zoneLabel +
        (p.stale ? ` — ${cfg.labels.stale}` : "");
      box.appendChild(when);
    }
    if (p.simulated) {
      const sim = document.createElement("p");
      sim.className = "muted";
      sim.textContent = cfg.labels.simulated;
      box.appendChild(sim);
    }
    return box;
  }
  fetch(cfg.urls.things).then((r) => r.json()).then((fc) => {
    fc.features.forEach((f) => {
      const p = f.properties;
      const [lon, lat] = f.geometry.coordinates;
      const colour = p.stale || !p.colour ? "#9ca3af" : p.colour;
      const marker = L.circleMarker([lat, lon], {
        radius: 11,
        color: p.stale ? "#4b5563" : "#111827",
        weight: 2,
        dashArray: p.stale ? "3 3" : null,
        fillColor: colour,
        fillOpacity: p.stale ? 0.35 : 0.9,
        className: `thing-marker thing-${p.code}${p.stale ? " is-stale" : ""}`,
      }).addTo(map);
      marker.bindPopup(() => popup(p));
      marker.bindTooltip(p.ispu_text ? `${p.name}: ${p.ispu_text}` : p.name);
    });
    document.body.dataset.mapReady = String(fc.features.length);
  }).catch(() => { document.body.dataset.mapReady = "error"; });
})();
