"use strict";
(function () {
  const cfg = JSON.parse(document.getElementById("vacancy-config").textContent);
  const map = L.map("vacancy-map", { maxZoom: 18 });
  map.setView(cfg.point, 15);
  L.marker(cfg.point).addTo(map);
})();
