// The HTTP API client: JSON in and out, {error, detail} errors as ApiError, and the token
// dialog shown when a request is refused for want of a (write) token.

const TOKEN_KEY = "wirewatch.token";

export class ApiError extends Error {
  constructor(status, body = {}) {
    super(body.detail || body.error || `HTTP ${status}`);
    this.status = status;
    this.code = body.error || "error";
    this.detail = body.detail || this.message;
    this.position = Number.isInteger(body.position) ? body.position : null;
  }
}

let memoryToken = ""; // used when the browser refuses local storage (private mode)

export function getToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) || memoryToken;
  } catch {
    return memoryToken;
  }
}

export function setToken(token) {
  memoryToken = token;
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // kept in memory for this page only
  }
  window.dispatchEvent(new Event("wirewatch:token"));
}

async function errorOf(res) {
  let body = {};
  try {
    body = await res.json();
  } catch {
    body = { error: "http_error", detail: `${res.status} ${res.statusText}`.trim() };
  }
  if (res.status === 429) {
    const wait = res.headers.get("Retry-After");
    if (wait) body.detail = `${body.detail || "Too many requests"} (retry in ${wait} s)`;
  }
  return new ApiError(res.status, body);
}

/**
 * Call the API. `body`: an object (sent as JSON) or a string/Blob (sent as is, with `type`).
 * On 401/403 the token dialog opens once; a saved token retries the request.
 */
export async function api(path, { method = "GET", body, type, signal, retried = false } = {}) {
  const headers = { Accept: "application/json" };
  let payload;
  if (body !== undefined) {
    const raw = typeof body === "string" || body instanceof Blob;
    payload = raw ? body : JSON.stringify(body);
    headers["Content-Type"] = raw ? type || "text/plain" : "application/json";
  }
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, signal, cache: "no-store" });
  } catch (exc) {
    if (exc.name === "AbortError") throw exc;
    throw new ApiError(0, { error: "network", detail: "The wirewatch API cannot be reached." });
  }
  if ((res.status === 401 || res.status === 403) && !retried) {
    const err = await errorOf(res);
    if (await askToken(err.detail, res.status)) {
      return api(path, { method, body, type, signal, retried: true });
    }
    throw err;
  }
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return null;
  const kind = res.headers.get("Content-Type") || "";
  return kind.includes("json") ? res.json() : res.text();
}

let pending = null;

/** Open the token dialog (one at a time); resolves true when a token was saved. */
export function askToken(reason = "", status = 0) {
  if (pending) return pending;
  const dialog = document.getElementById("token-dialog");
  const input = document.getElementById("token-input");
  const why = document.getElementById("token-why");
  if (!why.dataset.text) why.dataset.text = why.textContent;
  why.textContent = reason
    ? `${status === 403 ? "Not allowed" : "A token is needed"}: ${reason} ${why.dataset.text}`
    : why.dataset.text;
  input.value = getToken();
  pending = new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => {
        pending = null;
        if (dialog.returnValue === "save" && input.value.trim()) {
          setToken(input.value.trim());
          resolve(true);
          return;
        }
        if (dialog.returnValue === "clear") setToken("");
        resolve(false);
      },
      { once: true },
    );
  });
  dialog.returnValue = "";
  dialog.showModal();
  input.focus();
  return pending;
}

/** Build "path?k=v&k=v2" from an object whose values may be arrays; empty values dropped. */
export function withParams(path, params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== undefined && v !== null && v !== "") search.append(key, String(v));
    }
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}
