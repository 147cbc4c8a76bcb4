/* Small map on the OGC API HTML pages: draws the page's GeoJSON (CRS84 only). */
(function () {
  "use strict";
  var node = document.getElementById("ogc-geojson");
  if (!node || !window.L) return;
  var data = JSON.parse(node.textContent);
  var map = L.map("ogc-map", { maxZoom: 19 });
  var layer = L.geoJSON(data, {
    pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 5 }); }
  }).addTo(map);
  var bounds = layer.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: 16 }); else map.setView([0, 0], 2);
})();
