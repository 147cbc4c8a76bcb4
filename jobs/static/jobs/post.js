"use strict";
// The posting form: tap the map to set the workplace (lon/lat hidden fields).
(function () {
  const cfg = JSON.parse(document.getElementById("post-config").textContent);
  const lon = document.getElementById("lon");
  const lat = document.getElementById("lat");
  const map = L.map("pick-map", { maxZoom: 18 });
  map.fitBounds(cfg.bounds);
  let marker = null;
  function place(latlng) {
    if (marker) marker.setLatLng(latlng);
    else marker = L.marker(latlng).addTo(map);
    lon.value = latlng.lng.toFixed(6);
    lat.value = latlng.lat.toFixed(6);
  }
  if (lon.value && lat.value) place(L.latLng(Number(lat.value), Number(lon.value)));
  map.on("click", (e) => place(e.latlng));
  window.__jobsPickMap = map;
})();
