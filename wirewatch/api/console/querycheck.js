// Inline syntax errors for a query input: checked by the API as the user types (debounced),
// shown under the input with the offending character marked.

import { api, ApiError, withParams } from "./api.js";
import { debounce, fill, h } from "./util.js";

/** Show (or clear, with err = null) a query error under `input` in `box`. */
export function showQueryError(input, box, err) {
  if (!err) {
    box.hidden = true;
    box.replaceChildren();
    input.removeAttribute("aria-invalid");
    return;
  }
  input.setAttribute("aria-invalid", "true");
  const query = input.value;
  const children = [h("span", { class: "qerror-msg", text: err.detail })];
  if (err.position !== null && err.position >= 0 && err.position <= query.length) {
    const at = err.position;
    const bad = query.slice(at, at + 1);
    children.push(
      h(
        "code",
        { class: "qerror-echo", "aria-hidden": "true" },
        query.slice(0, at),
        h("span", { class: bad && bad !== " " ? "bad" : "bad caret", text: bad || " " }),
        query.slice(at + 1),
      ),
    );
  }
  fill(box, ...children);
  box.hidden = false;
}

/** Check `input` against /api/query/check as the user types. Returns `check()` for submit. */
export function attachQueryCheck(input, box, { allowEmpty = true } = {}) {
  let controller = null;
  let inflight = null; // { q, result }: the check under way
  async function run(q, signal) {
    try {
      await api(withParams("api/query/check", { q }), { signal });
      if (input.value === q) showQueryError(input, box, null);
      return true;
    } catch (err) {
      if (err.name === "AbortError") return false;
      if (err instanceof ApiError && err.code === "invalid_query") {
        if (input.value === q) showQueryError(input, box, err);
        return false;
      }
      return true; // the API is down: let the real request report it
    }
  }
  function check() {
    const q = input.value;
    // The typing check fires 250 ms after the last key: if a submit's check of the same text is
    // still under way (a slow API), share it. Aborting it made the submit silently do nothing.
    if (inflight?.q === q) return inflight.result;
    controller?.abort();
    if (!q.trim()) {
      inflight = null;
      showQueryError(input, box, null);
      return Promise.resolve(allowEmpty);
    }
    controller = new AbortController();
    const current = { q, result: run(q, controller.signal) };
    inflight = current;
    current.result.finally(() => {
      if (inflight === current) inflight = null;
    });
    return current.result;
  }
  input.addEventListener("input", debounce(check, 250));
  return check;
}
