/* Service worker of a page that must open with no network after one visit: the
   report page (reports/offline.py) and a layer's field-capture page
   (layers/capture/views.py). It keeps the page (its code lists or the layer's schema
   are inside it), the map settings, what CONFIG.precache names and every static file
   the page loaded; a queued report or feature waits in IndexedDB (queue.js,
   capture.js) and is sent when there is a connection.
   Pages: network first, then the kept copy. Static files: the kept copy at once,
   refreshed in the background. Everything else (the APIs, photos) passes through.
   CONFIG.scope names the caches (one set per page), e.g. "report-kota-tangerang". */
"use strict";
const CONFIG = {{ config_json|safe }};
const CACHE = `petakota-${CONFIG.scope}-${CONFIG.version}`;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(CONFIG.precache);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const prefix = `petakota-${CONFIG.scope}-`;
    for (const name of await caches.keys()) {
      if (name.startsWith(prefix) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// The page names what it loaded (scripts, styles, images); keep those too.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "keep") return;
  const urls = (data.urls || []).filter((u) => kept(new URL(u, self.location.href)));
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await Promise.all(urls.map((u) => cache.add(u).catch(() => null)));
    if (event.ports[0]) event.ports[0].postMessage({ kept: urls.length });
  })());
});

function kept(url) {
  return url.origin === self.location.origin &&
    (url.pathname.startsWith(CONFIG.static) || CONFIG.precache.includes(url.pathname));
}

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(key, response.clone());
    return response;
  } catch (e) {
    const copy = await cache.match(key, { ignoreSearch: true });
    if (copy) return copy;
    throw e;
  }
}

async function keptFirst(event) {
  const cache = await caches.open(CACHE);
  const copy = await cache.match(event.request);
  const fresh = fetch(event.request).then((response) => {
    if (response.ok) return cache.put(event.request, response.clone()).then(() => response);
    return response;
  });
  if (copy) {
    event.waitUntil(fresh.catch(() => null));
    return copy;
  }
  return fresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    if (url.pathname === CONFIG.page) event.respondWith(networkFirst(request, CONFIG.page));
    return;
  }
  if (url.pathname.startsWith(CONFIG.static)) { event.respondWith(keptFirst(event)); return; }
  if (CONFIG.precache.includes(url.pathname)) event.respondWith(networkFirst(request, url.pathname));
});
