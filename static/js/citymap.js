/* PetaKota city map: the city's own boundaries as the offline basemap, public layers as
   toggles with a legend, popups built as DOM text (never HTML from data). */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var text = config.text;

  function esc(value) {
    var div = document.createElement("div");
    div.textContent = value == null ? "" : String(value);
    return div.innerHTML;
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content != null) node.textContent = String(content);
    return node;
  }

  var map = L.map("map", { zoomControl: true, maxZoom: 19, minZoom: 3, preferCanvas: false });
  map.attributionControl.setPrefix(
    '<a href="https://leafletjs.com" title="Leaflet">Leaflet</a>');
  map.fitBounds(config.city.bounds);
  window.petakotaMap = map;

  // The configured street basemap (archive or XYZ URL) is added by basemap.js.

  function tooltipFor(props) {
    var box = el("div", "tip");
    box.appendChild(el("strong", null, props.name));
    if (props.parent) box.appendChild(el("div", "muted", props.parent));
    return box;
  }

  var boundaryStyles = {
    kecamatan: { color: "#1f3b4d", weight: 2.2, fillColor: "#e9efe6", fillOpacity: 0.35 },
    kelurahan: { color: "#6b7f8c", weight: 0.8, dashArray: "3 3", fill: true, fillOpacity: 0 }
  };
  // Boundaries sit in their own pane below the data so they never catch a click meant
  // for a place drawn on top of them.
  map.createPane("boundaries");
  map.getPane("boundaries").style.zIndex = 350;
  var boundaryLayers = {};
  ["kecamatan", "kelurahan"].forEach(function (level) {
    var layer = L.geoJSON(null, {
      pane: "boundaries",
      style: boundaryStyles[level],
      onEachFeature: function (feature, lyr) {
        lyr.bindTooltip(tooltipFor(feature.properties), { sticky: true, direction: "top" });
        lyr.on("mouseover", function () { lyr.setStyle({ weight: boundaryStyles[level].weight + 1.5 }); });
        lyr.on("mouseout", function () { layer.resetStyle(lyr); });
      }
    });
    boundaryLayers[level] = layer;
    fetch(config.boundaries[level], { headers: { Accept: "application/geo+json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        layer.addData(data);
        layer.addTo(map);
        if (level === "kecamatan") layer.bringToBack();
      })
      .catch(function () { console.warn("boundaries failed: " + level); });
  });

  // Popups speak the layer's schema: each field's label (in the page's language when
  // the schema has one: {"name", "label", "labels": {"en": ...}}), fields marked
  // "hidden" left out, and keys that only machines read (ids, OSM bookkeeping) too.
  var lang = document.documentElement.lang || "id";
  var TECHNICAL = /^(id|fid|ogc_fid|gid|objectid|osm_.*|.*_id)$/i;
  function fieldsOf(layerInfo) {
    var fields = {};
    (layerInfo.schema || []).forEach(function (f) { fields[f.name] = f; });
    return fields;
  }
  var known = text.fields || {}, codes = text.values || {};
  var ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
  function labelFor(key, field) {
    if (field && field.labels && field.labels[lang]) return field.labels[lang];
    if (field && field.label && field.label !== key) return field.label;
    if (known[key]) return known[key];
    var words = key.replace(/[_-]+/g, " ").trim();
    return words.charAt(0).toUpperCase() + words.slice(1);
  }
  function shown(key, field, props) {
    if (key === "name") return false; // the popup's heading
    if (props[key + "_name"] != null) return false; // a code next to its name
    if (field && field.hidden !== undefined) return !field.hidden;
    return !TECHNICAL.test(key);
  }
  function valueText(key, value) {
    if (value === true) return text.yes;
    if (value === false) return text.no;
    if (codes[key] && codes[key][value]) return codes[key][value];
    // Times read in the city's zone with its label (WIB/WITA/WIT), never raw UTC.
    if (typeof value === "string" && ISO_TIME.test(value) && window.PetaKotaTime) {
      return PetaKotaTime.format(value, config.city.time);
    }
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }
  function popupFor(layerInfo, feature) {
    var box = el("div", "popup");
    var head = el("div", "popup-layer", layerInfo.title);
    if (layerInfo.description) head.title = layerInfo.description;
    box.appendChild(head);
    var props = feature.properties || {};
    var fields = fieldsOf(layerInfo);
    if (props.name) box.appendChild(el("h3", null, props.name));
    var keys = Object.keys(props).filter(function (key) {
      return props[key] !== null && props[key] !== "" && shown(key, fields[key], props);
    });
    if (!keys.length && !props.name) box.appendChild(el("p", "muted", text.noProperties));
    if (keys.length) {
      var table = el("table", "props");
      keys.forEach(function (key) {
        var row = document.createElement("tr");
        row.dataset.key = key;
        row.appendChild(el("th", null, labelFor(key, fields[key])));
        row.appendChild(el("td", null, valueText(key, props[key])));
        table.appendChild(row);
      });
      box.appendChild(table);
    }
    if (layerInfo.description) box.appendChild(el("p", "popup-desc muted", layerInfo.description));
    if (layerInfo.attribution) box.appendChild(el("div", "popup-attr", layerInfo.attribution));
    return box;
  }

  window.petakotaPopup = popupFor;
  // While the analysis panel waits for a point on the map, a click on a marker is that
  // point: no popup opens (every layer's popup opens through Layer#_openPopup, bound
  // when the layer's data arrive, after this runs) and the click goes on to the map.
  function waitingForPoint() {
    var analysis = window.petakotaAnalysis;
    return Boolean(analysis && analysis.waiting && analysis.waiting());
  }
  var openPopup = L.Layer.prototype._openPopup;
  L.Layer.prototype._openPopup = function (e) {
    if (!waitingForPoint()) return openPopup.call(this, e);
    L.DomEvent.stop(e);
    map.fire("click", { latlng: e.latlng });
  };
  function pickingClick(e) {
    if (!waitingForPoint()) return false;
    map.fire("click", { latlng: e.latlng });
    return true;
  }
  window.petakotaPickingClick = pickingClick;

  // The layer's stored style (layers/manage/style.py): a colour per category or
  // class of its renderer's attribute, else its one colour.
  function colourOf(info, props, fallback) {
    var renderer = (info.style && info.style.renderer) || {};
    var value = props ? props[renderer.attribute] : undefined;
    var classes = renderer.classes || [];
    if (renderer.type === "categorized" && value != null) {
      for (var i = 0; i < classes.length; i++) {
        if (String(classes[i].value) === String(value)) return classes[i].color;
      }
    }
    if (renderer.type === "graduated" && value != null && value !== "") {
      var number = Number(value);
      for (var j = 0; j < classes.length; j++) {
        if (number <= classes[j].max || j === classes.length - 1) return classes[j].color;
      }
    }
    return fallback;
  }
  function styleNumber(info, key, fallback) {
    var value = info.style && Number(info.style[key]);
    return value || value === 0 ? value : fallback;
  }
  window.petakotaColourOf = colourOf;

  var dataLayers = {};
  window.petakotaLayers = dataLayers;
  // Large layers come as vector tiles (dense points aggregated server-side at low
  // zoom); small ones as one GeoJSON request.
  function vectorTileLayer(info, colour) {
    var styles = {};
    // VectorGrid gives a style function only (properties, zoom): the layer's geometry
    // type says how to draw it (aggregated points carry point_count).
    var type = String(info.geometry_type || "");
    var dimension = /Point/i.test(type) ? 1 : /Line/i.test(type) ? 2 : /Polygon/i.test(type) ? 3 : 0;
    styles[info.slug] = function (props) {
      var geometryDimension = dimension || (props.point_count != null ? 1 : 3);
      if (geometryDimension === 1) {
        var count = props.point_count || 1;
        var radius = count > 1 ? Math.min(4 + Math.log(count) * 2.2, 18) : styleNumber(info, "radius", 5);
        var pointColour = count > 1 ? colour : colourOf(info, props, colour);
        return { radius: radius, color: "#fff", weight: 1, fill: true, fillColor: pointColour, fillOpacity: 0.9 };
      }
      var featureColour = colourOf(info, props, colour);
      if (geometryDimension === 2) return { color: featureColour, weight: styleNumber(info, "width", 2) };
      return { color: featureColour, weight: styleNumber(info, "width", 1.5), fill: true, fillColor: featureColour, fillOpacity: styleNumber(info, "fill_opacity", 0.25) };
    };
    var layer = L.vectorGrid.protobuf(info.links.tiles, {
      rendererFactory: L.canvas.tile,
      vectorTileLayerStyles: styles,
      interactive: true,
      maxNativeZoom: 22,
      maxZoom: 22,
      attribution: esc(info.attribution),
      getFeatureId: function (f) { return f.id; }
    });
    layer.on("click", function (e) {
      if (pickingClick(e)) return;
      var props = (e.layer && e.layer.properties) || {};
      if (props.point_count > 1) {
        map.setView(e.latlng, Math.min(map.getZoom() + 2, 19));
        return;
      }
      L.popup({ maxWidth: 320 }).setLatLng(e.latlng)
        .setContent(popupFor(info, { properties: props })).openOn(map);
    });
    layer.addTo(map);
    layer.ready = true;
    layer.loaded = Promise.resolve();
    layer.renderMode = "vector-tiles";
    return layer;
  }

  var dataLayers = {};
  window.petakotaLayers = dataLayers;
  config.layers.forEach(function (info) {
    var colour = (info.style && info.style.color) || "#555";
    if (info.render === "vector-tiles" && L.vectorGrid) {
      dataLayers[info.slug] = vectorTileLayer(info, colour);
      return;
    }
    var layer = L.geoJSON(null, {
      attribution: esc(info.attribution),
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { radius: styleNumber(info, "radius", 6), color: "#fff", weight: 1.5, fillColor: colourOf(info, feature.properties, colour), fillOpacity: 0.95 });
      },
      style: function (feature) {
        // Points get their own marker style in pointToLayer.
        if (feature && /Point$/.test(feature.geometry.type)) return {};
        var featureColour = colourOf(info, feature && feature.properties, colour);
        return { color: featureColour, weight: styleNumber(info, "width", 2), fillOpacity: styleNumber(info, "fill_opacity", 0.25) };
      },
      onEachFeature: function (feature, lyr) {
        lyr.bindPopup(function () { return popupFor(info, feature); }, { maxWidth: 320 });
      }
    });
    layer.renderMode = "geojson";
    layer.loaded = fetch(info.links.features + "?limit=10000", { headers: { Accept: "application/geo+json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { layer.addData(data); layer.addTo(map); layer.ready = true; })
      .catch(function () { console.warn(text.loadError + " " + info.slug); });
    dataLayers[info.slug] = layer;
  });

  // The legend lists a categorized or graduated layer's classes under its name.
  config.layers.forEach(function (info) {
    var classes = (info.style && info.style.renderer && info.style.renderer.classes) || [];
    var box = document.querySelector('#legend input[data-layer="' + info.slug + '"]');
    if (!classes.length || !box || !box.parentNode) return;
    var list = el("ul", "legend-classes");
    classes.forEach(function (c) {
      var item = el("li", "");
      var swatch = el("span", "swatch", "\u25a0");
      swatch.style.color = c.color;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(" " + c.label));
      list.appendChild(item);
    });
    box.parentNode.appendChild(list);
  });

  document.querySelectorAll("#legend input[data-layer]").forEach(function (box) {
    box.addEventListener("change", function () {
      var layer = dataLayers[box.dataset.layer];
      if (!layer) return;
      if (box.checked) layer.addTo(map); else map.removeLayer(layer);
    });
  });
  document.querySelectorAll("#legend input[data-boundary]").forEach(function (box) {
    box.addEventListener("change", function () {
      var layer = boundaryLayers[box.dataset.boundary];
      if (box.checked) { layer.addTo(map); if (box.dataset.boundary === "kecamatan") layer.bringToBack(); }
      else map.removeLayer(layer);
    });
  });

  var toggle = document.getElementById("panel-toggle");
  var panel = document.getElementById("panel");
  if (window.matchMedia("(max-width: 700px)").matches) {
    panel.classList.add("collapsed");
    toggle.setAttribute("aria-expanded", "false");
  }
  toggle.addEventListener("click", function () {
    var collapsed = panel.classList.toggle("collapsed");
    toggle.setAttribute("aria-expanded", collapsed ? "false" : "true");
    setTimeout(function () { map.invalidateSize(); }, 200);
  });
})();
