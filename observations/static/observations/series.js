"use strict";
// Charts of a station's or market's series from the aggregate tables (uPlot):
// hourly means for 24 h / 7 d, daily means for 30 d / 1 y, with min-max.
(function () {
  const cfg = JSON.parse(document.getElementById("series-config").textContent);
  if (!cfg.streams.length) return;
  const select = document.getElementById("series-stream");
  const holder = document.getElementById("series-chart");
  const empty = document.getElementById("series-empty");
  const csv = document.getElementById("series-csv");
  const aggCsv = document.getElementById("series-agg-csv");
  const buttons = Array.from(document.querySelectorAll("[data-range]"));
  let range = cfg.ranges[0];
  let chart = null;
  const tz = cfg.time.timeZone;
  function draw() {
    const stream = cfg.streams.find((s) => String(s.id) === select.value) || cfg.streams[0];
    csv.href = stream.csv;
    aggCsv.href = `${stream.aggregates}?range=${range}&format=csv`;
    fetch(`${stream.aggregates}?range=${range}`).then((r) => r.json()).then((data) => {
      if (chart) { chart.destroy(); chart = null; }
      const pts = data.points;
      empty.hidden = pts.length > 0;
      document.body.dataset.seriesPoints = String(pts.length);
      if (!pts.length) return;
      const xs = pts.map((p) => Date.parse(p.t) / 1000);
      const opts = {
        width: Math.max(320, holder.clientWidth || 640),
        height: 280,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), tz),
        series: [
          {},
          { label: `${cfg.labels.mean} (${stream.unit})`, stroke: "#0e7490", width: 2 },
          { label: cfg.labels.min, stroke: "#94a3b8", dash: [4, 4] },
          { label: cfg.labels.max, stroke: "#f97316", dash: [4, 4] },
        ],
      };
      chart = new uPlot(opts, [xs, pts.map((p) => p.mean), pts.map((p) => p.min), pts.map((p) => p.max)], holder);
    }).catch(() => { empty.hidden = false; });
  }
  buttons.forEach((b) => b.addEventListener("click", () => {
    range = b.dataset.range;
    buttons.forEach((o) => o.setAttribute("aria-pressed", String(o === b)));
    draw();
  }));
  select.addEventListener("change", draw);
  draw();
})();
