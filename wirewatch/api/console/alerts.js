// Subscriptions (create, edit, mute, delete, test-send) and the live alert feed (SSE).

import { api, ApiError, getToken, withParams } from "./api.js";
import { attachQueryCheck, showQueryError } from "./querycheck.js";
import { confirmAction, fill, h, marked, safeUrl, splitList, timeEl } from "./util.js";

const $ = (id) => document.getElementById(id);
const MAX_ALERTS = 200;
const FILTER_FIELDS = ["sources", "entities", "topics", "languages"];

let editing = null; // the subscription being edited, null when creating
let checkSubQuery = null;

// ---- subscriptions ----

function scheduleText(sub) {
  if (sub.mode !== "digest" || !sub.schedule) return "immediately";
  const [kind, at] = sub.schedule.split("@");
  return kind === "daily" ? `daily digest at ${at} ${sub.tz || "UTC"}` : `${kind} digest`;
}

function renderSub(sub) {
  const results = h("ul", { class: "test-results", role: "status", "aria-label": `Test results for ${sub.name}` });
  const filters = Object.entries(sub.filters || {})
    .filter(([, v]) => v?.length)
    .map(([k, v]) => `${k}: ${v.join(", ")}`);
  const mute = h("button", {
    type: "button",
    class: "small",
    "aria-pressed": sub.muted ? "true" : "false",
    text: sub.muted ? "Unmute" : "Mute",
    onclick: () => patch(sub, { muted: !sub.muted }),
  });
  return h(
    "li",
    { class: `card sub${sub.muted ? " muted-sub" : ""}`, "data-name": sub.name },
    h(
      "div",
      { class: "sub-head" },
      h("h3", { text: sub.name }),
      sub.muted ? h("span", { class: "badge", text: "muted" }) : null,
      h("span", { class: "muted small", text: scheduleText(sub) }),
    ),
    h("code", { class: "sub-query", text: sub.query }),
    filters.length ? h("p", { class: "muted small", text: filters.join(" · ") }) : null,
    h("p", { class: "muted small targets", text: sub.targets?.length ? `→ ${sub.targets.join(", ")}` : "→ console" }),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "small", text: "Edit", onclick: () => openForm(sub) }),
      mute,
      h("button", { type: "button", class: "small", text: "Test send", onclick: () => testSend(sub, results) }),
      h("button", { type: "button", class: "small danger", text: "Delete", onclick: () => remove(sub) }),
    ),
    results,
  );
}

export async function loadSubs() {
  const list = $("subs");
  try {
    const data = await api("api/subscriptions");
    const subs = data.subscriptions || [];
    fill(list, subs.length ? subs.map(renderSub) : h("li", { class: "empty muted", text: "No subscriptions yet." }));
  } catch (err) {
    fill(list, h("li", { class: "error", text: `Could not load subscriptions: ${err.detail || err.message}` }));
  }
}

async function patch(sub, changes) {
  try {
    await api(`api/subscriptions/${encodeURIComponent(sub.name)}`, { method: "PATCH", body: changes });
    await loadSubs();
  } catch (err) {
    reportError(`Could not change ${sub.name}`, err);
  }
}

async function remove(sub) {
  if (!(await confirmAction(`Delete the subscription “${sub.name}”? Its alerts stay in the history.`))) return;
  try {
    await api(`api/subscriptions/${encodeURIComponent(sub.name)}`, { method: "DELETE" });
    if (editing?.name === sub.name) closeForm();
    await loadSubs();
  } catch (err) {
    reportError(`Could not delete ${sub.name}`, err);
  }
}

async function testSend(sub, box) {
  fill(box, h("li", { class: "muted", text: "Sending a test alert…" }));
  try {
    const data = await api(`api/subscriptions/${encodeURIComponent(sub.name)}/test`, { method: "POST" });
    const rows = (data.results || []).map((r) =>
      h(
        "li",
        { class: r.ok ? "ok" : "error" },
        h("span", { "aria-hidden": "true", text: r.ok ? "✓ " : "✗ " }),
        h("span", { class: "sr-only", text: r.ok ? "delivered: " : "failed: " }),
        h("code", { text: r.target }),
        r.ok ? null : h("span", { text: ` — ${r.error || "failed"}` }),
      ),
    );
    fill(box, rows.length ? rows : h("li", { class: "muted", text: "No targets to test." }));
  } catch (err) {
    fill(box, h("li", { class: "error", text: err.detail || err.message }));
  }
}

function reportError(what, err) {
  const banner = $("global-error");
  banner.textContent = `${what}: ${err.detail || err.message}`;
  banner.hidden = false;
}

