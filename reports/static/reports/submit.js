/* Mobile submission page: GPS with accuracy, draggable pin on the city's own
   boundaries, area lookup, category questions, nearby open reports to support,
   photos, and an offline outbox (queue.js). All user text is set with textContent. */
"use strict";
(function () {
  const cfg = JSON.parse(document.getElementById("report-config").textContent);
  const T = cfg.text;
  const $ = (id) => document.getElementById(id);
  const fmt = (s, vals) => s.replace(/%\((\w+)\)s/g, (_, k) => vals[k]);
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; };

  // --- Map: the city's kelurahan as basemap, one draggable pin -------------------
  const map = L.map("pick-map", { maxZoom: 19 });
  map.fitBounds(cfg.bounds);
  fetch(cfg.urls.boundaries).then((r) => r.json()).then((fc) => {
    L.geoJSON(fc, { style: { color: "#1f3b4d", weight: 1, fillOpacity: 0.04 }, interactive: false }).addTo(map);
  }).catch(() => {});
  let marker = null, accuracyCircle = null, userMoved = false, located = null;

  function setPoint(lat, lon, source) {
    if (!marker) {
      marker = L.marker([lat, lon], { draggable: true, autoPan: true }).addTo(map);
      marker.on("dragend", () => { userMoved = true; pointChanged("pin"); });
      map.setView([lat, lon], 17);
    } else {
      marker.setLatLng([lat, lon]);
    }
    pointChanged(source);
  }
  map.on("click", (e) => { userMoved = true; setPoint(e.latlng.lat, e.latlng.lng, "pin"); });

  // --- GPS -------------------------------------------------------------------------
  let accuracy = null;
  $("gps-status").textContent = T.locating;
  if (navigator.geolocation) {
    navigator.geolocation.watchPosition((pos) => {
      accuracy = pos.coords.accuracy;
      $("gps-status").textContent = fmt(T.accuracy, { m: Math.round(accuracy) });
      const warn = accuracy > cfg.accuracyWarnM;
      $("gps-warning").hidden = !warn;
      $("gps-warning").textContent = warn ? T.accuracyWarn : "";
      const ll = [pos.coords.latitude, pos.coords.longitude];
      if (accuracyCircle) accuracyCircle.setLatLng(ll).setRadius(accuracy);
      else accuracyCircle = L.circle(ll, { radius: accuracy, weight: 1, interactive: false }).addTo(map);
      if (!userMoved) setPoint(ll[0], ll[1], "gps");
    }, () => { $("gps-status").textContent = T.noGps; }, { enableHighAccuracy: true, maximumAge: 10000, timeout: 20000 });
  } else {
    $("gps-status").textContent = T.noGps;
  }

  // --- Area and nearby reports ------------------------------------------------------
  let lookupTimer = null;
  function pointChanged() {
    const ll = marker.getLatLng();
    located = { lat: ll.lat, lon: ll.lng };
    clearTimeout(lookupTimer);
    lookupTimer = setTimeout(lookup, 250);
  }
  async function lookup() {
    if (!located || !navigator.onLine) return;
    const q = `lon=${located.lon}&lat=${located.lat}`;
    try {
      const r = await fetch(`${cfg.urls.locate}?${q}`);
      const body = await r.json();
      $("location-error").hidden = r.ok;
      $("location-error").textContent = r.ok ? "" : body.error;
      $("area").textContent = r.ok ? fmt(T.inArea, { kel: body.kelurahan || "–", kec: body.kecamatan || "–" }) : "";
    } catch (e) { /* offline: the server checks again on delivery */ }
    loadNearby();
  }
  async function loadNearby() {
    const code = $("category").value;
    const list = $("nearby-list");
    list.replaceChildren();
    $("nearby").hidden = true;
    if (!located || !code || !navigator.onLine) return;
    try {
      const r = await fetch(`${cfg.urls.nearby}?category=${encodeURIComponent(code)}&lon=${located.lon}&lat=${located.lat}`);
      if (!r.ok) return;
      const body = await r.json();
      if (!body.reports.length) return;
      $("nearby-title").textContent = T.nearbyTitle;
      for (const rep of body.reports) {
        const li = el("li", null, "nearby-item");
        li.append(el("strong", rep.ticket), " ", el("span", rep.description), " ",
                  el("small", `${rep.distance_m} m · ${rep.status_label} · ${rep.supporters} ${T.supporters}`));
        const btn = el("button", T.support, "support");
        btn.type = "button";
        btn.addEventListener("click", () => support(rep.ticket, btn));
        li.append(btn);
        list.append(li);
      }
      $("nearby").hidden = false;
    } catch (e) { /* offline */ }
  }
  async function support(ticket, btn) {
    btn.disabled = true;
    const r = await fetch(cfg.urls.support.replace("TICKET", ticket), {
      method: "POST", headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ client_uuid: ReportQueue.uuid4() }),
    });
    if (r.ok) btn.replaceWith(el("span", T.supported, "ok"));
    else btn.disabled = false;
  }

  // --- Category and its questions ---------------------------------------------------
  const select = $("category");
  select.append(new Option(T.choose, ""));
  for (const c of cfg.categories) select.append(new Option(c.name, c.code));
  select.addEventListener("change", () => { renderQuestions(); loadNearby(); });
  function renderQuestions() {
    const box = $("questions");
    box.replaceChildren();
    const cat = cfg.categories.find((c) => c.code === select.value);
    if (!cat) return;
    for (const q of cat.questions) {
      const id = `q-${q.code}`;
      const label = el("label", q.description || q.code);
      label.htmlFor = id;
      if (q.required) label.append(el("small", ` (${T.required})`));
      let input;
      if (q.datatype === "singlevaluelist" || q.datatype === "multivaluelist") {
        input = document.createElement("select");
        input.multiple = q.datatype === "multivaluelist";
        if (!input.multiple) input.append(new Option(T.choose, ""));
        for (const ch of q.choices) input.append(new Option(ch.name, ch.key));
      } else if (q.datatype === "text") {
        input = document.createElement("textarea");
      } else {
        input = document.createElement("input");
        input.type = q.datatype === "number" ? "number" : q.datatype === "datetime" ? "datetime-local" : "text";
      }
      input.id = id;
      input.dataset.question = q.code;
      input.required = !!q.required;
      box.append(label, input);
    }
  }
  function answers() {
    const out = {};
    for (const input of document.querySelectorAll("[data-question]")) {
      if (input.multiple) out[input.dataset.question] = [...input.selectedOptions].map((o) => o.value);
      else if (input.value !== "") out[input.dataset.question] = input.value;
    }
    return out;
  }

  // --- Photos -------------------------------------------------------------------------
  const photoInput = $("photos");
  let photoPoint = null;
  photoInput.addEventListener("change", async () => {
    const files = [...photoInput.files];
    const bad = files.length > 3 ? T.tooManyPhotos
      : files.some((f) => !/^image\/(jpeg|png|webp)$/.test(f.type) || f.size > cfg.maxPhotoBytes) ? T.badPhoto : "";
    $("photo-error").hidden = !bad;
    $("photo-error").textContent = bad;
    $("use-photo-location").hidden = true;
    if (bad || !files.length || !navigator.onLine) return;
    const form = new FormData();
    form.append("photo", files[0]);
    try {
      const r = await fetch(cfg.urls.photoLocation, { method: "POST", body: form, headers: { "X-CSRFToken": csrf() } });
      const body = await r.json();
      if (r.ok && body.lat != null) {
        photoPoint = body;
        $("use-photo-location").textContent = T.photoHasLocation;
        $("use-photo-location").hidden = false;
      }
    } catch (e) { /* offline */ }
  });
  $("use-photo-location").addEventListener("click", () => {
    if (photoPoint) { userMoved = true; setPoint(photoPoint.lat, photoPoint.lon, "photo"); }
  });

  // --- Sending through the outbox ---------------------------------------------------------
  function csrf() {
    const input = document.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  async function showQueue() {
    const n = (await ReportQueue.all()).length;
    const box = $("queue-status");
    box.hidden = n === 0;
    box.textContent = n ? `${T.queued} ${fmt(T.waiting, { n })}` : "";
  }
  function onResult(item, status, body) {
    if (status === 200 || status === 201) {
      $("result").hidden = false;
      $("result-text").textContent = T.sent;
      $("ticket").textContent = body.ticket;
      $("track-link").href = body.tracking_url;
      $("report-form").hidden = true;
      $("form-error").hidden = true;
    } else {
      $("report-form").hidden = false;
      $("form-error").hidden = false;
      $("form-error").textContent = body.error || `HTTP ${status}`;
    }
  }
  async function flush() {
    await ReportQueue.flush(cfg.urls.submit, onResult);
    await showQueue();
  }
  $("report-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("form-error").hidden = true;
    const fields = {
      client_uuid: ReportQueue.uuid4(),
      category: select.value,
      description: $("description").value,
      answers: JSON.stringify(answers()),
      contact_name: $("contact_name").value,
      contact_phone: $("contact_phone").value,
      contact_email: $("contact_email").value,
    };
    if (located) {
      fields.lon = located.lon; fields.lat = located.lat;
      if (accuracy != null && !userMoved) fields.accuracy_m = accuracy;
    }
    $("send").disabled = true;
    await ReportQueue.put({ client_uuid: fields.client_uuid, fields, photos: [...photoInput.files], csrf: csrf(), queued: Date.now() });
    await flush();
    $("send").disabled = false;
  });
  $("another").addEventListener("click", () => {
    $("report-form").reset(); renderQuestions();
    $("result").hidden = true; $("report-form").hidden = false;
  });
  window.addEventListener("online", flush);
  setInterval(() => { if (navigator.onLine) flush(); }, 15000);
  flush();
})();
