/* Times a person reads: an ISO 8601 instant from the API shown in the city's time zone
   with its label (WIB/WITA/WIT), in the page's language. The server renders the same
   with the `city_time` template filter (layers/local_time.py). */
"use strict";
window.PetaKotaTime = (function () {
  const lang = document.documentElement.lang || "id";
  const formats = {};
  function formatter(timeZone) {
    if (!formats[timeZone]) {
      formats[timeZone] = new Intl.DateTimeFormat(lang, {
        timeZone: timeZone, year: "numeric", month: "short", day: "numeric",
        hour: "2-digit", minute: "2-digit", hour12: false,
      });
    }
    return formats[timeZone];
  }
  /* format("2026-11-27T05:50:00+00:00", {timeZone: "Asia/Makassar", zoneLabel: "WITA"})
     -> "27 Nov 2026, 13.50 WITA" (id) / "Nov 27, 2026, 13:50 WITA" (en). */
  function format(iso, zone) {
    if (!iso) return "";
    const when = new Date(iso);
    if (Number.isNaN(when.getTime())) return String(iso);
    return `${formatter(zone.timeZone).format(when)} ${zone.zoneLabel}`;
  }
  return { format };
})();
