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
      $("location-error").textContent = r.ok ? "" : body.detail;
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
      const err = el("p", null, "error field-error");
      err.id = `err-q-${q.code}`;
      err.hidden = true;
      err.setAttribute("role", "alert");
      input.setAttribute("aria-describedby", err.id);
      box.append(label, input, err);
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

  // --- Field-by-field messages (the server's and our own, in the page's language) ----
  function errorBox(field) {
    if (/^(lon|lat|location|geom|point|accuracy_m)$/.test(field)) return $("err-location");
    if (field === "photo") return $("err-photos");
    const code = field.replace(/^answers\./, "");
    return $(`err-${field}`) || $(`err-q-${code}`);
  }
  function clearErrors() {
    for (const box of document.querySelectorAll(".field-error")) { box.hidden = true; box.textContent = ""; }
    for (const input of document.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    $("form-error").hidden = true;
    $("form-error").textContent = "";
  }
  /* errors: {field: message}. Returns true when any was shown next to its field. */
  function showErrors(errors, detail) {
    clearErrors();
    let first = null;
    const unplaced = [];
    for (const [field, message] of Object.entries(errors || {})) {
      const box = errorBox(field);
      if (!box) { unplaced.push(message); continue; }
      box.textContent = box.textContent ? `${box.textContent} ${message}` : message;
      box.hidden = false;
      const input = box.previousElementSibling;
      if (input && /^(INPUT|SELECT|TEXTAREA)$/.test(input.tagName)) input.setAttribute("aria-invalid", "true");
      first = first || box;
    }
    const general = unplaced.length ? unplaced.join(" ") : (first ? T.checkFields : detail);
    if (general) { $("form-error").textContent = general; $("form-error").hidden = false; }
    const target = first || $("form-error");
    if (target.scrollIntoView) target.scrollIntoView({ block: "center" });
    return !!first;
  }
  function validate() {
    const errors = {};
    const cat = cfg.categories.find((c) => c.code === select.value);
    if (!cat) errors.category = T.chooseCategory;
    if (!located) errors.location = T.setLocation;
    if (!$("description").value.trim()) errors.description = T.describe;
    if (cat) {
      const given = answers();
      for (const q of cat.questions) {
        const v = given[q.code];
        if (q.required && (v == null || v === "" || (Array.isArray(v) && !v.length))) {
          errors[`answers.${q.code}`] = fmt(T.answerNeeded, { question: q.description || q.code });
        }
      }
    }
    const email = $("contact_email");
    if (email.value && email.validity && !email.validity.valid) errors.contact_email = T.badEmail;
    if (!$("photo-error").hidden) errors.photos = $("photo-error").textContent;
    return errors;
  }

  // --- Sending through the outbox ---------------------------------------------------
  // One report being filled in is one client id, whatever happens to the button: a
  // second press, or a resend after a refusal, replaces the same queued item and the
  // server answers a replay with the report it made the first time.
  let draftId = ReportQueue.uuid4();
  function csrf() {
    const input = document.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  async function showQueue() {
    const items = await ReportQueue.all();
    const n = items.length;
    const box = $("queue-status");
    box.hidden = n === 0;
    box.textContent = n ? `${T.queued} ${fmt(T.waiting, { n })}` : "";
    if (!n && !$("queued").hidden) $("queued").hidden = true;
    return items;
  }
  function showQueued() {
    $("report-form").hidden = true;
    $("queued-text").textContent = T.queuedHere;
    $("queued").hidden = false;
    $("queued").focus();
    if ($("queued").scrollIntoView) $("queued").scrollIntoView({ block: "center" });
  }
  function onResult(item, status, body) {
    const mine = item.client_uuid === draftId;
    if (status === 200 || status === 201) {
      $("result").hidden = false;
      $("result-text").textContent = T.sent;
      $("ticket").textContent = body.ticket;
      $("track-link").href = body.tracking_url;
      $("queued").hidden = true;
      if (mine || $("report-form").hidden) { $("report-form").hidden = true; clearErrors(); }
      $("result").scrollIntoView && $("result").scrollIntoView({ block: "start" });
    } else if (mine) {
      $("queued").hidden = true;
      $("report-form").hidden = false;
      $("send").disabled = false;
      showErrors(body.errors, body.detail || `HTTP ${status}`);
    } else {
      // A report queued on an earlier visit was refused: say so without touching
      // the form being filled in now.
      $("queue-status").hidden = false;
      $("queue-status").textContent = body.detail || `HTTP ${status}`;
    }
  }
  async function flush() {
    await ReportQueue.flush(cfg.urls.submit, onResult);
    return showQueue();
  }
  let sending = false;
  $("report-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    if (sending) return;
    const errors = validate();
    if (Object.keys(errors).length) { showErrors(errors); return; }
    clearErrors();
    const fields = {
      client_uuid: draftId,
      category: select.value,
      description: $("description").value,
      answers: JSON.stringify(answers()),
      contact_name: $("contact_name").value,
      contact_phone: $("contact_phone").value,
      contact_email: $("contact_email").value,
    };
    fields.lon = located.lon; fields.lat = located.lat;
    if (accuracy != null && !userMoved) fields.accuracy_m = accuracy;
    sending = true;
    $("send").disabled = true;
    try {
      await ReportQueue.put({ client_uuid: draftId, fields, photos: [...photoInput.files], csrf: csrf(), queued: Date.now() });
      let left = await flush();
      // A flush already under way when this report was queued did not see it.
      if (navigator.onLine && left.some((item) => item.client_uuid === draftId)) left = await flush();
      if (left.some((item) => item.client_uuid === draftId)) showQueued();
      else if ($("report-form").hidden === false) $("send").disabled = false;
    } finally {
      sending = false;
    }
  });
  function startAnother() {
    draftId = ReportQueue.uuid4();
    $("report-form").reset(); renderQuestions(); clearErrors();
    $("send").disabled = false;
    $("result").hidden = true; $("queued").hidden = true; $("report-form").hidden = false;
  }
  $("another").addEventListener("click", startAnother);
  $("another-queued").addEventListener("click", startAnother);
  window.addEventListener("online", flush);
  setInterval(() => { if (navigator.onLine) flush(); }, 15000);
  flush();

  // --- Offline: a service worker keeps this page, its scripts and styles ------------
  if ("serviceWorker" in navigator && cfg.urls.serviceWorker) {
    navigator.serviceWorker.register(cfg.urls.serviceWorker).then(() => navigator.serviceWorker.ready).then((reg) => {
      // Whatever this page loaded (scripts, styles, icons) is kept for the next
      // visit without a network; html[data-offline-ready] says it is done.
      const urls = performance.getEntriesByType("resource").map((e) => e.name)
        .filter((u) => u.startsWith(location.origin));
      const channel = new MessageChannel();
      channel.port1.onmessage = () => { document.documentElement.dataset.offlineReady = "1"; };
      reg.active.postMessage({ type: "keep", urls }, [channel.port2]);
    }).catch(() => {});
  }
})();
