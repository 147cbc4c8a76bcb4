/* Planner's questions on the city map, answered by the serving engine's spatial API:
   counts and density per kecamatan/kelurahan as a choropleth with a ranked bar chart,
   the nearest N places to a clicked point, and everything within R metres of it.
   Every value reaches the page as text (textContent), never as HTML. */
(function () {
  "use strict";
  var map = window.petakotaMap;
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var text = config.text;
  var byId = function (id) { return document.getElementById(id); };
  var layerSelect = byId("analysis-layer"), toolSelect = byId("analysis-tool");
  var result = byId("analysis-result"), hint = byId("analysis-hint");
  if (!map || !layerSelect || !layerSelect.options.length) return;

  map.createPane("analysis");
  map.getPane("analysis").style.zIndex = 380;
  var overlay = L.layerGroup().addTo(map);
  var waitingForClick = false;
  window.petakotaAnalysis = {
    overlay: overlay,
    done: 0,
    waiting: function () { return waitingForClick; }
  };

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content != null) node.textContent = String(content);
    return node;
  }

  function api(slug, endpoint, params) {
    var info = config.layers.filter(function (l) { return l.slug === slug; })[0];
    // The spatial endpoints are siblings of the layer's features URL.
    var base = info.links.features.replace(/features$/, endpoint);
    return fetch(base + "?" + new URLSearchParams(params).toString(),
                 { headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) throw new Error(body.description || r.status);
          return body;
        });
      });
  }

  var PALETTE = ["#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"];
  // Quantile class breaks, without repeats (many areas may share a value).
  function classBreaks(values) {
    var sorted = values.slice().sort(function (a, b) { return a - b; });
    var breaks = [];
    for (var i = 1; i < PALETTE.length; i++) {
      var value = sorted[Math.floor((i * sorted.length) / PALETTE.length)] || 0;
      if (value > 0 && breaks.indexOf(value) < 0) breaks.push(value);
    }
    return breaks;
  }
  function colourFor(value, breaks) {
    var palette = paletteFor(breaks);
    for (var i = 0; i < breaks.length; i++) if (value < breaks[i]) return palette[i];
    return palette[palette.length - 1];
  }
  // As many colours as classes, spread over the whole ramp.
  function paletteFor(breaks) {
    var n = breaks.length + 1;
    if (n === 1) return [PALETTE[PALETTE.length - 1]];
    return Array.from({ length: n }, function (_, i) {
      return PALETTE[Math.round((i * (PALETTE.length - 1)) / (n - 1))];
    });
  }
  function fmt(value, digits) {
    return Number(value).toLocaleString(document.documentElement.lang || "id",
      { maximumFractionDigits: digits == null ? 1 : digits });
  }

  function showCounts(slug, level) {
    return api(slug, "counts", { level: level, f: "geojson" }).then(function (data) {
      var densities = data.features.map(function (f) { return f.properties.density_per_km2 || 0; });
      var breaks = classBreaks(densities);
      L.geoJSON(data, {
        pane: "analysis",
        style: function (f) {
          return { color: "#444", weight: 0.8, fillOpacity: 0.75,
                   fillColor: colourFor(f.properties.density_per_km2 || 0, breaks) };
        },
        onEachFeature: function (f, lyr) {
          var tip = el("div");
          tip.appendChild(el("strong", null, f.properties.name));
          tip.appendChild(el("div", null, fmt(f.properties.count, 0) + " · " +
            fmt(f.properties.density_per_km2) + " " + text.perKm2));
          lyr.bindTooltip(tip, { sticky: true });
        }
      }).addTo(overlay);

      var legend = el("div", "choropleth-legend");
      legend.appendChild(el("div", "muted", text.densityPerKm2));
      var lower = 0;
      paletteFor(breaks).forEach(function (colour, i) {
        var row = el("div", "legend-row");
        var swatch = el("span", "box"); swatch.style.background = colour;
        row.appendChild(swatch);
        var upper = breaks[i];
        row.appendChild(el("span", null, upper == null ? "≥ " + fmt(lower) : fmt(lower) + " – " + fmt(upper)));
        legend.appendChild(row);
        lower = upper;
      });
      result.appendChild(legend);

      var ranked = data.features.slice().sort(function (a, b) { return b.properties.count - a.properties.count; });
      var max = ranked.length ? ranked[0].properties.count || 1 : 1;
      var chart = el("ol", "bars");
      chart.setAttribute("aria-label", text.countPerArea);
      ranked.slice(0, 15).forEach(function (f) {
        var item = el("li");
        item.appendChild(el("span", "bar-label", f.properties.name));
        var bar = el("span", "bar");
        bar.style.width = Math.max(2, (100 * f.properties.count) / max) + "%";
        item.appendChild(bar);
        item.appendChild(el("span", "bar-value", fmt(f.properties.count, 0)));
        chart.appendChild(item);
      });
      result.appendChild(el("div", "muted", text.countPerArea));
      result.appendChild(chart);
    });
  }

  function showAround(slug, tool, latlng) {
    var params = { lon: latlng.lng.toFixed(6), lat: latlng.lat.toFixed(6) };
    if (tool === "nearest") params.n = byId("analysis-n").value || "5";
    else params.radius_m = byId("analysis-radius").value || "500";
    L.circleMarker(latlng, { pane: "analysis", radius: 7, color: "#111", weight: 2, fillColor: "#ffd400", fillOpacity: 1 }).addTo(overlay);
    if (tool === "near") {
      L.circle(latlng, { pane: "analysis", radius: Number(params.radius_m), color: "#111", weight: 1, dashArray: "4 4", fillOpacity: 0.05 }).addTo(overlay);
    }
    return api(slug, tool, params).then(function (data) {
      var list = el("ol", "places");
      data.features.forEach(function (f) {
        var name = f.properties.name || f.properties.ticket || ("#" + f.id);
        var item = el("li");
        item.appendChild(el("span", null, name));
        item.appendChild(el("span", "muted", " " + fmt(f.properties.distance_m, 0) + " m"));
        list.appendChild(item);
        L.geoJSON(f, {
          pane: "analysis",
          pointToLayer: function (_, ll) { return L.circleMarker(ll, { radius: 9, color: "#111", weight: 2, fill: false }); },
          style: function () { return { color: "#111", weight: 3, fill: false }; }
        }).addTo(overlay);
        var line = L.geoJSON(f).getBounds().getCenter();
        L.polyline([latlng, line], { pane: "analysis", color: "#111", weight: 1, opacity: 0.6 }).addTo(overlay);
      });
      result.appendChild(el("div", "muted", data.features.length ? text.found.replace("%(n)s", data.features.length) : text.noneFound));
      result.appendChild(list);
    });
  }

  function clear() {
    overlay.clearLayers();
    result.textContent = "";
    hint.hidden = true;
    waitingForClick = false;
    map.getContainer().classList.remove("picking");
  }

  function finish(promise) {
    return promise.then(function () { window.petakotaAnalysis.done += 1; })
      .catch(function (err) { result.appendChild(el("p", "error", text.analysisFailed + " " + err.message)); });
  }

  function syncFields() {
    var tool = toolSelect.value;
    byId("analysis-n-field").hidden = tool !== "nearest";
    byId("analysis-radius-field").hidden = tool !== "near";
  }
  toolSelect.addEventListener("change", syncFields);
  syncFields();

  byId("analysis-run").addEventListener("click", function () {
    clear();
    var tool = toolSelect.value, slug = layerSelect.value;
    if (tool === "kecamatan" || tool === "kelurahan") { finish(showCounts(slug, tool)); return; }
    hint.hidden = false;
    waitingForClick = true;
    map.getContainer().classList.add("picking");
  });
  byId("analysis-clear").addEventListener("click", clear);
  map.on("click", function (e) {
    if (!waitingForClick) return;
    waitingForClick = false;
    hint.hidden = true;
    map.getContainer().classList.remove("picking");
    finish(showAround(layerSelect.value, toolSelect.value, e.latlng));
  });
})();
