/* Help nearby: ask the phone for its position on a tap, then load the page again
   with ?lon=&lat= (the server finds the nearest facilities: one small response).
   Registers the page's service worker so the emergency numbers open offline. */
"use strict";
(function () {
  const root = document.getElementById("help");
  const button = document.getElementById("locate");
  const status = document.getElementById("locate-status");
  const text = { asking: root.dataset.asking, failed: root.dataset.failed };
  if ("geolocation" in navigator) {
    button.hidden = false;
    button.addEventListener("click", () => {
      status.textContent = text.asking;
      navigator.geolocation.getCurrentPosition((pos) => {
        const params = new URLSearchParams({
          lon: pos.coords.longitude.toFixed(6),
          lat: pos.coords.latitude.toFixed(6)
        });
        location.assign(`${root.dataset.scope}?${params}`);
      }, () => { status.textContent = text.failed; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }
  if ("serviceWorker" in navigator && root.dataset.sw) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: root.dataset.scope })
      .then(() => navigator.serviceWorker.ready)
      .then((reg) => {
        const urls = performance.getEntriesByType("resource").map((e) => e.name)
          .filter((u) => u.startsWith(location.origin));
        if (reg.active) reg.active.postMessage({ type: "keep", urls });
        document.documentElement.dataset.offlineReady = "1";
      }).catch(() => {});
  }
})();
