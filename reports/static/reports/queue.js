/* Outbox of reports in IndexedDB: a report is stored before it is sent, and removed
   only when the server has answered it (a ticket, or a refusal to show the reporter).
   Each report carries a client-generated UUID, so resending is always safe. */
"use strict";
window.ReportQueue = (function () {
  const DB = "petakota-reports", STORE = "outbox";
  function open() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "client_uuid" });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  async function tx(mode, fn) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const result = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(result && result.result !== undefined ? result.result : result);
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
  /* Send every queued report once; onResult(item, status, body) for each answer.
     A network failure leaves the item queued. Concurrent calls share one run. */
  function flush(url, onResult) {
    if (flushing) return flushing;
    flushing = (async () => {
      try {
        for (const item of await all()) {
          const form = new FormData();
          for (const [k, v] of Object.entries(item.fields)) form.append(k, v);
          for (const file of item.photos || []) form.append("photos", file, file.name || "photo.jpg");
          let response;
          try {
            response = await fetch(url, { method: "POST", body: form, credentials: "same-origin",
                                          headers: item.csrf ? { "X-CSRFToken": item.csrf } : {} });
          } catch (e) {
            break; // offline: keep everything for the next try
          }
          if (response.status === 429 || response.status >= 500) break;
          let body = {};
          try { body = await response.json(); } catch (e) { /* not JSON */ }
          await remove(item.client_uuid);
          onResult(item, response.status, body);
        }
      } finally {
        flushing = null;
      }
      return (await all()).length;
    })();
    return flushing;
  }
  return { put, remove, all, flush, uuid4 };
})();
