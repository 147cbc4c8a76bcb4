/* The feature editor (layers/manage/edit_features.html): Leaflet + Leaflet-Geoman.
 * Every change goes through OGC API Features Part 4 on the layer's items: GET an
 * item for its ETag, then PATCH/PUT/DELETE with If-Match, POST for a new one; the
 * session's CSRF token travels in X-CSRFToken. A feature's history comes from the
 * history API; "restore this version" posts to the management page's endpoint. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("editor-config").textContent);
  var text = document.getElementById("editor-text").dataset;
  var csrf = document.querySelector("#feature-form input[name=csrfmiddlewaretoken]").value;
  var status = document.getElementById("editor-status");
  var form = document.getElementById("feature-form");
  var fields = document.getElementById("feature-fields");
  var historyPanel = document.getElementById("history-panel");
  var historyList = document.getElementById("history-list");
  var type = String(config.geometry_type || "Geometry");

  var map = L.map("editor-map", { maxZoom: 22 });
  var b = config.bounds;
  map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
  var features = L.featureGroup().addTo(map);
  var ghost = L.featureGroup().addTo(map);
  var etags = {};
  var selected = null;

  function say(message) { status.textContent = message; }

  function itemUrl(id) { return config.items + "/" + id; }

  function request(method, url, body, etag) {
    var headers = { "X-CSRFToken": csrf, Accept: "application/geo+json" };
    if (body !== undefined) headers["Content-Type"] = method === "PATCH" ? "application/merge-patch+json" : "application/geo+json";
    if (etag) headers["If-Match"] = etag;
    var note = document.getElementById("change-note").value;
    if (note) headers["X-Change-Note"] = note;
    return fetch(url, {
      method: method, headers: headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body)
    });
  }

  function fetchEtag(id) {
    return fetch(itemUrl(id), { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
      .then(function (r) { etags[id] = r.headers.get("ETag"); return r.json(); });
  }

  function failed(response) {
    return response.json().catch(function () { return {}; }).then(function (body) {
      if (response.status === 412) { say(text.stale); reload(); return; }
      say(text.error + " " + (body.description || body.detail || response.status));
    });
  }

  function input(field, value) {
    var wrap = document.createElement("div");
    var label = document.createElement("label");
    var id = "field-" + field.name;
    label.htmlFor = id;
    label.textContent = field.label || field.name;
    var box = document.createElement("input");
    box.id = id;
    box.name = field.name;
    if (field.type === "integer") { box.type = "number"; box.step = "1"; }
    else if (field.type === "number") { box.type = "number"; box.step = "any"; }
    else if (field.type === "date") { box.type = "date"; }
    else if (field.type === "boolean") { box.type = "checkbox"; box.checked = value === true; }
    else { box.type = "text"; }
    if (field.type !== "boolean" && value != null) box.value = String(value).slice(0, field.type === "date" ? 10 : undefined);
    if (field.required) box.required = true;
    wrap.appendChild(label);
    wrap.appendChild(box);
    return wrap;
  }

  function formValues() {
    var values = {};
    config.schema.forEach(function (field) {
      var box = document.getElementById("field-" + field.name);
      if (!box) return;
      if (field.type === "boolean") values[field.name] = box.checked;
      else if (box.value === "") values[field.name] = null;
      else if (field.type === "integer") values[field.name] = parseInt(box.value, 10);
      else if (field.type === "number") values[field.name] = parseFloat(box.value);
      else values[field.name] = box.value;
    });
    return values;
  }

  function select(layer) {
    selected = layer;
    historyPanel.hidden = true;
    ghost.clearLayers();
    fields.textContent = "";
    var props = (layer.feature && layer.feature.properties) || {};
    config.schema.forEach(function (field) { fields.appendChild(input(field, props[field.name])); });
    document.getElementById("feature-title").textContent =
      layer.featureId ? text.feature + " " + layer.featureId : text.new;
    document.getElementById("delete-feature").hidden = !layer.featureId;
    document.getElementById("show-history").hidden = !layer.featureId;
    form.hidden = false;
    if (layer.featureId) fetchEtag(layer.featureId);
  }

  function track(layer, feature) {
    layer.feature = feature;
    layer.featureId = feature.id;
    layer.on("click", function () { select(layer); });
    layer.on("pm:edit pm:dragend", function () { saveGeometry(layer); });
    features.addLayer(layer);
  }

  function reload() {
    features.clearLayers();
    ghost.clearLayers();
    form.hidden = true;
    return fetch(config.items + "?limit=10000", { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        L.geoJSON(data, {
          pointToLayer: function (f, latlng) { return L.marker(latlng); },
          onEachFeature: function (feature, layer) { track(layer, feature); }
        });
        document.body.dataset.editorReady = String(data.features.length);
      });
  }

  function geometryOf(layer) { return layer.toGeoJSON().geometry; }

  function saveGeometry(layer) {
    if (!layer.featureId) return;
    var id = layer.featureId;
    var send = function () {
      return request("PATCH", itemUrl(id), { geometry: geometryOf(layer) }, etags[id]);
    };
    (etags[id] ? send() : fetchEtag(id).then(send)).then(function (r) {
      if (!r.ok) return failed(r);
      etags[id] = r.headers.get("ETag");
      say(text.saved);
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!selected) return;
    var id = selected.featureId;
    var props = formValues();
    var call = id
      ? request("PATCH", itemUrl(id), { properties: props }, etags[id])
      : request("POST", config.items, { type: "Feature", geometry: geometryOf(selected), properties: props });
    call.then(function (r) {
      if (!r.ok) return failed(r);
      return r.json().then(function (feature) {
        etags[feature.id] = r.headers.get("ETag");
        if (!id) { selected.featureId = feature.id; track(selected, feature); }
        selected.feature = feature;
        say(text.saved);
        document.body.dataset.lastSaved = String(feature.id);
      });
    });
  });

  document.getElementById("delete-feature").addEventListener("click", function () {
    if (!selected || !selected.featureId || !window.confirm(text.confirm)) return;
    var id = selected.featureId;
    request("DELETE", itemUrl(id), undefined, etags[id]).then(function (r) {
      if (!r.ok) return failed(r);
      features.removeLayer(selected);
      form.hidden = true;
      say(text.deleted);
    });
  });

  document.getElementById("show-history").addEventListener("click", function () {
    if (!selected || !selected.featureId) return;
    var id = selected.featureId;
    var url = config.history.replace(/history$/, "features/" + id + "/history");
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      historyList.textContent = "";
      data.versions.forEach(function (version) {
        var item = document.createElement("li");
        item.className = "version";
        item.textContent = version.at.slice(0, 19).replace("T", " ") + " · " + version.change +
          (version.user ? " · " + version.user : "") + (version.note ? " · " + version.note : "") + " ";
        var show = document.createElement("button");
        show.type = "button";
        show.textContent = text.show;
        show.addEventListener("click", function () {
          ghost.clearLayers();
          L.geoJSON(version.geometry, { style: { color: "#d55e00", dashArray: "4 4" },
            pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { color: "#d55e00", radius: 8 }); } }).addTo(ghost);
        });
        item.appendChild(show);
        if (version.event && version.change !== "delete") {
          var restore = document.createElement("button");
          restore.type = "button";
          restore.className = "restore";
          restore.textContent = text.restore;
          restore.addEventListener("click", function () {
            var target = config.restore.replace(/features\/0\/restore\/0$/, "features/" + id + "/restore/" + version.event);
            fetch(target, { method: "POST", headers: { "X-CSRFToken": csrf }, credentials: "same-origin" })
              .then(function (r) {
                if (!r.ok) return failed(r);
                say(text.restored);
                document.body.dataset.restored = String(id);
                return reload();
              });
          });
          item.appendChild(restore);
        }
        historyList.appendChild(item);
      });
      historyPanel.hidden = false;
    });
  });

  var point = /Point/.test(type), line = /Line/.test(type), polygon = /Polygon/.test(type), any = type === "Geometry";
  map.pm.addControls({
    position: "topleft",
    drawMarker: point || any, drawPolyline: line || any, drawPolygon: polygon || any,
    drawCircle: false, drawCircleMarker: false, drawRectangle: false, drawText: false,
    cutPolygon: false, rotateMode: false, editMode: true, dragMode: true, removalMode: false
  });
  map.on("pm:create", function (e) {
    e.layer.on("click", function () { select(e.layer); });
    select(e.layer);
  });

  reload();
})();
