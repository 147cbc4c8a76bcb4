/* Service worker of a city's help page (the approach of templates/offline/sw.js): the page
   opens with no network and shows the emergency numbers (tel: links need no data)
   and the last results. Pages: network first, then the kept copy of the same
   address, then the plain page. Static files: the kept copy, refreshed behind. */
"use strict";
const CONFIG = {{ config_json|safe }};
const CACHE = `petakota-help-${CONFIG.city}-${CONFIG.version}`;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(CONFIG.precache);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const prefix = `petakota-help-${CONFIG.city}-`;
    for (const name of await caches.keys()) {
      if (name.startsWith(prefix) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "keep") return;
  const urls = (data.urls || []).filter((u) => {
    const url = new URL(u, self.location.href);
    return url.origin === self.location.origin && url.pathname.startsWith(CONFIG.static);
  });
  event.waitUntil(caches.open(CACHE).then((cache) =>
    Promise.all(urls.map((u) => cache.add(u).catch(() => null)))));
});

async function page(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) {
      await cache.put(request, response.clone());
      const url = new URL(request.url);
      if (!url.search) await cache.put(CONFIG.page, response.clone());
    }
    return response;
  } catch (e) {
    const copy = (await cache.match(request)) || (await cache.match(CONFIG.page, { ignoreSearch: true }));
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
    if (url.pathname === CONFIG.page) event.respondWith(page(request));
    return;
  }
  if (url.pathname.startsWith(CONFIG.static)) event.respondWith(keptFirst(event));
});
