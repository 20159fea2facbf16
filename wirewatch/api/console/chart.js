// Volume over time: an inline SVG bar chart of /api/histogram buckets, gaps filled with zeros.

import { fill, h, number } from "./util.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  el.append(...children);
  return el;
}

/** Parse "5m", "1h", "1d" into milliseconds. */
export function intervalMs(interval) {
  const match = /^(\d+)([smhdw])$/.exec(interval);
  if (!match) return 3600_000;
  const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[match[2]];
  return Number(match[1]) * unit * 1000;
}

/** Every bucket from `from` (ms, or the first bucket) to now, missing ones as zero. */
export function denseBuckets(buckets, interval, from = null, now = Date.now()) {
  const step = intervalMs(interval);
  const counts = new Map();
  for (const b of buckets) {
    const t = new Date(b.start).getTime();
    if (!Number.isNaN(t)) counts.set(Math.floor(t / step) * step, b.count);
  }
  const known = [...counts.keys()];
  if (!known.length && from === null) return [];
  let start = from === null ? Math.min(...known) : Math.floor(from / step) * step;
  const end = Math.max(Math.floor(now / step) * step, ...known);
  if (known.length) start = Math.min(start, ...known);
  start = Math.max(start, end - 499 * step); // at most 500 bars, the latest
  const out = [];
  for (let t = start; t <= end; t += step) out.push({ start: t, count: counts.get(t) || 0 });
  return out;
}

const dayFmt = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const timeFmt = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

/** Draw `buckets` into `container`; `label` names the chart for assistive technology. */
export function drawChart(container, buckets, interval, label) {
  const step = intervalMs(interval);
  const fmt = step >= 86400_000 ? dayFmt : timeFmt;
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const total = buckets.reduce((sum, b) => sum + b.count, 0);
  const width = Math.max(buckets.length, 1) * 10;
  const height = 60;
  const titleId = `chart-title-${Math.random().toString(36).slice(2)}`;
  const bars = buckets.map((b, i) => {
    const barHeight = b.count ? Math.max(1.5, (b.count / max) * height) : 0;
    return svg(
      "rect",
      { x: i * 10 + 1, y: height - barHeight, width: 8, height: barHeight, class: "bar" },
      svg("title", {}, `${fmt.format(new Date(b.start))}: ${number.format(b.count)} articles`),
    );
  });
  const chart = svg(
    "svg",
    {
      viewBox: `0 0 ${width} ${height}`,
      preserveAspectRatio: "none",
      role: "img",
      "aria-labelledby": titleId,
      class: "bars",
    },
    svg("title", { id: titleId }, `${label}: ${number.format(total)} articles, at most ${number.format(max)} per ${interval}`),
    svg("line", { x1: 0, x2: width, y1: height - 0.5, y2: height - 0.5, class: "axis" }),
    ...bars,
  );
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  fill(
    container,
    h("div", { class: "chart-max muted small", "aria-hidden": "true", text: `${number.format(max)} / ${interval}` }),
    chart,
    h(
      "div",
      { class: "chart-axis muted small", "aria-hidden": "true" },
      h("span", { text: first ? fmt.format(new Date(first.start)) : "" }),
      h("span", { text: last ? fmt.format(new Date(last.start)) : "" }),
    ),
  );
}
