/* Shared by every Leaflet map of the platform, loaded by {% leaflet_js %} right after
   Leaflet with window.PetaKotaMapConfig (/basemap/config.js):
   - marker icons by their real URLs: in production static files have hashed names, so
     Leaflet's guess from the CSS path ("images/marker-icon.png") finds nothing;
   - the configured basemap under every map (L.Map init hook): the platform's own
     archive (raster tiles, or vector tiles drawn with Leaflet.VectorGrid in a simple
     street style) or an XYZ URL. With none, each map's own boundaries stay the basemap.
   A map can opt out with L.map(id, { basemap: false }). */
(function () {
  "use strict";
  if (!window.L || window.PetaKotaBasemap) return; // loaded twice (admin forms)
  var cfg = window.PetaKotaMapConfig || {};

  if (cfg.icons) {
    // The default icon (markers, the admin's drawing tools) takes the URLs as given
    // instead of prefixing the image path Leaflet guessed.
    L.Icon.Default.mergeOptions(cfg.icons);
    L.Icon.Default.prototype._getIconUrl = function (name) {
      return L.Icon.prototype._getIconUrl.call(this, name);
    };
    L.Marker.prototype.options.icon = new L.Icon.Default();
  }

  function escapeHtml(value) {
    var div = document.createElement("div");
    div.textContent = value == null ? "" : String(value);
    return div.innerHTML;
  }

  var vectorGridLoading = null;
  function withVectorGrid(done) {
    if (L.vectorGrid) { done(); return; }
    if (!vectorGridLoading) {
      vectorGridLoading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = cfg.vectorGrid;
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    vectorGridLoading.then(done, function () { console.warn("basemap: vector tiles unavailable"); });
  }

  // A street map from any vector tile schema (OpenMapTiles, Protomaps, OSM-derived):
  // layers are styled by their names (VectorGrid gives a style function only the
  // properties and the zoom); labels and points of interest are not drawn.
  var GREEN = /park|landcover|landuse|green|wood|forest|grass|natural/;
  var MAJOR = /motorway|trunk|primary|major|highway|secondary/;
  function styleFor(layerName) {
    var name = String(layerName).toLowerCase();
    if (/name|label|place|poi|housenumber|mountain/.test(name)) return [];
    if (/waterway|river|stream/.test(name)) return { color: "#aad3df", weight: 1.5 };
    if (/water|ocean|sea/.test(name)) {
      return { fill: true, fillColor: "#aad3df", fillOpacity: 1, stroke: false };
    }
    if (/transport|road|street|highway/.test(name)) {
      return function (p, z) {
        var major = MAJOR.test(String(p["class"] || p.kind || p.highway || ""));
        return { color: major ? "#f4c56b" : "#ffffff", weight: major ? 3.5 : (z >= 15 ? 2.5 : 1.5), opacity: 1 };
      };
    }
    if (/building/.test(name)) {
      return { fill: true, fillColor: "#ddd3c9", fillOpacity: 1, color: "#c8b9ab", weight: 0.5 };
    }
    if (/boundar/.test(name)) return { color: "#9e9cab", weight: 1, dashArray: "4 3" };
    if (GREEN.test(name)) {
      return { fill: true, fillColor: "#d8e8c8", fillOpacity: 1, stroke: false };
    }
    if (/earth|land/.test(name)) {
      return { fill: true, fillColor: "#f2efe9", fillOpacity: 1, stroke: false };
    }
    return [];
  }
  var streetStyle = typeof Proxy === "function"
    ? new Proxy({}, { get: function (target, name) { return typeof name === "string" ? styleFor(name) : undefined; } })
    : {};

  function addBasemap(map) {
    var b = cfg.basemap;
    if (!b || !b.kind || !b.url) return null;
    var options = {
      attribution: escapeHtml(b.attribution),
      maxZoom: map.options.maxZoom || 19,
      pane: "tilePane",
      className: "petakota-basemap"
    };
    if (b.minZoom != null) options.minZoom = b.minZoom;
    if (b.maxNativeZoom != null) options.maxNativeZoom = b.maxNativeZoom;
    if (b.bounds) options.bounds = b.bounds;
    var holder = { layer: null };
    if (b.kind === "vector") {
      withVectorGrid(function () {
        holder.layer = L.vectorGrid.protobuf(b.url, L.extend(options, {
          rendererFactory: L.canvas.tile,
          vectorTileLayerStyles: streetStyle,
          interactive: false
        }));
        holder.layer.addTo(map);
        holder.layer.bringToBack();
      });
    } else {
      holder.layer = L.tileLayer(b.url, options).addTo(map);
    }
    map.petakotaBasemap = holder;
    return holder;
  }

  L.Map.addInitHook(function () {
    if (this.options.basemap !== false) addBasemap(this);
  });
  window.PetaKotaBasemap = { add: addBasemap, config: cfg.basemap || { kind: null } };
})();
