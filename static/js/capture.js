/* Field capture (templates/layers/capture/capture.html): a form built from the
   layer's attribute schema, a position from GPS with its accuracy (a fix worse than
   the city's gate is refused unless the pin is dragged) and an outbox in IndexedDB.
   A feature is stored in the outbox before it is sent and removed only when the
   server has answered; each carries one client id (X-Client-Id on the Part 4 POST),
   so pressing send twice or resending after a lost answer never makes a second
   feature. All user text is set with textContent. */
"use strict";
window.CaptureQueue = (function () {
  const DB = "petakota-capture", STORE = "outbox";
  function open() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "client_id" });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  async function tx(mode, fn) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req.result);
      t.onerror = () => reject(t.error);
    });
  }
  const put = (item) => tx("readwrite", (s) => s.put(item));
  const remove = (id) => tx("readwrite", (s) => s.delete(id));
  const all = () => tx("readonly", (s) => s.getAll());

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  let flushing = null;
  /* Send every queued feature once; onResult(item, status, body) for each answer.
     A network failure, 429 or 5xx leaves it queued. Concurrent calls share one run. */
  function flush(onResult) {
    if (flushing) return flushing;
    flushing = (async () => {
      try {
        for (const item of await all()) {
          // application/json: with a session, the CSRF check parses the body through
          // DRF's JSONParser, which does not take application/geo+json.
          const headers = { "Content-Type": "application/json", "X-CSRFToken": item.csrf };
          // A new feature: POST with its client id. A change: PATCH with the ETag read.
          if (item.etag) headers["If-Match"] = item.etag; else headers["X-Client-Id"] = item.client_id;
          if (item.note) headers["X-Change-Note"] = item.note;
          let response;
          try {
            response = await fetch(item.url, { method: item.etag ? "PATCH" : "POST", body: JSON.stringify(item.feature),
                                               headers, credentials: "same-origin" });
          } catch (e) {
            break; // offline: keep everything for the next try
          }
          if (response.status === 429 || response.status >= 500) break;
          let body = {};
          try { body = await response.json(); } catch (e) { /* not JSON */ }
          await remove(item.client_id);
          onResult(item, response.status, body);
        }
      } finally {
        flushing = null;
      }
      return all();
    })();
    return flushing;
  }
  return { put, remove, all, flush, uuid4 };
})();

