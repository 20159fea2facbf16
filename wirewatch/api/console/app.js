// The console's entry point: views (search, alerts, feeds) chosen by ?view=, the status strip,
// keyboard shortcuts and the token button.

import { markAlertsSeen, initAlerts, loadSubs } from "./alerts.js";
import { api, askToken, getToken } from "./api.js";
import { initFeeds, loadFeeds } from "./feeds.js";
import { initSearch, showSearch } from "./search.js";
import { fill, h, number, refreshTimes } from "./util.js";

const $ = (id) => document.getElementById(id);
const VIEWS = ["search", "alerts", "feeds"];

function currentView() {
  const view = new URLSearchParams(location.search).get("view");
  return VIEWS.includes(view) ? view : "search";
}

/** Show the view the URL names and load what it needs. */
function route() {
  const view = currentView();
  for (const name of VIEWS) $(`view-${name}`).hidden = name !== view;
  for (const link of document.querySelectorAll(".tabs a")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = view === "search" ? "wirewatch" : `wirewatch · ${view}`;
  if (view === "search") showSearch();
  if (view === "alerts") {
    markAlertsSeen();
    loadSubs();
  }
  if (view === "feeds") loadFeeds();
}

function onTab(event) {
  const link = event.target.closest("a[data-view]");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  if (link.href !== location.href) history.pushState(null, "", link.href);
  route();
  $("main").focus({ preventScroll: true });
}

function pill(ok, label, detail) {
  return h(
    "span",
    { class: `pill ${ok === null ? "unknown" : ok ? "ok" : "down"}`, title: detail || "" },
    h("span", { class: "dot", "aria-hidden": "true" }),
    label,
  );
}

async function loadStatus() {
  if (document.hidden) return;
  try {
    const s = await api("api/status");
    const lag = s.lag ? Object.values(s.lag).reduce((a, b) => a + b, 0) : null;
    const feeds = s.feeds || [];
    const failing = feeds.filter((f) => f.active && f.status && !["ok", "not_modified"].includes(f.status)).length;
    const alerts = s.alerts || {};
    fill(
      $("status"),
      pill(s.broker?.ok, `broker ${s.broker?.ok ? "ok" : "down"}`, s.broker?.error || s.broker?.bootstrap),
      pill(
        s.index?.ok,
        s.index?.articles == null ? "index" : `${number.format(s.index.articles)} articles`,
        s.index?.detail,
      ),
      pill(lag === null ? null : lag < 1000, lag === null ? "lag unknown" : `lag ${number.format(lag)}`, s.lag ? Object.entries(s.lag).map(([t, n]) => `${t}: ${n}`).join("\n") : ""),
      pill(
        failing ? false : feeds.length ? true : null,
        `${feeds.filter((f) => f.active).length}/${feeds.length} feeds${failing ? `, ${failing} failing` : ""}`,
      ),
      pill(
        !alerts.failed,
        `${number.format(alerts.sent || 0)} alert${alerts.sent === 1 ? "" : "s"} sent${alerts.failed ? `, ${number.format(alerts.failed)} failed` : ""}`,
      ),
    );
  } catch (err) {
    fill($("status"), pill(false, err.status ? `status unavailable: ${err.detail}` : "API unreachable"));
  }
}

function onKey(event) {
  const target = event.target;
  const typing = target.matches("input, textarea, select, [contenteditable]") || document.querySelector("dialog[open]");
  if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
    event.preventDefault();
    if (currentView() !== "search") {
      history.pushState(null, "", "./");
      route();
    }
    $("q").focus();
    $("q").select();
  }
}

function updateTokenButton() {
  $("token-button").textContent = getToken() ? "Token ✓" : "Token";
  $("token-button").setAttribute("aria-label", getToken() ? "API token (saved)" : "API token (none saved)");
}

function init() {
  document.querySelector(".tabs").addEventListener("click", onTab);
  document.addEventListener("keydown", onKey);
  window.addEventListener("popstate", route);
  $("token-button").addEventListener("click", () => askToken());
  window.addEventListener("wirewatch:token", updateTokenButton);
  $("global-error").addEventListener("click", () => {
    $("global-error").hidden = true;
  });
  updateTokenButton();
  initSearch();
  initFeeds();
  initAlerts();
  route();
  loadStatus();
  setInterval(loadStatus, 15000);
  setInterval(() => refreshTimes(), 30000);
  document.addEventListener("visibilitychange", loadStatus);
}

init();
