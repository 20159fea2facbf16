// The search view: query and filters live in the URL (shareable, back button works); results
// grouped by story, facets and a volume chart for the same query.

import { api, ApiError, withParams } from "./api.js";
import { denseBuckets, drawChart, intervalMs } from "./chart.js";
import { attachQueryCheck, showQueryError } from "./querycheck.js";
import { fill, h, marked, number, safeUrl, timeEl } from "./util.js";

const FILTERS = [
  ["entity", "Entities"],
  ["topic", "Topics"],
  ["source", "Sources"],
  ["lang", "Languages"],
];
const SIZE = 20;
const SINCE_INTERVAL = { "1h": "2m", "24h": "30m", "7d": "3h", "30d": "12h" };
const CHART_DEFAULT = "7d"; // the API's histogram window when no `since` is given
const $ = (id) => document.getElementById(id);

let state = readState();
let controller = null;

/** The search state the current URL describes. */
export function readState(search = location.search) {
  const p = new URLSearchParams(search);
  const page = Number.parseInt(p.get("page") || "1", 10);
  const out = {
    q: p.get("q") || "",
    since: p.get("since") || "",
    sort: p.get("sort") === "newest" ? "newest" : "relevance",
    page: Number.isFinite(page) && page > 0 ? page : 1,
  };
  for (const [key] of FILTERS) out[key] = p.getAll(key);
  return out;
}

function params(s) {
  const out = { q: s.q, since: s.since };
  for (const [key] of FILTERS) out[key] = s[key];
  return out;
}

function urlOf(s) {
  return withParams("./", { ...params(s), sort: s.sort === "newest" ? "newest" : "", page: s.page > 1 ? s.page : "" });
}

/** Go to a new search state: a history entry, then the search. */
function go(next) {
  state = next;
  history.pushState(null, "", urlOf(state));
  syncForm();
  run();
}

function toggleFilter(key, value) {
  const values = state[key].includes(value) ? state[key].filter((v) => v !== value) : [...state[key], value];
  go({ ...state, [key]: values, page: 1 });
}

function syncForm() {
  $("q").value = state.q;
  $("since").value = state.since;
  $("sort").value = state.sort;
  renderChips();
}

function renderChips() {
  const chips = [];
  for (const [key] of FILTERS) {
    for (const value of state[key]) {
      chips.push(
        h(
          "li",
          { class: `chip filter ${key}` },
          h("span", { class: "chip-key", text: `${key}:` }),
          h("span", { text: value }),
          h("button", {
            type: "button",
            class: "chip-remove",
            "aria-label": `Remove filter ${key} ${value}`,
            text: "×",
            onclick: () => toggleFilter(key, value),
          }),
        ),
      );
    }
  }
  if (chips.length > 1) {
    const clear = { ...state, page: 1 };
    for (const [key] of FILTERS) clear[key] = [];
    chips.push(h("li", {}, h("button", { type: "button", class: "link", text: "Clear filters", onclick: () => go(clear) })));
  }
  fill($("chips"), chips);
}

function filterButton(key, value, label, extra = {}) {
  const active = state[key].includes(value);
  return h("button", {
    type: "button",
    class: `chip ${key}${active ? " active" : ""}`,
    "aria-pressed": active ? "true" : "false",
    title: extra.title || `${active ? "Remove" : "Add"} filter ${key}: ${value}`,
    onclick: () => toggleFilter(key, value),
    text: label,
  });
}

function groupByStory(hits) {
  const groups = [];
  const byCluster = new Map();
  for (const hit of hits) {
    const group = hit.cluster_id ? byCluster.get(hit.cluster_id) : null;
    if (group) {
      group.push(hit);
      continue;
    }
    const fresh = [hit];
    groups.push(fresh);
    if (hit.cluster_id) byCluster.set(hit.cluster_id, fresh);
  }
  return groups;
}

function link(url, ...children) {
  const href = safeUrl(url);
  return href ? h("a", { href, target: "_blank", rel: "noopener noreferrer" }, ...children) : h("span", {}, ...children);
}

function titleOf(hit) {
  return hit.title_highlight ? marked(hit.title_highlight) : hit.title || hit.url || "(untitled)";
}

function renderHit(group) {
  const [hit, ...others] = group;
  const meta = [
    filterButton("source", hit.source, hit.source, { title: `Only ${hit.source}` }),
    timeEl(hit.published),
  ];
  if (hit.language) meta.push(h("span", { class: "lang", text: hit.language }));
  const storySize = Math.max(hit.cluster_size || 1, group.length);
  if (storySize > 1) {
    meta.push(h("span", { class: "badge story", title: "Articles in this story", text: `${storySize} in story` }));
  }
  const tags = [
    ...(hit.entities || []).map((e) =>
      h("li", {}, filterButton("entity", e.name, e.name, { title: `${e.type}: filter by ${e.name}` })),
    ),
    ...(hit.topics || []).map((t) => h("li", {}, filterButton("topic", t, `#${t}`))),
  ];
  const item = h(
    "li",
    { class: "hit" },
    h("h3", { class: "hit-title" }, link(hit.url, titleOf(hit))),
    h("div", { class: "meta" }, meta),
    hit.highlight ? h("p", { class: "snippet" }, marked(hit.highlight)) : null,
    tags.length ? h("ul", { class: "chips tags", "aria-label": "Entities and topics" }, tags) : null,
  );
  if (others.length) {
    const outlets = new Set(others.map((o) => o.source)).size;
    item.append(
      h(
        "details",
        { class: "cluster" },
        h("summary", { text: `+${outlets} outlet${outlets === 1 ? "" : "s"}` }),
        h(
          "ul",
          {},
          others.map((o) =>
            h("li", {}, h("span", { class: "source", text: o.source }), " ", link(o.url, titleOf(o)), " ", timeEl(o.published)),
          ),
        ),
      ),
    );
  }
  return item;
}