(function () {
  const cfg = JSON.parse(document.getElementById("capture-config").textContent);
  const T = document.getElementById("capture-text").dataset;
  const $ = (id) => document.getElementById(id);
  const fmt = (s, vals) => s.replace(/%\((\w+)\)s/g, (_, k) => vals[k]);
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; };
  const form = $("capture-form");
  const csrf = () => { const i = document.querySelector("[name=csrfmiddlewaretoken]"); return i ? i.value : ""; };

  // --- Outbox status and answers (also for features queued on an earlier visit) ----
  let draftId = CaptureQueue.uuid4();
  async function showQueue() {
    const items = await CaptureQueue.all();
    const box = $("queue-status");
    box.hidden = items.length === 0;
    box.textContent = items.length ? fmt(T.waiting, { n: items.length }) : "";
    document.body.dataset.queued = String(items.length);
    return items;
  }
  function onResult(item, status, body) {
    const mine = item.client_id === draftId;
    if (status === 200 || status === 201) {
      $("result-text").textContent = fmt(item.etag ? T.updated : T.sent, { id: body.id });
      $("result").hidden = false;
      $("queued").hidden = true;
      document.body.dataset.lastSent = String(body.id);
      if (mine && form) form.hidden = true;
    } else if (mine && form) {
      $("queued").hidden = true;
      form.hidden = false;
      $("send").disabled = false;
      showError(`${T.refused} ${body.description || body.detail || "HTTP " + status}`);
    } else {
      $("queue-status").hidden = false;
      $("queue-status").textContent = `${T.refused} ${body.description || body.detail || "HTTP " + status}`;
    }
  }
  async function flush() {
    await CaptureQueue.flush(onResult);
    return showQueue();
  }
  window.addEventListener("online", flush);
  setInterval(() => { if (navigator.onLine) flush(); }, 15000);
  flush();

  function showError(message) {
    $("form-error").textContent = message;
    $("form-error").hidden = !message;
  }

  if (form) {
    // --- Map with one draggable pin ------------------------------------------------
    const map = L.map("pick-map", { maxZoom: 19 });
    if (cfg.bounds) map.fitBounds(cfg.bounds); else map.setView([0, 118], 4);
    let marker = null, circle = null, dragged = false, accuracy = null;
    // ?feature=<id>: update that feature (PATCH) instead of adding one.
    const editId = /^[0-9]{1,18}$/.test(new URLSearchParams(location.search).get("feature") || "")
      ? new URLSearchParams(location.search).get("feature") : null;
    let editing = null; // {url, etag} once the feature is read
    function setPoint(lat, lon) {
      if (!marker) {
        marker = L.marker([lat, lon], { draggable: true, autoPan: true }).addTo(map);
        marker.on("dragend", () => { dragged = true; checkFix(); });
        map.setView([lat, lon], 18);
      } else {
        marker.setLatLng([lat, lon]);
      }
      checkFix();
    }
    map.on("click", (e) => { dragged = true; setPoint(e.latlng.lat, e.latlng.lng); });
    /* The gate: a GPS fix worse than cfg.maxAccuracyM is no position, unless the
       officer placed the pin by hand. */
    function positionProblem() {
      if (!marker) return T.setLocation;
      if (!dragged && accuracy != null && accuracy > cfg.maxAccuracyM) {
        return fmt(T.tooCoarse, { m: Math.round(accuracy), max: cfg.maxAccuracyM });
      }
      return "";
    }
    function checkFix() {
      const problem = marker ? positionProblem() : "";
      $("gps-warning").textContent = problem;
      $("gps-warning").hidden = !problem;
    }
    $("gps-status").textContent = T.locating;
    if (navigator.geolocation) {
      navigator.geolocation.watchPosition((pos) => {
        if (dragged || editId) return;
        accuracy = pos.coords.accuracy;
        $("gps-status").textContent = fmt(T.accuracy, { m: Math.round(accuracy) });
        const ll = [pos.coords.latitude, pos.coords.longitude];
        if (circle) circle.setLatLng(ll).setRadius(accuracy);
        else circle = L.circle(ll, { radius: accuracy, weight: 1, interactive: false }).addTo(map);
        setPoint(ll[0], ll[1]);
      }, () => { $("gps-status").textContent = T.noGps; }, { enableHighAccuracy: true, maximumAge: 10000, timeout: 20000 });
    } else {
      $("gps-status").textContent = T.noGps;
    }

    // --- The form from the layer's schema ----------------------------------------------
    const box = $("fields");
    for (const f of cfg.fields) {
      const id = `field-${f.name}`;
      const label = el("label", f.label);
      label.htmlFor = id;
      if (f.required) label.append(el("small", ` (${T.required})`));
      let input;
      if (f.type === "boolean") {
        input = document.createElement("select");
        input.append(new Option("", ""), new Option(T.yes, "true"), new Option(T.no, "false"));
      } else {
        input = document.createElement("input");
        input.type = { integer: "number", number: "number", date: "date" }[f.type] || "text";
        if (f.type === "integer") input.step = "1";
        if (f.type === "number") input.step = "any";
      }
      input.id = id;
      input.dataset.field = f.name;
      input.dataset.kind = f.type;
      input.required = f.required;
      box.append(label, input);
    }
    async function loadFeature() {
      const url = `${cfg.urls.items}/${editId}`;
      try {
        const r = await fetch(url, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" });
        const body = await r.json();
        if (!r.ok) throw new Error(body.description || `HTTP ${r.status}`);
        editing = { url, etag: r.headers.get("ETag") };
        for (const input of box.querySelectorAll("[data-field]")) {
          const v = (body.properties || {})[input.dataset.field];
          if (v != null) input.value = String(v);
        }
        const g = body.geometry || {};
        const xy = g.type === "MultiPoint" ? g.coordinates[0] : g.coordinates;
        dragged = true;
        setPoint(xy[1], xy[0]);
        $("gps-status").textContent = T.editing;
        document.body.dataset.editReady = "1";
      } catch (e) {
        showError(`${T.refused} ${e.message || e}`);
        $("send").disabled = true;
      }
    }
    if (editId) loadFeature();

    function properties() {
      const out = {}, missing = [];
      for (const input of box.querySelectorAll("[data-field]")) {
        const raw = input.value.trim();
        if (raw === "") { if (input.required) missing.push(input); continue; }
        const kind = input.dataset.kind;
        out[input.dataset.field] = kind === "integer" ? parseInt(raw, 10)
          : kind === "number" ? parseFloat(raw)
          : kind === "boolean" ? raw === "true" : raw;
      }
      return { out, missing };
    }

    // --- Sending through the outbox ---------------------------------------------------
    let sending = false;
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (sending) return;
      showError("");
      const problem = positionProblem();
      $("err-location").textContent = problem;
      $("err-location").hidden = !problem;
      const { out, missing } = properties();
      for (const input of box.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
      for (const input of missing) input.setAttribute("aria-invalid", "true");
      if (missing.length) showError(`${T.needed} ${missing.map((i) => i.labels[0].firstChild.textContent).join(", ")}`);
      if (problem || missing.length) return;
      if (editId && !editing) return;
      const ll = marker.getLatLng();
      const note = [$("change-note").value.trim(),
                    !dragged && accuracy != null ? `GPS ±${Math.round(accuracy)} m` : ""].filter(Boolean).join(" · ");
      sending = true;
      $("send").disabled = true;
      try {
        // Another press replaces the same queued item: one client id, one feature.
        await CaptureQueue.put({
          client_id: draftId, url: editing ? editing.url : cfg.urls.items, etag: editing ? editing.etag : null,
          csrf: csrf(), note: note.slice(0, 500), queued: Date.now(),
          feature: { type: "Feature", geometry: { type: "Point", coordinates: [ll.lng, ll.lat] }, properties: out },
        });
        let left = await flush();
        if (navigator.onLine && left.some((i) => i.client_id === draftId)) left = await flush();
        if (left.some((i) => i.client_id === draftId)) {
          form.hidden = true;
          $("queued-text").textContent = T.queued;
          $("queued").hidden = false;
          $("queued").focus();
        }
      } finally {
        sending = false;
        if (!form.hidden) $("send").disabled = false;
      }
    });
    $("another").addEventListener("click", () => {
      if (editId) { location.href = cfg.urls.page; return; }
      draftId = CaptureQueue.uuid4();
      form.reset();
      showError("");
      $("result").hidden = true; $("queued").hidden = true; form.hidden = false;
      $("send").disabled = false;
    });
  }

  // --- Offline: a service worker keeps this page, its scripts and styles ------------
  if ("serviceWorker" in navigator && cfg.urls.serviceWorker) {
    navigator.serviceWorker.register(cfg.urls.serviceWorker).then(() => navigator.serviceWorker.ready).then((reg) => {
      const urls = performance.getEntriesByType("resource").map((e) => e.name)
        .filter((u) => u.startsWith(location.origin));
      const channel = new MessageChannel();
      channel.port1.onmessage = () => { document.documentElement.dataset.offlineReady = "1"; };
      reg.active.postMessage({ type: "keep", urls }, [channel.port2]);
    }).catch(() => {});
  }
  document.body.dataset.captureReady = "1";
})();
