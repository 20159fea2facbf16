// DOM and formatting helpers. Every API string reaches the page as text (textContent), except
// highlight markup, which `marked` rebuilds from text and <mark> elements only.

/** Create an element: h("a", {href, class, onclick}, "text", child, ...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const parser = new DOMParser();

/** Highlight HTML (escaped text with <mark>) as a fragment of text and <mark> nodes only. */
export function marked(html) {
  const frag = document.createDocumentFragment();
  if (!html) return frag;
  const body = parser.parseFromString(`<body>${html}</body>`, "text/html").body;
  for (const node of body.childNodes) {
    if (node.nodeType === Node.ELEMENT_NODE && node.tagName === "MARK") {
      frag.append(h("mark", { text: node.textContent }));
    } else {
      frag.append(node.textContent);
    }
  }
  return frag;
}

/** An href only for http(s) URLs, so a feed cannot smuggle javascript: links in. */
export function safeUrl(url) {
  try {
    const parsed = new URL(url, location.href);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto", style: "short" });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const STEPS = [
  ["year", 31536000],
  ["month", 2592000],
  ["week", 604800],
  ["day", 86400],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];

/** Parse an ISO string or epoch seconds into a Date (null when absent or invalid). */
export function toDate(value) {
  if (value === null || value === undefined || value === "") return null;
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "5 min. ago" / "in 3 hr." for a date. */
export function ago(date, now = Date.now()) {
  const seconds = Math.round((date.getTime() - now) / 1000);
  if (Math.abs(seconds) < 45) return seconds > 0 ? "in a moment" : "just now";
  for (const [unit, size] of STEPS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return relative.format(seconds, "second");
}

/** A <time> element saying how long ago, with the full date on hover; "—" when unknown. */
export function timeEl(value) {
  const date = toDate(value);
  if (!date) return h("span", { class: "muted", text: "—" });
  return h("time", { datetime: date.toISOString(), title: absolute.format(date), text: ago(date) });
}

/** Refresh every <time> element's relative text (called on a timer). */
export function refreshTimes(root = document) {
  for (const el of root.querySelectorAll("time[datetime]")) {
    el.textContent = ago(new Date(el.dateTime));
  }
}

export const number = new Intl.NumberFormat();

export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Split "a, b ,c" into ["a","b","c"]. */
export function splitList(text, separator = ",") {
  return text
    .split(separator)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Ask before a destructive action; resolves true on "ok". */
export function confirmAction(text, action = "Delete") {
  const dialog = document.getElementById("confirm-dialog");
  document.getElementById("confirm-text").textContent = text;
  dialog.querySelector("button[value=ok]").textContent = action;
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
  });
}
