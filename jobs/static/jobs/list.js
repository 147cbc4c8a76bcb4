"use strict";
// Job seekers' page: "near me" from the phone's position (or a kelurahan), the map of
// the listed vacancies and of all open vacancies grouped by industrial estate.
(function () {
  const cfg = JSON.parse(document.getElementById("jobs-config").textContent);
  const form = document.getElementById("job-search");
  const status = document.getElementById("near-status");
  const lon = document.getElementById("near-lon");
  const lat = document.getElementById("near-lat");
  const kelurahan = document.getElementById("kelurahan");

  document.getElementById("near-me").addEventListener("click", () => {
    if (!navigator.geolocation) {
      status.textContent = cfg.text.noLocation;
      return;
    }
    status.textContent = "…";
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        lon.value = pos.coords.longitude.toFixed(6);
        lat.value = pos.coords.latitude.toFixed(6);
        kelurahan.value = "";
        form.submit();
      },
      () => { status.textContent = cfg.text.noLocation; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });
  // Choosing a kelurahan replaces a position found earlier.
  kelurahan.addEventListener("change", () => { lon.value = ""; lat.value = ""; });

  const map = L.map("jobs-map", { maxZoom: 18 });
  map.fitBounds(cfg.bounds);
  fetch(cfg.urls.boundaries).then((r) => r.json()).then((fc) => {
    L.geoJSON(fc, { style: { color: "#1f3b4d", weight: 1, fillOpacity: 0.03 }, interactive: false }).addTo(map);
  }).catch(() => {});
  const estates = L.layerGroup().addTo(map);
  fetch(cfg.urls.estates).then((r) => r.json()).then((body) => {
    for (const c of body.clusters) {
      const radius = 8 + Math.min(22, Math.sqrt(c.vacancies) * 4);
      const marker = L.circleMarker([c.lat, c.lon], {
        radius, color: "#7c3aed", weight: 1, fillOpacity: c.estate ? 0.35 : 0.15,
      });
      const label = document.createElement("span");
      label.textContent = `${c.name}: ${c.vacancies} ${cfg.text.vacancies}, ${c.openings} ${cfg.text.openings}`;
      marker.bindPopup(label);
      marker.bindTooltip(String(c.vacancies), { permanent: true, direction: "center", className: "estate-count" });
      marker.addTo(estates);
    }
    window.__jobsEstates = body.clusters.length;
  }).catch(() => {});
  const listed = [];
  for (const v of cfg.vacancies) {
    const link = document.createElement("a");
    link.href = v.url;
    link.textContent = `${v.title} — ${v.employer}`;
    listed.push(L.marker([v.lat, v.lon]).bindPopup(link));
  }
  const group = L.featureGroup(listed).addTo(map);
  if (cfg.near) {
    const here = L.latLng(cfg.near[1], cfg.near[0]);
    L.circle(here, { radius: cfg.withinKm * 1000, color: "#0f766e", weight: 1, fillOpacity: 0.04 }).addTo(map);
    L.circleMarker(here, { radius: 6, color: "#0f766e", fillOpacity: 1 }).addTo(map);
    map.fitBounds(L.latLng(here).toBounds(cfg.withinKm * 2000));
  } else if (listed.length) {
    map.fitBounds(group.getBounds(), { maxZoom: 15 });
  }
  window.__jobsMapReady = true;
})();