function formFields(sub) {
  const digest = sub?.mode === "digest" && sub.schedule ? sub.schedule : "";
  const [kind, at] = digest.split("@");
  $("sub-name").value = sub?.name || "";
  $("sub-query").value = sub?.query || "";
  $("sub-targets").value = (sub?.targets || []).join("\n");
  for (const key of FILTER_FIELDS) $(`sub-${key}`).value = (sub?.filters?.[key] || []).join(", ");
  $("sub-digest").value = kind || "";
  $("sub-time").value = at || "08:00";
  $("sub-time").disabled = kind !== "daily";
  $("sub-tz").value = sub?.tz && sub.tz !== "UTC" ? sub.tz : "";
  $("sub-dedup").checked = sub ? sub.dedup !== false : true;
  $("sub-muted").checked = Boolean(sub?.muted);
}

function openForm(sub = null) {
  editing = sub;
  formFields(sub);
  $("sub-form-title").textContent = sub ? `Edit “${sub.name}”` : "New subscription";
  $("sub-save").textContent = sub ? "Save" : "Create";
  $("sub-form-error").hidden = true;
  showQueryError($("sub-query"), $("sub-query-error"), null);
  $("sub-form").hidden = false;
  $("sub-form").querySelector("details").open = Boolean(sub && (sub.mode === "digest" || Object.keys(sub.filters || {}).length));
  $("sub-name").focus();
}

function closeForm() {
  editing = null;
  $("sub-form").hidden = true;
  $("sub-new").focus();
}

function formBody() {
  const filters = {};
  for (const key of FILTER_FIELDS) filters[key] = splitList($(`sub-${key}`).value);
  const kind = $("sub-digest").value;
  const body = {
    name: $("sub-name").value.trim(),
    query: $("sub-query").value.trim(),
    targets: splitList($("sub-targets").value, "\n").length ? splitList($("sub-targets").value, "\n") : ["console"],
    filters,
    dedup: $("sub-dedup").checked,
    muted: $("sub-muted").checked,
  };
  if (kind) {
    body.digest = kind === "daily" ? `daily@${$("sub-time").value || "08:00"}` : kind;
    body.tz = $("sub-tz").value.trim() || "UTC";
  } else if (editing?.mode === "digest") {
    body.digest = null; // back to one message per alert
  }
  // Targets come back redacted: send them only when the user changed them.
  if (editing && body.targets.join("\n") === (editing.targets || []).join("\n")) delete body.targets;
  return body;
}

async function save(event) {
  event.preventDefault();
  const error = $("sub-form-error");
  error.hidden = true;
  const body = formBody();
  const missing = !body.name ? $("sub-name") : !body.query ? $("sub-query") : null;
  if (missing) {
    error.textContent = `${missing === $("sub-name") ? "Name" : "Query"} is required.`;
    error.hidden = false;
    missing.setAttribute("aria-invalid", "true");
    missing.focus();
    return;
  }
  $("sub-name").removeAttribute("aria-invalid");
  if (!(await checkSubQuery())) {
    $("sub-query").focus();
    return;
  }
  try {
    if (editing) {
      await api(`api/subscriptions/${encodeURIComponent(editing.name)}`, { method: "PATCH", body });
    } else {
      await api("api/subscriptions", { method: "POST", body });
    }
    editing = null;
    $("sub-form").hidden = true;
    await loadSubs();
    $("sub-new").focus();
  } catch (err) {
    if (err instanceof ApiError && err.code === "invalid_query") {
      showQueryError($("sub-query"), $("sub-query-error"), err);
    }
    error.textContent = err.detail || err.message;
    error.hidden = false;
  }
}

// ---- live alert feed ----

const seen = new Set();
let lastSeq = 0;
let source = null;
let retryTimer = null;
let retryDelay = 1000;
let streamNeedsToken = false;
let unseen = 0;

function alertParts(alert) {
  const p = alert.payload || {};
  const sub = p.subscription?.name || alert.subscription || "?";
  if (p.kind === "digest" || p.kind === "summary" || !p.article) {
    const count = p.count ?? (p.alerts || []).length;
    return { sub, title: `${p.kind || alert.kind || "alert"}: ${count} alerts`, article: null, p };
  }
  return { sub, title: p.article.title || p.article.url, article: p.article, p };
}

