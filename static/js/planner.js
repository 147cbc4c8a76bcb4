/* PetaKota planner tools on the city map: search, catalogue controls (opacity,
   order, metadata), attribute filters compiled to CQL2, the attribute table, drawing
   and selecting, server-side analyses shown as result layers with legends, the whole
   map state in the URL hash, saving and a print layout. Values reach the page as
   text (textContent), never as HTML. */
(function () {
  "use strict";
  var map = window.petakotaMap;
  var root = document.getElementById("planner");
  if (!map || !root) return;
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var layersInfo = {};
  config.layers.forEach(function (l) { layersInfo[l.slug] = l; });
  var dataLayers = window.petakotaLayers || {};
  var byId = function (id) { return document.getElementById(id); };
  var T = {};
  (byId("planner-text").content || byId("planner-text")).querySelectorAll("[data-k]")
    .forEach(function (n) { T[n.dataset.k] = n.textContent.trim(); });
  var lang = document.documentElement.lang || "id";
  var state = { filters: {}, times: {}, opacity: {}, order: [], results: [], title: null };
  var planner = window.petakotaPlanner = { state: state, results: {}, done: 0, errors: 0, busy: 0 };

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content != null) node.textContent = String(content);
    return node;
  }
  function fmt(value, digits) {
    if (value == null || value === "") return "–";
    if (typeof value !== "number") return String(value);
    return value.toLocaleString(lang, { maximumFractionDigits: digits == null ? 2 : digits });
  }
  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(answer);
  }
  function postJSON(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body)
    }).then(answer);
  }
  function answer(r) {
    return r.json().catch(function () { return {}; }).then(function (body) {
      if (!r.ok) {
        var msg = body.detail || body.description || ("HTTP " + r.status);
        if (body.errors) msg = Object.keys(body.errors).map(function (k) { return k + ": " + body.errors[k]; }).join("; ") || msg;
        throw new Error(msg);
      }
      return body;
    });
  }
  function say(id, message, isError) {
    var node = byId(id);
    if (!node) return;
    node.textContent = message || "";
    node.className = isError ? "error" : "muted";
  }
  function track(promise, statusId) {
    planner.busy += 1;
    if (statusId) say(statusId, T.running);
    return promise.then(function (value) {
      planner.busy -= 1; planner.done += 1;
      return value;
    }, function (err) {
      planner.busy -= 1; planner.errors += 1;
      if (statusId) say(statusId, T.failed + " " + err.message, true);
      throw err;
    });
  }
  function options(select, items, selected) {
    select.textContent = "";
    items.forEach(function (item) {
      var option = el("option", null, item[1]);
      option.value = item[0];
      if (item[0] === selected) option.selected = true;
      select.appendChild(option);
    });
  }
  var layerItems = config.layers.map(function (l) { return [l.slug, l.title]; });
  var pointItems = config.layers.filter(function (l) { return /Point/i.test(l.geometry_type); })
    .map(function (l) { return [l.slug, l.title]; });

  /* ---------- Search ---------- */
  var marker = null;
  var searchTimer = null;
  function searchNow() {
    var q = byId("search-q").value.trim();
    var list = byId("search-results");
    if (!q) { list.textContent = ""; return Promise.resolve(); }
    return track(getJSON(root.dataset.search + "?q=" + encodeURIComponent(q))).then(function (data) {
      list.textContent = "";
      if (!data.results.length) list.appendChild(el("li", "muted", T.nothing));
      data.results.slice(0, 20).forEach(function (r) {
        var item = el("li");
        var button = el("button", "link", r.label);
        button.type = "button";
        var kind = r.kind === "feature" ? r.layer_title : r.kind === "coordinates" ? "" : r.kind + (r.code ? " " + r.code : "");
        if (kind) item.appendChild(el("small", "muted", kind + " · "));
        button.addEventListener("click", function () { goTo(r); });
        item.appendChild(button);
        list.appendChild(item);
      });
    }).catch(function () {});
  }
  function goTo(r) {
    if (marker) map.removeLayer(marker);
    if (r.bbox) {
      map.fitBounds([[r.bbox[1], r.bbox[0]], [r.bbox[3], r.bbox[2]]]);
      marker = L.rectangle([[r.bbox[1], r.bbox[0]], [r.bbox[3], r.bbox[2]]],
        { color: "#ffb000", weight: 3, fill: false, interactive: false }).addTo(map);
    } else {
      map.setView([r.lat, r.lon], Math.max(map.getZoom(), 17));
      marker = L.circleMarker([r.lat, r.lon], { radius: 10, color: "#ffb000", weight: 3, fill: false, interactive: false }).addTo(map);
    }
    planner.lastSearch = r;
  }
  byId("search-form").addEventListener("submit", function (e) { e.preventDefault(); searchNow(); });
  byId("search-q").addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(searchNow, 300);
  });

  /* ---------- Catalogue: metadata, opacity, order ---------- */
  function setOpacity(slug, value) {
    var layer = dataLayers[slug];
    state.opacity[slug] = value;
    if (!layer) return;
    if (layer.setOpacity) layer.setOpacity(value);
    else if (layer.setStyle) layer.setStyle({ opacity: value, fillOpacity: value * 0.9 });
  }
  function applyOrder() {
    state.order.forEach(function (slug) {
      var layer = dataLayers[slug];
      if (layer && map.hasLayer(layer) && layer.bringToFront) layer.bringToFront();
    });
  }
  function legendItem(slug) {
    var box = document.querySelector('#legend input[data-layer="' + slug + '"]');
    return box ? box.closest("li") : null;
  }
  function move(slug, delta) {
    var item = legendItem(slug);
    if (!item) return;
    var sibling = delta < 0 ? item.previousElementSibling : item.nextElementSibling;
    if (!sibling || !sibling.querySelector("input[data-layer]")) return;
    if (delta < 0) item.parentNode.insertBefore(item, sibling);
    else item.parentNode.insertBefore(sibling, item);
    // The legend lists top-most first; draw bottom-up.
    state.order = Array.prototype.map.call(
      document.querySelectorAll("#legend input[data-layer]"), function (b) { return b.dataset.layer; }).reverse();
    applyOrder();
    writeHash();
  }
  config.layers.forEach(function (info) {
    var item = legendItem(info.slug);
    if (!item) return;
    var meta = [];
    if (info.agency) meta.push(T.agency + ": " + info.agency);
    if (info.license) meta.push(T.licence + ": " + info.license);
    if (info.updated) meta.push(T.updated + ": " + info.updated.slice(0, 10));
    if (meta.length) item.appendChild(el("p", "layer-meta", meta.join(" · ")));
    var controls = el("div", "layer-controls");
    var range = el("input");
    range.type = "range"; range.min = "0.1"; range.max = "1"; range.step = "0.1"; range.value = "1";
    range.setAttribute("aria-label", T.opacity + " " + info.title);
    range.dataset.opacity = info.slug;
    range.addEventListener("input", function () { setOpacity(info.slug, Number(range.value)); writeHash(); });
    controls.appendChild(range);
    [["↑", -1, T.up], ["↓", 1, T.down]].forEach(function (spec) {
      var b = el("button", "icon", spec[0]);
      b.type = "button"; b.title = spec[2]; b.setAttribute("aria-label", spec[2] + " " + info.title);
      b.addEventListener("click", function () { move(info.slug, spec[1]); });
      controls.appendChild(b);
    });
    var count = el("span", "filter-count muted");
    count.dataset.filterCount = info.slug;
    controls.appendChild(count);
    item.appendChild(controls);
  });
  document.querySelectorAll("#legend input[data-layer], #legend input[data-boundary]").forEach(function (box) {
    box.addEventListener("change", function () { setTimeout(writeHash, 0); });
  });

  /* ---------- Filters (CQL2 text, compiled on the server) ---------- */
  var OPS = [["=", "="], ["<>", "≠"], ["<", "<"], [">", ">"], ["<=", "≤"], [">=", "≥"], ["LIKE", "~"]];
  function fieldsOf(slug) {
    var info = layersInfo[slug] || {};
    return (info.schema || []).map(function (f) {
      var label = (f.labels && f.labels[lang]) || f.label || f.name;
      return [f.name, label, f.type || "text"];
    });
  }
  function addFilterRow(attr, op, value) {
    var slug = byId("filter-layer").value;
    var row = el("div", "filter-row");
    var a = el("select"); a.className = "filter-attr";
    a.setAttribute("aria-label", T.attribute);
    options(a, fieldsOf(slug).map(function (f) { return [f[0], f[1]]; }), attr);
    var o = el("select"); o.className = "filter-op";
    options(o, OPS, op || "=");
    var v = el("input"); v.className = "filter-value"; v.value = value || "";
    v.setAttribute("aria-label", T.value);
    var x = el("button", "icon", "×"); x.type = "button"; x.title = T.remove;
    x.addEventListener("click", function () { row.remove(); });
    [a, o, v, x].forEach(function (n) { row.appendChild(n); });
    byId("filter-rows").appendChild(row);
  }
  function quote(s) { return "'" + String(s).replace(/'/g, "''") + "'"; }
  function compileRows(slug) {
    var types = {};
    fieldsOf(slug).forEach(function (f) { types[f[0]] = f[2]; });
    var parts = [];
    byId("filter-rows").querySelectorAll(".filter-row").forEach(function (row) {
      var attr = row.querySelector(".filter-attr").value;
      var op = row.querySelector(".filter-op").value;
      var raw = row.querySelector(".filter-value").value;
      if (!attr || raw === "") return;
      var numeric = types[attr] === "integer" || types[attr] === "number";
      var value = op === "LIKE" ? quote("%" + raw + "%") : numeric && !isNaN(Number(raw)) ? String(Number(raw)) : quote(raw);
      parts.push('"' + attr.replace(/"/g, '""') + '" ' + op + " " + value);
    });
    return parts.join(" AND ");
  }
  // A layer's own query: its CQL2 filter and its time window.
  function layerParams(slug) {
    var out = "";
    if (state.filters[slug]) out += "&filter=" + encodeURIComponent(state.filters[slug]) + "&filter-lang=cql2-text";
    if (state.times[slug]) out += "&datetime=" + encodeURIComponent(state.times[slug]);
    return out;
  }
  function featureUrl(info) {
    return info.links.features + "?limit=10000" + layerParams(info.slug);
  }
  // A filtered layer is drawn from GeoJSON (its tiles know no filter).
  function applyFilter(slug, cql) {
    var info = layersInfo[slug];
    var old = dataLayers[slug];
    if (!info) return Promise.resolve();
    if (cql) state.filters[slug] = cql; else delete state.filters[slug];
    var box = document.querySelector('#legend input[data-layer="' + slug + '"]');
    var visible = !box || box.checked;
    var layer = old;
    if (!old || old.renderMode !== "geojson") {
      if (old) map.removeLayer(old);
      layer = geojsonLayer(info);
      dataLayers[slug] = layer;
    }
    var counter = document.querySelector('[data-filter-count="' + slug + '"]');
    var countUrl = root.dataset.table.replace("KEY", encodeURIComponent(slug)) + "?limit=1" + layerParams(slug);
    var narrowed = cql || state.times[slug];
    var counted = getJSON(countUrl).then(function (page) {
      if (counter) counter.textContent = narrowed ? fmt(page.total, 0) + " / " + fmt(info.feature_count, 0) : "";
      return page.total;
    });
    var loaded = fetch(featureUrl(info), { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
      .then(answer).then(function (data) {
        layer.clearLayers();
        layer.addData(data);
        if (visible && !map.hasLayer(layer)) layer.addTo(map);
        if (state.opacity[slug] != null) setOpacity(slug, state.opacity[slug]);
        return data.features.length;
      });
    return Promise.all([loaded, counted]).then(function (v) { writeHash(); return v[1]; });
  }
  function geojsonLayer(info) {
    var colour = (info.style && info.style.color) || "#555";
    // The layer's own renderer (categories, classes) when the map provides it.
    function colourOf(feature) {
      return window.petakotaColourOf ? window.petakotaColourOf(info, feature.properties, colour) : colour;
    }
    var layer = L.geoJSON(null, {
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { radius: 6, color: "#fff", weight: 1.5, fillColor: colourOf(feature), fillOpacity: 0.95 });
      },
      style: function (feature) {
        if (feature && /Point$/.test(feature.geometry.type)) return {};
        return { color: colourOf(feature), weight: 2, fillOpacity: 0.25 };
      },
      onEachFeature: function (feature, lyr) {
        if (window.petakotaPopup) lyr.bindPopup(function () { return window.petakotaPopup(info, feature); }, { maxWidth: 320 });
      }
    });
    layer.renderMode = "geojson";
    return layer;
  }
  options(byId("filter-layer"), layerItems);
  byId("filter-layer").addEventListener("change", function () {
    byId("filter-rows").textContent = "";
    addFilterRow();
  });
  addFilterRow();
  byId("filter-add").addEventListener("click", function () { addFilterRow(); });
  byId("filter-apply").addEventListener("click", function () {
    var slug = byId("filter-layer").value;
    var cql = compileRows(slug);
    track(applyFilter(slug, cql), "filter-status").then(function (n) {
      say("filter-status", fmt(n, 0) + " " + T.features + (cql ? " · " + cql : ""));
    }).catch(function () {});
  });
  byId("filter-clear").addEventListener("click", function () {
    var slug = byId("filter-layer").value;
    byId("filter-rows").textContent = "";
    addFilterRow();
    track(applyFilter(slug, ""), "filter-status").then(function () { say("filter-status", ""); }).catch(function () {});
  });

  /* ---------- Time window ---------- */
  options(byId("time-layer"), layerItems);
  var days = byId("time-days"), daysOut = byId("time-days-out"), from = byId("time-from");
  var today = new Date();
  from.value = new Date(today.getTime() - 30 * 864e5).toISOString().slice(0, 10);
  function timeWindow() {
    var start = new Date(from.value + "T00:00:00Z");
    if (isNaN(start.getTime())) return "";
    var end = new Date(start.getTime() + Number(days.value) * 864e5);
    return start.toISOString().slice(0, 10) + "/" + end.toISOString().slice(0, 10);
  }
  function applyTime(slug, interval) {
    if (interval) state.times[slug] = interval; else delete state.times[slug];
    return track(applyFilter(slug, state.filters[slug] || ""), "time-status").then(function (n) {
      say("time-status", interval ? fmt(n, 0) + " " + T.features + " · " + interval : "");
    });
  }
  days.addEventListener("input", function () { daysOut.textContent = days.value; });
  // The slider moves the window: the map follows when it is let go.
  days.addEventListener("change", function () {
    if (state.times[byId("time-layer").value]) applyTime(byId("time-layer").value, timeWindow()).catch(function () {});
  });
  byId("time-apply").addEventListener("click", function () {
    applyTime(byId("time-layer").value, timeWindow()).catch(function () {});
  });
  byId("time-clear").addEventListener("click", function () {
    applyTime(byId("time-layer").value, "").catch(function () {});
  });

  /* ---------- Attribute table ---------- */
  var table = { key: null, sort: null, order: "asc", offset: 0, limit: 50, title: "" };
  var drawer = el("section", "table-drawer");
  drawer.id = "table-drawer"; drawer.hidden = true;
  drawer.setAttribute("aria-label", T.table);
  map.getContainer().parentNode.appendChild(drawer);
  function tableFilter(key) {
    if (key.indexOf("analysis-") === 0) return "";
    return state.filters[key] || "";
  }
  function tableParams(key) {
    return key.indexOf("analysis-") === 0 ? "" : layerParams(key);
  }
  function exportLinks(key) {
    var cql = tableFilter(key);
    var box = el("span", "exports");
    box.appendChild(el("span", "muted", T.export + ": "));
    var result = planner.results[key];
    ["csv", "gpkg", "geojson", "shp"].forEach(function (fmtKey) {
      var href = result ? result.doc.links.export + "?format=" + fmtKey
        : root.dataset.layerExport.replace("KEY", encodeURIComponent(key)) + "?format=" + fmtKey;
      href += tableParams(key).replace("&filter-lang=cql2-text", "");
      var a = el("a", null, fmtKey.toUpperCase());
      a.href = href; a.setAttribute("download", ""); a.dataset.export = fmtKey;
      box.appendChild(a);
      box.appendChild(document.createTextNode(" "));
    });
    return box;
  }
  function openTable(key, title) {
    table.key = key; table.title = title || key; table.offset = 0; table.sort = null; table.order = "asc";
    return loadTable();
  }
  function loadTable() {
    var key = table.key;
    var url = root.dataset.table.replace("KEY", encodeURIComponent(key)) + "?limit=" + table.limit +
      "&offset=" + table.offset + "&order=" + table.order;
    if (table.sort) url += "&sort=" + encodeURIComponent(table.sort);
    var cql = tableFilter(key);
    url += tableParams(key);
    return track(getJSON(url)).then(function (page) {
      drawer.textContent = "";
      drawer.hidden = false;
      var head = el("div", "table-head");
      head.appendChild(el("strong", null, table.title));
      head.appendChild(el("span", "muted", " " + fmt(page.total, 0) + " " + T.features + (cql ? " · " + cql : "")));
      head.appendChild(exportLinks(key));
      var close = el("button", "icon", "×"); close.type = "button"; close.title = T.close; close.id = "table-close";
      close.addEventListener("click", function () { drawer.hidden = true; table.key = null; writeHash(); });
      head.appendChild(close);
      drawer.appendChild(head);
      var fields = (page.fields || []).filter(function (f) { return !f.hidden; });
      var scroll = el("div", "table-scroll");
      var t = el("table", "attr-table");
      var tr = el("tr");
      fields.forEach(function (f) {
        var th = el("th");
        var b = el("button", "sort", ((f.labels && f.labels[lang]) || f.label || f.name) +
          (table.sort === f.name ? (table.order === "asc" ? " ▲" : " ▼") : ""));
        b.type = "button"; b.dataset.sort = f.name;
        b.addEventListener("click", function () {
          table.order = table.sort === f.name && table.order === "asc" ? "desc" : "asc";
          table.sort = f.name; table.offset = 0; loadTable();
        });
        th.appendChild(b);
        tr.appendChild(th);
      });
      var thead = el("thead"); thead.appendChild(tr); t.appendChild(thead);
      var tbody = el("tbody");
      page.rows.forEach(function (row) {
        var r = el("tr"); r.tabIndex = 0; r.dataset.id = row.id;
        fields.forEach(function (f) {
          var v = row.properties[f.name];
          r.appendChild(el("td", null, typeof v === "object" && v !== null ? JSON.stringify(v) : fmt(v)));
        });
        function zoom() {
          var b = row.bbox;
          if (b[0] === b[2] && b[1] === b[3]) map.setView([b[1], b[0]], Math.max(map.getZoom(), 17));
          else map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
          planner.zoomedTo = row.id;
        }
        r.addEventListener("click", zoom);
        r.addEventListener("keydown", function (e) { if (e.key === "Enter") zoom(); });
        tbody.appendChild(r);
      });
      t.appendChild(tbody);
      scroll.appendChild(t);
      drawer.appendChild(scroll);
      var pager = el("div", "pager");
      var prev = el("button", "secondary", T.prev); prev.type = "button"; prev.disabled = table.offset === 0;
      prev.addEventListener("click", function () { table.offset = Math.max(0, table.offset - table.limit); loadTable(); });
      var next = el("button", "secondary", T.next); next.type = "button";
      next.disabled = table.offset + table.limit >= page.total;
      next.addEventListener("click", function () { table.offset += table.limit; loadTable(); });
      pager.appendChild(prev);
      pager.appendChild(el("span", "muted", " " + (page.total ? table.offset + 1 : 0) + "–" +
        Math.min(table.offset + table.limit, page.total) + " / " + fmt(page.total, 0) + " "));
      pager.appendChild(next);
      drawer.appendChild(pager);
      writeHash();
      return page;
    });
  }
  options(byId("table-layer"), layerItems);
  byId("table-open").addEventListener("click", function () {
    var slug = byId("table-layer").value;
    openTable(slug, (layersInfo[slug] || {}).title).catch(function () {});
  });

  /* ---------- Drawing and selecting ---------- */
  var drawn = new L.FeatureGroup().addTo(map);
  var drawnShape = null;
  if (L.Control && L.Control.Draw) {
    map.addControl(new L.Control.Draw({
      position: "topright",
      draw: {
        polygon: { allowIntersection: true, showArea: false },
        polyline: {}, circle: { showRadius: true }, marker: false, circlemarker: {},
        rectangle: { showArea: false }
      },
      edit: { featureGroup: drawn, remove: true }
    }));
    map.on(L.Draw.Event.CREATED, function (e) {
      drawn.clearLayers();
      drawn.addLayer(e.layer);
      drawnShape = e.layer;
      planner.drawn = drawnShape.toGeoJSON().geometry;
    });
    map.on(L.Draw.Event.DELETED, function () { drawnShape = null; planner.drawn = null; });
    map.on(L.Draw.Event.DRAWSTART, function () { planner.drawing = true; });
    map.on(L.Draw.Event.DRAWSTOP, function () { planner.drawing = false; });
  }
  var selectLayers = byId("select-layers");
  config.layers.forEach(function (l) {
    var label = el("label", "check");
    var box = el("input"); box.type = "checkbox"; box.value = l.slug; box.dataset.selectLayer = l.slug;
    label.appendChild(box); label.appendChild(document.createTextNode(" " + l.title));
    selectLayers.appendChild(label);
  });
  function syncSelectFields() {
    var mode = byId("select-mode").value;
    byId("select-d-field").hidden = mode !== "within";
    byId("select-n-field").hidden = mode !== "nearest";
  }
  byId("select-mode").addEventListener("change", syncSelectFields);
  syncSelectFields();
  byId("select-run").addEventListener("click", function () {
    if (!drawnShape) { say("select-status", T.drawFirst, true); return; }
    var keys = Array.prototype.filter.call(selectLayers.querySelectorAll("input"), function (b) { return b.checked; })
      .map(function (b) { return b.value; });
    if (!keys.length) { say("select-status", T.pickLayer, true); return; }
    var body = { kind: "select", mode: byId("select-mode").value, layers: keys, filters: {} };
    body.times = {};
    keys.forEach(function (k) {
      if (state.filters[k]) body.filters[k] = state.filters[k];
      if (state.times[k]) body.times[k] = state.times[k];
    });
    body.geometry = drawnShape.toGeoJSON().geometry;
    if (drawnShape instanceof L.Circle) {
      // A circle is its centre and radius: everything within the radius.
      body.mode = body.mode === "nearest" ? "nearest" : "within";
      body.distance_m = Math.round(drawnShape.getRadius());
    }
    if (body.mode === "within" && !body.distance_m) body.distance_m = Number(byId("select-d").value);
    if (body.mode === "nearest") body.n = Number(byId("select-n").value);
    runAnalysis(body, "select-status").then(function (doc) {
      var counts = doc.summary.counts || {};
      var parts = Object.keys(counts).map(function (k) { return ((layersInfo[k] || {}).title || k) + ": " + counts[k]; });
      say("select-status", (parts.join(" · ") || T.nothing) + (doc.summary.repaired ? " — " + T.repaired : ""));
    }).catch(function () {});
  });

  /* ---------- Analyses as result layers ---------- */
  options(byId("an-layer"), layerItems);
  options(byId("an-count"), layerItems);
  var baseSelect = byId("an-base");
  layerItems.forEach(function (item) {
    var o = el("option", null, item[1]); o.value = item[0]; baseSelect.appendChild(o);
  });
  function syncAnalysisFields() {
    var kind = byId("an-kind").value;
    root.querySelectorAll("#analyse-tool [data-for]").forEach(function (field) {
      field.hidden = field.dataset.for.split(" ").indexOf(kind) < 0;
    });
    var layerSelect = byId("an-layer");
    var wanted = kind === "hexbins" || kind === "hotspots" ? pointItems : layerItems;
    var current = layerSelect.value;
    options(layerSelect, wanted, current);
  }
  byId("an-kind").addEventListener("change", syncAnalysisFields);
  syncAnalysisFields();
  byId("an-run").addEventListener("click", function () {
    var kind = byId("an-kind").value;
    var body = { kind: kind };
    var layer = byId("an-layer").value;
    if (kind === "overlay") {
      body.count = byId("an-count").value; body.base = baseSelect.value;
      if (state.filters[body.count]) body.count_filter = state.filters[body.count];
      if (state.times[body.count]) body.count_datetime = state.times[body.count];
      if (layersInfo[body.base]) {
        body.distance_m = Number(byId("an-distance").value);
        if (state.filters[body.base]) body.base_filter = state.filters[body.base];
        if (state.times[body.base]) body.base_datetime = state.times[body.base];
      }
    } else {
      body.layer = layer;
      if (state.filters[layer]) body.filter = state.filters[layer];
      if (state.times[layer]) body.datetime = state.times[layer];
    }
    if (kind === "density") body.level = byId("an-level").value;
    if (kind === "hexbins" || kind === "hotspots" || kind === "coverage") body.size_m = Number(byId("an-size").value);
    if (kind === "coverage") { body.distance_m = Number(byId("an-distance").value); body.unit = byId("an-unit").value; }
    runAnalysis(body, "an-status").then(function (doc) { say("an-status", doc.title); }).catch(function () {});
  });

  var RAMP = ["#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"];
  var HOT = { "hot-99": "#b2182b", "hot-95": "#ef8a62", "hot-90": "#fddbc7", "none": "#f7f7f7",
    "cold-90": "#d1e5f0", "cold-95": "#67a9cf", "cold-99": "#2166ac" };
  function breaks(values) {
    var sorted = values.filter(function (v) { return v > 0; }).sort(function (a, b) { return a - b; });
    var out = [];
    for (var i = 1; i < RAMP.length; i++) {
      var v = sorted[Math.floor((i * sorted.length) / RAMP.length)];
      if (v != null && out.indexOf(v) < 0) out.push(v);
    }
    return out;
  }
  function rampColour(value, cuts) {
    if (!value) return RAMP[0];
    for (var i = 0; i < cuts.length; i++) if (value < cuts[i]) return RAMP[Math.min(i + 1, RAMP.length - 1)];
    return RAMP[RAMP.length - 1];
  }
  function metricOf(doc) {
    return { density: "density_per_km2", hexbins: "count", hotspots: "z", overlay: "count" }[doc.kind] || null;
  }
  map.createPane("results");
  map.getPane("results").style.zIndex = 390; // under the point layers (overlayPane 400)
  map.createPane("selection");
  map.getPane("selection").style.zIndex = 640;

  function styleFor(doc, features) {
    var metric = metricOf(doc);
    var legend = [];
    if (doc.kind === "hotspots") {
      var names = { hot: T.hot, cold: T.cold };
      Object.keys(HOT).forEach(function (k) {
        var label = k === "none" ? T.notSig : names[k.split("-")[0]] + " " + k.split("-")[1] + " %";
        legend.push([HOT[k], label]);
      });
      return { legend: legend, style: function (f) {
        return { pane: "results", color: "#777", weight: 0.5, fillOpacity: 0.7, fillColor: HOT[f.properties["class"]] || HOT.none };
      } };
    }
    if (doc.kind === "coverage") {
      legend.push(["#c51b7d", doc.title]);
      return { legend: legend, style: function () { return { pane: "results", color: "#8e0152", weight: 0.6, fillColor: "#c51b7d", fillOpacity: 0.45 }; } };
    }
    if (doc.kind === "select") {
      legend.push(["#ffd400", doc.title]);
      return { legend: legend, style: function () { return { pane: "selection", color: "#111", weight: 3, fillColor: "#ffd400", fillOpacity: 0.6 }; } };
    }
    var values = features.map(function (f) { return Number(f.properties[metric]) || 0; });
    var cuts = breaks(values);
    var lower = 0;
    [0].concat(cuts).forEach(function (cut, i) {
      var upper = cuts[i];
      legend.push([rampColour(i === 0 ? 0 : cut, cuts), upper == null ? "≥ " + fmt(lower) : fmt(lower) + " – " + fmt(upper)]);
      lower = upper;
    });
    return { legend: legend, metric: metric, style: function (f) {
      return { pane: "results", color: "#555", weight: 0.6, fillOpacity: 0.7, fillColor: rampColour(Number(f.properties[metric]) || 0, cuts) };
    } };
  }
  function runAnalysis(body, statusId) {
    return track(postJSON(root.dataset.analyses, body), statusId).then(function (doc) {
      return addResult(doc).then(function () { return doc; });
    });
  }
  function addResult(doc) {
    if (planner.results[doc.key]) return Promise.resolve(doc);
    return track(fetch(doc.links.features + "?limit=10000", { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
      .then(answer)).then(function (data) {
      var look = styleFor(doc, data.features);
      var fields = doc.fields || [];
      var layer = L.geoJSON(data, {
        style: look.style,
        pointToLayer: function (f, latlng) {
          var s = look.style(f);
          var r = doc.kind === "overlay" ? Math.min(6 + Math.sqrt(f.properties.count || 0) * 2, 26) : 9;
          return L.circleMarker(latlng, { pane: doc.kind === "select" ? "selection" : "results", radius: r,
            color: "#111", weight: 2, fillColor: s.fillColor, fillOpacity: 0.85 });
        },
        onEachFeature: function (f, lyr) {
          lyr.bindPopup(function () {
            var info = { title: doc.title, schema: fields };
            if (window.petakotaPopup) return window.petakotaPopup(info, f);
            return el("pre", null, JSON.stringify(f.properties, null, 1));
          }, { maxWidth: 320 });
        }
      }).addTo(map);
      var entry = { doc: doc, layer: layer, count: data.features.length };
      planner.results[doc.key] = entry;
      state.results.push(doc.id);
      renderResult(entry, look.legend);
      writeHash();
      return doc;
    });
  }
  function summaryText(doc) {
    var s = doc.summary || {};
    var parts = [];
    if (s.features != null) parts.push(fmt(s.features, 0) + " " + T.features);
    if (s.total != null && doc.kind !== "select") parts.push(T.total + " " + fmt(s.total, 0));
    if (s.uncovered_area_share != null) parts.push(T.uncoveredArea + ": " + fmt(s.uncovered_area_share * 100, 1) + " %");
    if (s.population_uncovered != null) parts.push(T.uncoveredPeople + ": " + fmt(s.population_uncovered, 0));
    if (s.counts) Object.keys(s.counts).forEach(function (k) { parts.push(((layersInfo[k] || {}).title || k) + ": " + s.counts[k]); });
    return parts.join(" · ");
  }
  function renderResult(entry, legend) {
    var doc = entry.doc;
    byId("results-title").hidden = false;
    var item = el("li", "result");
    item.dataset.result = doc.key;
    item.appendChild(el("strong", null, doc.title));
    item.appendChild(el("div", "muted result-summary", summaryText(doc)));
    var box = el("div", "choropleth-legend");
    legend.forEach(function (row) {
      var line = el("div", "legend-row");
      var sw = el("span", "box"); sw.style.background = row[0];
      line.appendChild(sw); line.appendChild(el("span", null, row[1]));
      box.appendChild(line);
    });
    item.appendChild(box);
    entry.legend = legend;
    var buttons = el("div", "buttons");
    var t = el("button", "secondary", T.table); t.type = "button"; t.dataset.resultTable = doc.key;
    t.addEventListener("click", function () { openTable(doc.key, doc.title).catch(function () {}); });
    var rm = el("button", "secondary", T.remove); rm.type = "button";
    rm.addEventListener("click", function () {
      map.removeLayer(entry.layer); item.remove(); delete planner.results[doc.key];
      state.results = state.results.filter(function (id) { return id !== doc.id; });
      writeHash();
    });
    buttons.appendChild(t); buttons.appendChild(rm);
    item.appendChild(buttons);
    item.appendChild(exportLinks(doc.key));
    byId("result-list").appendChild(item);
  }

  /* ---------- The map state in the URL ---------- */
  var restoring = true;
  function writeHash() {
    if (restoring) return;
    var p = new URLSearchParams();
    var c = map.getCenter();
    p.set("v", c.lat.toFixed(5) + "," + c.lng.toFixed(5) + "," + map.getZoom());
    var on = [], off = [];
    document.querySelectorAll("#legend input[data-layer]").forEach(function (b) { (b.checked ? on : off).push(b.dataset.layer); });
    if (off.length) p.set("on", on.join(","));
    var boundaries = [];
    document.querySelectorAll("#legend input[data-boundary]").forEach(function (b) { if (b.checked) boundaries.push(b.dataset.boundary); });
    if (boundaries.length < 2) p.set("b", boundaries.join(","));
    var ops = Object.keys(state.opacity).filter(function (k) { return state.opacity[k] < 1; })
      .map(function (k) { return k + ":" + state.opacity[k]; });
    if (ops.length) p.set("op", ops.join(","));
    if (state.order.length) p.set("order", state.order.join(","));
    Object.keys(state.filters).forEach(function (k) { p.set("f." + k, state.filters[k]); });
    Object.keys(state.times).forEach(function (k) { p.set("t." + k, state.times[k]); });
    if (state.results.length) p.set("analysis", state.results.join(","));
    if (table.key && !drawer.hidden) p.set("table", table.key);
    var title = byId("map-title").value.trim();
    if (title && title !== config.city.name) p.set("title", title);
    if (document.body.classList.contains("print-layout")) p.set("print", "1");
    history.replaceState(null, "", "#" + p.toString());
    planner.hash = location.hash;
    // The one-file map carries the layers shown, the analyses and the title.
    var share = byId("share-html");
    if (share) {
      var q = new URLSearchParams();
      if (off.length) q.set("layers", on.join(","));
      if (state.results.length) q.set("analysis", state.results.join(","));
      if (title && title !== config.city.name) q.set("title", title);
      share.href = share.href.split("?")[0] + (q.toString() ? "?" + q.toString() : "");
    }
  }
  planner.writeHash = writeHash;
  map.on("moveend", writeHash);
  byId("map-title").addEventListener("input", function () { updatePrintHeader(); writeHash(); });

  function restore() {
    var p = new URLSearchParams(location.hash.replace(/^#/, ""));
    var jobs = [];
    var v = (p.get("v") || "").split(",").map(Number);
    if (v.length === 3 && v.every(function (n) { return !isNaN(n); })) map.setView([v[0], v[1]], v[2]);
    if (p.has("on")) {
      var on = p.get("on").split(",");
      document.querySelectorAll("#legend input[data-layer]").forEach(function (b) {
        var want = on.indexOf(b.dataset.layer) >= 0;
        if (b.checked !== want) { b.checked = want; b.dispatchEvent(new Event("change")); }
      });
    }
    if (p.has("b")) {
      var bs = p.get("b").split(",");
      document.querySelectorAll("#legend input[data-boundary]").forEach(function (b) {
        var want = bs.indexOf(b.dataset.boundary) >= 0;
        if (b.checked !== want) { b.checked = want; b.dispatchEvent(new Event("change")); }
      });
    }
    if (p.get("title")) byId("map-title").value = p.get("title");
    p.forEach(function (value, key) {
      if (key.indexOf("t.") === 0 && layersInfo[key.slice(2)]) state.times[key.slice(2)] = value;
    });
    var filtered = {};
    p.forEach(function (value, key) {
      if (key.indexOf("f.") === 0 && layersInfo[key.slice(2)]) filtered[key.slice(2)] = value;
    });
    Object.keys(state.times).forEach(function (k) { if (!(k in filtered)) filtered[k] = state.filters[k] || ""; });
    Object.keys(filtered).forEach(function (k) { jobs.push(applyFilter(k, filtered[k])); });
    if (p.get("op")) p.get("op").split(",").forEach(function (pair) {
      var kv = pair.split(":");
      var slug = kv[0], value = Number(kv[1]);
      if (layersInfo[slug] && value > 0 && value <= 1) {
        var range = document.querySelector('[data-opacity="' + slug + '"]');
        if (range) range.value = String(value);
        var layer = dataLayers[slug];
        var apply = function () { setOpacity(slug, value); };
        if (layer && layer.loaded) jobs.push(layer.loaded.then(apply)); else apply();
      }
    });
    if (p.get("order")) {
      state.order = p.get("order").split(",").filter(function (s) { return layersInfo[s]; });
      var list = document.querySelector("#legend");
      state.order.slice().forEach(function (slug) {
        var item = legendItem(slug);
        // Bottom-up order: each one goes above the previous ones in the legend.
        var first = list && list.querySelector("li input[data-layer]");
        if (item && first && item !== first.closest("li")) first.closest("li").parentNode.insertBefore(item, first.closest("li"));
      });
      Promise.all(Object.keys(dataLayers).map(function (k) { return dataLayers[k].loaded; })).then(applyOrder);
    }
    var ids = (p.get("analysis") || "").split(",").filter(function (s) { return /^\d+$/.test(s); });
    var chain = Promise.resolve();
    ids.forEach(function (id) {
      chain = chain.then(function () {
        return getJSON(root.dataset.analyses + "/" + id).then(addResult).catch(function (err) {
          say("an-status", T.failed + " " + err.message, true);
        });
      });
    });
    jobs.push(chain);
    return Promise.all(jobs).then(function () {
      if (p.get("table")) {
        var key = p.get("table");
        var title = planner.results[key] ? planner.results[key].doc.title : (layersInfo[key] || {}).title;
        return openTable(key, title);
      }
    }).then(function () {
      if (p.get("print")) enterPrint();
    });
  }

  /* ---------- Share, save ---------- */
  byId("copy-link").addEventListener("click", function () {
    writeHash();
    var url = location.href;
    planner.copied = url;
    var done = function () { say("share-status", T.copied); };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(url).then(done, done);
    else done();
  });
  var saveButton = byId("save-map");
  if (saveButton) saveButton.addEventListener("click", function () {
    writeHash();
    var title = byId("map-title").value.trim() || config.city.name;
    track(postJSON(root.dataset.maps, { title: title, state: location.hash }), "share-status").then(function (saved) {
      say("share-status", T.saved + " #" + saved.id);
      planner.saved = saved;
    }).catch(function () {});
  });

  /* ---------- Print layout ---------- */
  var printHeader = el("header", "print-header");
  var printTitle = el("h1", "print-title");
  var printDate = el("div", "print-date muted");
  printHeader.appendChild(printTitle); printHeader.appendChild(printDate);
  var printTools = el("div", "print-tools");
  var printNow = el("button", null, T.print); printNow.type = "button"; printNow.id = "print-now";
  var printExit = el("button", "secondary", T.exitPrint); printExit.type = "button"; printExit.id = "print-exit";
  var printPng = el("button", "secondary", T.png); printPng.type = "button"; printPng.id = "print-png";
  printTools.appendChild(printNow); printTools.appendChild(printPng); printTools.appendChild(printExit);
  printHeader.appendChild(printTools);
  var printLegend = el("aside", "print-legend");
  var north = el("div", "north-arrow", "N");
  north.setAttribute("aria-hidden", "true");
  var mapBox = map.getContainer();
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
  function updatePrintHeader() {
    printTitle.textContent = byId("map-title").value.trim() || config.city.name;
    printDate.textContent = T.printDate + ": " + new Date().toLocaleDateString(lang, { year: "numeric", month: "long", day: "numeric" });
  }
  function buildPrintLegend() {
    printLegend.textContent = "";
    printLegend.appendChild(el("h2", null, T.legend));
    document.querySelectorAll("#legend input[data-layer]").forEach(function (b) {
      if (!b.checked) return;
      var info = layersInfo[b.dataset.layer];
      var row = el("div", "legend-row");
      var sw = el("span", "box"); sw.style.background = (info.style && info.style.color) || "#555";
      row.appendChild(sw);
      row.appendChild(el("span", null, info.title + (state.filters[info.slug] ? " (" + state.filters[info.slug] + ")" : "")));
      printLegend.appendChild(row);
    });
    Object.keys(planner.results).forEach(function (key) {
      var entry = planner.results[key];
      printLegend.appendChild(el("h3", null, entry.doc.title));
      (entry.legend || []).forEach(function (item) {
        var row = el("div", "legend-row");
        var sw = el("span", "box"); sw.style.background = item[0];
        row.appendChild(sw); row.appendChild(el("span", null, item[1]));
        printLegend.appendChild(row);
      });
    });
    var attributions = {};
    config.layers.forEach(function (l) { if (l.attribution) attributions[l.attribution] = true; });
    printLegend.appendChild(el("p", "print-attribution muted", Object.keys(attributions).join(" · ")));
  }
  function enterPrint() {
    updatePrintHeader();
    buildPrintLegend();
    document.body.classList.add("print-layout");
    var wrap = mapBox.parentNode;
    wrap.insertBefore(printHeader, wrap.firstChild);
    mapBox.appendChild(north);
    wrap.appendChild(printLegend);
    setTimeout(function () { map.invalidateSize(); }, 50);
    planner.printing = true;
    writeHash();
  }
  function exitPrint() {
    document.body.classList.remove("print-layout");
    [printHeader, north, printLegend].forEach(function (n) { if (n.parentNode) n.parentNode.removeChild(n); });
    setTimeout(function () { map.invalidateSize(); }, 50);
    planner.printing = false;
    writeHash();
  }
  byId("print-open").addEventListener("click", enterPrint);
  printExit.addEventListener("click", exitPrint);
  printNow.addEventListener("click", function () { window.print(); });
  // PNG of the same layout, drawn in the browser by the vendored html-to-image (SVG
  // foreignObject -> canvas; no eval, images inlined from this origin). A tile the
  // page may not fetch (another origin: connect-src 'self') is left transparent.
  var BLANK = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";
  function downloadPng() {
    if (!window.htmlToImage) return Promise.reject(new Error("html-to-image"));
    var wrap = mapBox.parentNode;
    printPng.disabled = true;
    return window.htmlToImage.toBlob(wrap, {
      backgroundColor: "#ffffff", pixelRatio: 1, skipFonts: true, imagePlaceholder: BLANK,
      filter: function (node) { return node !== printTools; }
    }).then(function (blob) {
      var name = (printTitle.textContent || "map").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "map";
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = name + ".png";
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
      planner.pngs = (planner.pngs || 0) + 1;
    }).catch(function (err) {
      printDate.textContent = T.failed + " " + ((err && err.message) || "PNG");
    }).then(function () { printPng.disabled = false; });
  }
  printPng.addEventListener("click", downloadPng);
  planner.enterPrint = enterPrint;

  // Layers first (their GeoJSON and tiles), then the state in the URL.
  Promise.all(Object.keys(dataLayers).map(function (k) { return dataLayers[k].loaded; }))
    .catch(function () {})
    .then(restore)
    .catch(function (err) { console.warn("map state: " + err.message); })
    .then(function () { restoring = false; planner.ready = true; writeHash(); });
})();