function renderPager(total) {
  const pages = Math.min(Math.ceil(total / SIZE), 500);
  if (pages <= 1) return fill($("pager"));
  const page = state.page;
  const item = (n, label, rel) => {
    if (n < 1 || n > pages) return h("span", { class: "disabled", "aria-hidden": "true", text: label });
    const current = n === page && !rel;
    return h("a", {
      href: urlOf({ ...state, page: n }),
      "aria-current": current ? "page" : null,
      "aria-label": rel ? `${label} page` : `Page ${n}`,
      class: current ? "current" : null,
      text: rel ? label : String(n),
      onclick: (event) => {
        if (event.ctrlKey || event.metaKey || event.shiftKey) return;
        event.preventDefault();
        go({ ...state, page: n });
        $("summary").scrollIntoView({ block: "start" });
      },
    });
  };
  const numbers = [];
  for (let n = Math.max(1, page - 2); n <= Math.min(pages, page + 2); n++) numbers.push(item(n));
  fill($("pager"), item(page - 1, "Previous", "prev"), numbers, item(page + 1, "Next", "next"));
}

function renderFacets(facets) {
  const sections = [];
  for (const [key, label] of FILTERS) {
    const values = facets?.[key] || [];
    if (!values.length) continue;
    const max = Math.max(...values.map((v) => v.count));
    sections.push(
      h(
        "section",
        { class: "facet" },
        h("h2", { text: label }),
        h(
          "ul",
          {},
          values.map((v) => {
            const button = filterButton(key, v.value, "");
            button.className = `facet-item${state[key].includes(v.value) ? " active" : ""}`;
            button.setAttribute("aria-label", `${v.value}, ${number.format(v.count)} articles`);
            const bar = h("span", { class: "facet-bar", "aria-hidden": "true" });
            bar.style.width = `${Math.round((v.count / max) * 100)}%`;
            button.append(bar, h("span", { class: "facet-name", text: v.value }), h("span", { class: "facet-count", text: number.format(v.count) }));
            return h("li", {}, button);
          }),
        ),
      ),
    );
  }
  fill($("facets"), sections);
}

async function loadChart(s, signal) {
  const range = s.since || CHART_DEFAULT;
  const interval = SINCE_INTERVAL[range] || "1h";
  const figure = $("chart");
  try {
    const data = await api(withParams("api/histogram", { ...params(s), interval: interval }), { signal });
    const from = SINCE_INTERVAL[range] ? Date.now() - intervalMs(range) : null;
    const buckets = denseBuckets(data.buckets || [], data.interval || interval, from);
    if (!buckets.length) {
      figure.hidden = true;
      return;
    }
    const what = s.q ? `Articles matching ${s.q}` : "All articles";
    const span = s.since ? "" : " over the last 7 days";
    $("chart-caption").textContent = `${what}${span}, per ${data.interval || interval}`;
    drawChart($("chart-svg"), buckets, data.interval || interval, $("chart-caption").textContent);
    figure.hidden = false;
  } catch (err) {
    if (err.name !== "AbortError") figure.hidden = true;
  }
}

/** Run the search the state describes and render everything. */
export async function run() {
  controller?.abort();
  controller = new AbortController();
  const { signal } = controller;
  const s = state;
  const results = $("results");
  results.setAttribute("aria-busy", "true");
  loadChart(s, signal);
  try {
    const data = await api(
      withParams("api/search", { ...params(s), sort: s.sort, page: s.page, size: SIZE, facets: "true" }),
      { signal },
    );
    showQueryError($("q"), $("q-error"), null);
    const groups = groupByStory(data.hits || []);
    fill(results, groups.map(renderHit));
    const took = typeof data.took_ms === "number" ? ` in ${Math.round(data.took_ms)} ms` : "";
    const first = (s.page - 1) * SIZE + 1;
    const range = data.total > SIZE ? ` · ${first}–${Math.min(first + SIZE - 1, data.total)}` : "";
    $("summary").className = "summary";
    $("summary").textContent = data.total
      ? `${number.format(data.total)}${data.total_exact === false ? "+" : ""} article${data.total === 1 ? "" : "s"}${range}${took}`
      : "No articles match. Try fewer words, a prefix (defen*) or a longer time range.";
    renderFacets(data.facets);
    renderPager(data.total);
  } catch (err) {
    if (err.name === "AbortError") return;
    fill(results);
    fill($("pager"));
    fill($("facets"));
    $("summary").className = "summary error";
    if (err instanceof ApiError && err.code === "invalid_query") {
      showQueryError($("q"), $("q-error"), err);
      $("summary").textContent = "Fix the query to search.";
    } else {
      $("summary").textContent = `Search failed: ${err.detail || err.message}`;
    }
  } finally {
    if (!signal.aborted) results.removeAttribute("aria-busy");
  }
}

/** Wire the form once. */
export function initSearch() {
  attachQueryCheck($("q"), $("q-error"));
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    go({ ...state, q: $("q").value.trim(), page: 1 });
  });
  for (const id of ["since", "sort"]) {
    $(id).addEventListener("change", () => go({ ...state, [id]: $(id).value, page: 1 }));
  }
}

/** Show the search the URL describes (first load, back/forward). */
export function showSearch() {
  state = readState();
  syncForm();
  run();
}
