/* Import job page: the preview map and live progress (polls the status endpoint). */
(function () {
  "use strict";
  var box = document.getElementById("job");
  var data = JSON.parse(document.getElementById("preview-features").textContent || "null");
  // The worker checks an upload first: once it is done, the page is drawn again
  // with the preview (or the reason the file cannot be read).
  var initialStatus = document.getElementById("job-status").dataset.status;
  if (document.getElementById("preview-map")) { showPreview(); }

  function showPreview() {
    var map = L.map("preview-map", { maxZoom: 19 });
    var shown = L.geoJSON(data || { type: "FeatureCollection", features: [] }, {
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 6 }); },
      onEachFeature: function (f, layer) {
        var rows = Object.keys(f.properties || {}).map(function (k) {
          var td = document.createElement("div");
          td.textContent = k + ": " + f.properties[k];
          return td.outerHTML;
        });
        layer.bindPopup(rows.join("") || "—");
      }
    }).addTo(map);
    var bounds = shown.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds.pad(0.2), { maxZoom: 16 }); }
    else { map.setView([0, 115], 4); }
  }

  var text = window.IMPORT_TEXT || {};
  function show(job) {
    if (initialStatus === "checking" && job.status !== "checking") {
      window.location.reload();
      return;
    }
    document.getElementById("job-status").textContent = job.status_display;
    document.getElementById("job-status").dataset.status = job.status;
    if (job.status !== "preview" && job.status !== "checking") {
      document.getElementById("progress-box").hidden = false;
    }
    document.getElementById("job-progress").value = job.percent;
    var phase = job.status === "queued" ? text.queued : (text[job.phase] || "");
    if (job.status === "running" && job.total) {
      phase += " (" + job.done + " / " + job.total + ")";
    }
    document.getElementById("job-phase").textContent = job.finished ? "" : phase;
    if (job.error) {
      var err = document.getElementById("job-error");
      err.textContent = job.error;
      err.hidden = false;
    }
    if (job.report) {
      document.getElementById("report-box").hidden = false;
      document.querySelectorAll("#job-report [data-count]").forEach(function (dd) {
        dd.textContent = job.report[dd.dataset.count];
      });
      var list = document.getElementById("report-warnings");
      list.textContent = "";
      (job.report.warnings || []).forEach(function (w) {
        var li = document.createElement("li");
        li.textContent = w;
        list.appendChild(li);
      });
    }
  }
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        show(job);
        if (!job.finished && job.status !== "preview") { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
