"""How an alert, a digest or a rate-limit summary reads in a chat, an email or a console line.

One title line, the highlighted snippet, where and when, "also covered by", and the link.
Bodies are Markdown (apprise converts it for channels that want HTML or plain text).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

_MARK = re.compile(r"</?mark>")
MAX_LISTED_SOURCES = 5


@dataclass(frozen=True)
class Message:
    """A rendered notification."""

    title: str
    body: str  # Markdown


def snippet_markdown(snippet: str) -> str:
    """Our highlight (HTML-escaped text with <mark>) as Markdown with bold hits."""
    return html.unescape(_MARK.sub("**", snippet)).strip()


def _covered(article: dict[str, Any]) -> str:
    others = article.get("also_covered_by") or []
    if not others:
        return ""
    shown = ", ".join(others[:MAX_LISTED_SOURCES])
    more = len(others) - MAX_LISTED_SOURCES
    return f"Also covered by {shown}" + (f" and {more} more" if more > 0 else "")


def _alert_lines(payload: dict[str, Any]) -> list[str]:
    art = payload["article"]
    lines = []
    if payload.get("highlight"):
        lines.append(snippet_markdown(payload["highlight"]))
    lines.append(f"{art['source']} · {art['published']}")
    if covered := _covered(art):
        lines.append(covered)
    facets = [e["name"] for e in art.get("entities", [])[:6]] + list(art.get("topics", [])[:3])
    if facets:
        lines.append("Tags: " + ", ".join(facets))
    if art.get("url"):
        lines.append(art["url"])
    return lines


def _item_line(payload: dict[str, Any]) -> str:
    art = payload["article"]
    link = f" <{art['url']}>" if art.get("url") else ""
    covered = f" (+{len(art.get('also_covered_by') or [])} outlets)" if art.get("also_covered_by") else ""
    return f"- **{art['title']}** — {art['source']}{covered}{link}"


def render(payload: dict[str, Any]) -> Message:
    """The message for any kind of payload (alert, digest, summary)."""
    kind = payload.get("kind", "alert")
    if kind == "digest":
        sub = payload["subscription"]["name"]
        title = f"[{sub}] digest: {payload['count']} alerts in {payload['stories']} stories"
        lines = [f"Until {payload['period_end']}", ""] + [_item_line(a) for a in payload["alerts"]]
        return Message(title, "\n".join(lines))
    if kind == "summary":
        listed = payload["alerts"]
        title = f"wirewatch: {payload['count']} more alerts ({', '.join(payload['subscriptions'])})"
        lines = ["These went over the channel's rate limit and are summarised here:", ""]
        lines += [f"[{a['subscription']['name']}] " + _item_line(a)[2:] for a in listed]
        if payload["count"] > len(listed):
            lines.append(f"… and {payload['count'] - len(listed)} more (`wirewatch alerts list`)")
        return Message(title, "\n".join(lines))
    sub, art = payload["subscription"]["name"], payload["article"]
    return Message(f"[{sub}] {art['title']}", "\n\n".join(_alert_lines(payload)))


def console_line(payload: dict[str, Any]) -> str:
    """One readable line per message for the console target."""
    kind = payload.get("kind", "alert")
    if kind != "alert":
        return f"ALERT {render(payload).title}"
    art = payload["article"]
    where = f"{art['source']} ({art['published']})"
    return f"ALERT [{payload['subscription']['name']}] {art['title']} — {where} {art['url'] or ''}".rstrip()