function renderAlert(alert, fresh) {
  const { sub, title, article, p } = alertParts(alert);
  const covered = article?.also_covered_by?.length || 0;
  const status = alert.status || "pending";
  return h(
    "li",
    { class: `card alert${fresh ? " fresh" : ""}`, "data-id": alert.id },
    h(
      "div",
      { class: "alert-head" },
      h("span", { class: "badge sub-name", text: sub }),
      h("span", { class: `status-pill ${status}`, text: status }),
      timeEl(alert.created || p.created),
    ),
    h("h3", { class: "alert-title" }, article ? linkTo(article.url, title) : title),
    article
      ? h(
          "div",
          { class: "meta" },
          h("span", { class: "source", text: article.source }),
          covered ? h("span", { class: "badge story", text: `+${covered} outlet${covered === 1 ? "" : "s"}` }) : null,
          timeEl(article.published),
        )
      : null,
    p.highlight ? h("p", { class: "snippet" }, marked(p.highlight)) : null,
  );
}

function linkTo(url, text) {
  const href = safeUrl(url);
  return href ? h("a", { href, target: "_blank", rel: "noopener noreferrer", text }) : text;
}

function addAlert(alert, fresh) {
  const key = String(alert.id ?? alert.seq);
  if (seen.has(key)) {
    const old = $("alerts").querySelector(`[data-id="${CSS.escape(key)}"]`);
    if (old) old.replaceWith(renderAlert(alert, false));
    return;
  }
  seen.add(key);
  if (typeof alert.seq === "number") lastSeq = Math.max(lastSeq, alert.seq);
  const list = $("alerts");
  list.querySelector(".empty")?.remove();
  const item = renderAlert(alert, fresh);
  if (fresh) list.prepend(item);
  else list.append(item);
  while (list.children.length > MAX_ALERTS) list.lastElementChild.remove();
  if (fresh) {
    const { sub, title } = alertParts(alert);
    $("alerts-announce").textContent = `New alert for ${sub}: ${title}`;
    if ($("view-alerts").hidden) {
      unseen += 1;
      $("alert-badge").textContent = String(unseen);
      $("alert-badge").hidden = false;
    }
  }
}

/** Clear the unread count (the alerts view is visible). */
export function markAlertsSeen() {
  unseen = 0;
  $("alert-badge").hidden = true;
}

function setLive(state, text) {
  $("live").dataset.state = state;
  $("live-text").textContent = text;
}

function connect() {
  clearTimeout(retryTimer);
  source?.close();
  setLive("connecting", "connecting…");
  // Last-Event-ID is sent by the browser on its own reconnects; after ours, `after` resumes.
  // EventSource cannot send headers: once the stream was refused without one, the saved token
  // goes in the URL (the API reads `token` on this path only).
  const token = streamNeedsToken ? getToken() : "";
  source = new EventSource(withParams("api/alerts/stream", { after: lastSeq || "", token }));
  source.addEventListener("open", () => {
    retryDelay = 1000;
    setLive("live", "live");
  });
  source.addEventListener("alert", (event) => {
    try {
      addAlert(JSON.parse(event.data), true);
    } catch {
      // a malformed event is skipped; the next one still shows
    }
  });
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CONNECTING) {
      setLive("connecting", "reconnecting…");
      return;
    }
    // Closed for good (an HTTP error, e.g. reads need a token, which EventSource cannot send):
    // fetch what was missed with an ordinary request, then try the stream again, backing off.
    source.close();
    streamNeedsToken = Boolean(getToken());
    catchUp();
    retryTimer = setTimeout(connect, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  });
}

async function catchUp() {
  const wait = `${Math.round(retryDelay / 1000)} s`;
  try {
    const data = await api(withParams("api/alerts", { after: lastSeq || "", limit: 50 }));
    for (const alert of (data.alerts || []).reverse()) addAlert(alert, true);
    setLive("polling", `stream unavailable, checking every ${wait}`);
  } catch (err) {
    setLive("down", `offline (${err.detail || err.message}), retrying in ${wait}`);
  }
}

async function loadAlerts() {
  try {
    const data = await api(withParams("api/alerts", { limit: 50 }));
    const alerts = data.alerts || [];
    for (const alert of alerts) addAlert(alert, false);
    if (!alerts.length && !$("alerts").children.length) {
      $("alerts").append(h("li", { class: "empty muted", text: "No alerts yet. They appear here as they happen." }));
    }
  } catch (err) {
    fill($("alerts"), h("li", { class: "error", text: `Could not load alerts: ${err.detail || err.message}` }));
  }
}

export async function initAlerts() {
  checkSubQuery = attachQueryCheck($("sub-query"), $("sub-query-error"), { allowEmpty: false });
  $("sub-new").addEventListener("click", () => openForm(null));
  $("sub-cancel").addEventListener("click", closeForm);
  $("sub-form").addEventListener("submit", save);
  $("sub-form").addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeForm();
  });
  $("sub-digest").addEventListener("change", () => {
    $("sub-time").disabled = $("sub-digest").value !== "daily";
  });
  await loadAlerts();
  connect();
}
