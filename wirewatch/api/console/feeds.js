// The feeds view: health table, add a feed, import OPML, remove.

import { api } from "./api.js";
import { confirmAction, fill, h, number, safeUrl, timeEl } from "./util.js";

const $ = (id) => document.getElementById(id);

function statusOf(feed) {
  if (!feed.active) return ["inactive", `inactive${feed.inactive_reason ? `: ${feed.inactive_reason}` : ""}`];
  if (!feed.status) return ["pending", "not polled yet"];
  if (feed.status === "ok" || feed.status === "not_modified") return ["ok", feed.status === "ok" ? "ok" : "ok (304)"];
  return ["error", feed.status];
}

function renderFeed(feed) {
  const [kind, label] = statusOf(feed);
  const href = safeUrl(feed.url);
  const name = feed.name || feed.url;
  return h(
    "tr",
    { class: `feed ${kind}` },
    h(
      "th",
      { scope: "row" },
      href ? h("a", { href, target: "_blank", rel: "noopener noreferrer", text: name }) : name,
      feed.name && feed.name !== feed.url ? h("div", { class: "muted small url", text: feed.url }) : null,
      feed.tags?.length ? h("div", { class: "muted small", text: feed.tags.map((t) => `#${t}`).join(" ") }) : null,
    ),
    h("td", {}, h("span", { class: `status-pill ${kind}`, text: label })),
    h("td", {}, timeEl(feed.last_success)),
    h("td", { class: "num", text: String(feed.consecutive_failures ?? 0) }),
    h("td", { class: "last-error", text: feed.last_error || "" }),
    h("td", { class: "num", text: typeof feed.items_per_day === "number" ? number.format(Math.round(feed.items_per_day * 10) / 10) : "—" }),
    h("td", {}, timeEl(feed.next_poll)),
    h(
      "td",
      {},
      feed.active
        ? h("button", {
            type: "button",
            class: "small danger",
            "aria-label": `Remove ${name}`,
            text: "Remove",
            onclick: () => remove(feed, name),
          })
        : null,
    ),
  );
}

export async function loadFeeds() {
  const body = $("feeds");
  try {
    const data = await api("api/feeds");
    // Removed feeds stay listed as inactive (their history is kept): they go last.
    const feeds = (data.feeds || []).sort((a, b) => Number(b.active) - Number(a.active));
    fill(
      body,
      feeds.length
        ? feeds.map(renderFeed)
        : h("tr", {}, h("td", { colspan: "8", class: "muted", text: "No feeds yet: add one above or import an OPML file." })),
    );
  } catch (err) {
    fill(body, h("tr", {}, h("td", { colspan: "8", class: "error", text: `Could not load feeds: ${err.detail || err.message}` })));
  }
}

async function remove(feed, name) {
  if (!(await confirmAction(`Remove the feed “${name}”? Its articles stay searchable.`, "Remove"))) return;
  try {
    await api(`api/feeds/${encodeURIComponent(feed.id)}`, { method: "DELETE" });
  } catch (err) {
    $("feed-form-error").textContent = err.detail || err.message;
    $("feed-form-error").hidden = false;
  }
  await loadFeeds();
}

async function add(event) {
  event.preventDefault();
  const error = $("feed-form-error");
  const url = $("feed-url").value.trim();
  error.hidden = true;
  if (!url) {
    error.textContent = "Enter the feed's URL.";
    error.hidden = false;
    $("feed-url").focus();
    return;
  }
  const button = event.submitter || $("feed-form").querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const body = { url };
    if ($("feed-name").value.trim()) body.name = $("feed-name").value.trim();
    await api("api/feeds", { method: "POST", body });
    $("feed-url").value = "";
    $("feed-name").value = "";
    await loadFeeds();
  } catch (err) {
    error.textContent = err.detail || err.message;
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
}

async function importOpml(event) {
  event.preventDefault();
  const note = $("opml-result");
  const file = $("opml-file").files[0];
  note.className = "form-note";
  if (!file) {
    note.textContent = "Choose an OPML file first.";
    return;
  }
  note.textContent = "Importing…";
  try {
    const text = await file.text();
    const data = await api("api/feeds/import", { method: "POST", body: text, type: "text/x-opml" });
    const errors = data.errors || [];
    note.textContent = `Added ${data.added}, skipped ${data.skipped}${errors.length ? `, ${errors.length} errors:` : "."}`;
    if (errors.length) {
      note.append(
        h(
          "ul",
          {},
          errors.slice(0, 20).map((e) => h("li", { text: typeof e === "string" ? e : JSON.stringify(e) })),
        ),
      );
    }
    $("opml-file").value = "";
    await loadFeeds();
  } catch (err) {
    note.className = "form-note error";
    note.textContent = err.detail || err.message;
  }
}

export function initFeeds() {
  $("feed-form").addEventListener("submit", add);
  $("opml-form").addEventListener("submit", importOpml);
}
